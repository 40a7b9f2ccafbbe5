"""The escrow service's HTTP API: `create_app(settings, sessions)`."""

from hourbank_escrow.api.app import create_app

__all__ = ["create_app"]
