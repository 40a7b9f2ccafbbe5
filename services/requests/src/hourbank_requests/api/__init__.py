"""The requests service's HTTP API: `create_app(settings, sessions)`."""

from hourbank_requests.api.app import create_app

__all__ = ["create_app"]
