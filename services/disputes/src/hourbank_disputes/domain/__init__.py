"""The disputes domain: pure Python, no I/O."""
