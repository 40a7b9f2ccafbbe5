"""Escrow settings: `HOURBANK_ESCROW_*`, plus the variables shared by every service."""

from decimal import Decimal

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from hourbank_shared.money import NonNegativeAmount
from hourbank_shared.settings import ServiceSettings


class EscrowSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HOURBANK_ESCROW_", extra="ignore")

    service_name: str = "escrow"
    welcome_bonus: NonNegativeAmount = Decimal("3.00")
    default_credit_limit: NonNegativeAmount = Decimal("0.00")
    reconcile_every_seconds: float = Field(default=60.0, gt=0)
    adjustment_approval_above: NonNegativeAmount = Decimal("10.00")
    """An admin adjustment of more hours than this, either way, waits for a second admin."""
    api_port: int = 8002
    metrics_port: int = 9102
