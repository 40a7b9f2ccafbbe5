"""Event payloads: the only cross-service import.

One module per topic (`members`, `requests`, `escrow`, `ledger`, `disputes`, `notifications`,
and the private `member_contacts`), plus `offerings` (on the members topic); `catalog` maps each
CloudEvents type to its class; `docs` regenerates docs/events (a JSON Schema per type and the
AsyncAPI document) from these classes.
"""
