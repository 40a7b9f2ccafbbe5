"""Requests settings: `HOURBANK_REQUESTS_*`, plus the variables shared by every service."""

from pydantic import PositiveFloat
from pydantic_settings import SettingsConfigDict

from hourbank_requests.domain.lifecycle import ESCROW_ANSWER_SECONDS
from hourbank_shared.settings import ServiceSettings


class RequestsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HOURBANK_REQUESTS_", extra="ignore")

    service_name: str = "requests"
    api_port: int = 8001
    metrics_port: int = 9101
    escrow_answer_seconds: PositiveFloat = ESCROW_ANSWER_SECONDS
    """Real seconds a submission waits for escrow's answer before the request expires."""
