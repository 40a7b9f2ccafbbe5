"""The notifications service's HTTP API: `create_app(settings, sessions)`."""

from hourbank_notifications.api.app import create_app

__all__ = ["create_app"]
