"""Notifications settings: `HOURBANK_NOTIFICATIONS_*`, plus the variables shared by every service.

Email goes out only when `smtp_host` is set.
"""

from typing import Literal

from pydantic import Field, PositiveFloat, PositiveInt, SecretStr
from pydantic_settings import SettingsConfigDict

from hourbank_shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HOURBANK_NOTIFICATIONS_", extra="ignore")

    service_name: str = "notifications"
    api_port: int = 8004
    metrics_port: int = 9104
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_tls: Literal["none", "starttls", "ssl"] = "none"
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_sender: str = "HourBank <notifications@hourbank.local>"
    smtp_timeout: PositiveFloat = 10.0
    email_max_attempts: PositiveInt = 5
    email_first_backoff: PositiveFloat = 2.0
    email_max_backoff: PositiveFloat = 300.0
    streams_per_member: PositiveInt = 3
    """Live streams one member may hold open at once on one API process (429 beyond)."""
    preferences_max: PositiveInt = 128
    """Choices (a type on a channel) one member may store (422 beyond): every notification type
    of today on both channels is 54 choices; 128 of the longest are about 14 KB."""

    @property
    def email_enabled(self) -> bool:
        return bool(self.smtp_host)
