"""The requests service's domain: members, offerings and the request state machine (no I/O)."""
