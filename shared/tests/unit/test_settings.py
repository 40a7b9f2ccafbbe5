import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from hourbank_shared.settings import ServiceSettings


class EscrowSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HOURBANK_ESCROW_", extra="ignore")

    welcome_bonus: str = "3.00"


def test_a_service_reads_its_prefix_and_the_shared_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HOURBANK_ESCROW_DATABASE_URL", "postgresql://h/escrow")
    monkeypatch.setenv("HOURBANK_REQUESTS_DATABASE_URL", "postgresql://h/requests")
    monkeypatch.setenv("HOURBANK_ESCROW_WELCOME_BONUS", "5.00")
    monkeypatch.setenv("HOURBANK_TIME_SCALE", "3600")
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker:9092")
    monkeypatch.setenv("HOURBANK_JWT_SECRET", "k" * 32)
    settings = EscrowSettings()
    assert settings.database_url == "postgresql://h/escrow"
    assert settings.sqlalchemy_url == "postgresql+psycopg://h/escrow"
    assert settings.welcome_bonus == "5.00"
    assert settings.time_scale == 3600
    assert settings.kafka_bootstrap_servers == "broker:9092"


def test_bad_configuration_fails_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOURBANK_JWT_SECRET", "k" * 32)
    monkeypatch.delenv("HOURBANK_ESCROW_DATABASE_URL", raising=False)
    with pytest.raises(ValidationError, match="database_url"):
        EscrowSettings()
    monkeypatch.setenv("HOURBANK_ESCROW_DATABASE_URL", "postgresql://h/escrow")
    monkeypatch.setenv("HOURBANK_TIME_SCALE", "-1")
    with pytest.raises(ValidationError, match="greater than 0"):
        EscrowSettings()
