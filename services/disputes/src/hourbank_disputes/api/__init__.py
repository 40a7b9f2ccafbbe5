"""The disputes service's HTTP API: `create_app(settings, sessions)`."""

from hourbank_disputes.api.app import create_app

__all__ = ["create_app"]
