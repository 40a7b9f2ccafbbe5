"""Test helpers and the pytest plugin."""
