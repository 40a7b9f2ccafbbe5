"""Disputes settings: `HOURBANK_DISPUTES_*`, plus the variables shared by every service."""

from pydantic_settings import SettingsConfigDict

from hourbank_shared.settings import ServiceSettings


class DisputesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HOURBANK_DISPUTES_", extra="ignore")

    service_name: str = "disputes"
    api_port: int = 8003
    metrics_port: int = 9103
