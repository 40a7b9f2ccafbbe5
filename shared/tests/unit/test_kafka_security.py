"""The Kafka security settings: what every client gets, and a setup that cannot work stops the
process at start with what is missing (never with the password)."""

from pathlib import Path

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict

from hourbank_shared.kafka import base_config, consumer_config, transactional_producer_config
from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.settings import ServiceSettings
from hourbank_shared.startup import built_or_exit

VARIABLES = (
    "HOURBANK_KAFKA_SECURITY_PROTOCOL",
    "HOURBANK_KAFKA_SASL_MECHANISM",
    "HOURBANK_KAFKA_SASL_USERNAME",
    "HOURBANK_KAFKA_SASL_PASSWORD",
    "HOURBANK_KAFKA_SASL_PASSWORD_FILE",
    "HOURBANK_KAFKA_SSL_CA_LOCATION",
    "HOURBANK_KAFKA_SSL_CERTIFICATE_LOCATION",
    "HOURBANK_KAFKA_SSL_KEY_LOCATION",
    "HOURBANK_KAFKA_SSL_KEY_PASSWORD",
)


class EscrowSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HOURBANK_ESCROW_", extra="ignore")


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def ca(tmp_path: Path) -> Path:
    path = tmp_path / "ca.crt"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    return path


def problems(**settings: object) -> str:
    with pytest.raises(ValidationError) as raised:
        KafkaSecurity(**settings)
    return str(raised.value)


def test_plaintext_is_the_default_and_adds_nothing_to_any_client() -> None:
    assert KafkaSecurity().client_config() == {}
    assert base_config("broker:9092", "escrow") == {
        "bootstrap.servers": "broker:9092",
        "client.id": "escrow",
    }


def test_sasl_ssl_reaches_every_client_with_the_password_from_its_file(
    environment: pytest.MonkeyPatch, tmp_path: Path, ca: Path
) -> None:
    password = tmp_path / "password"
    password.write_text("s3cret\n")
    environment.setenv("HOURBANK_KAFKA_SECURITY_PROTOCOL", "sasl_ssl")
    environment.setenv("HOURBANK_KAFKA_SASL_USERNAME", "escrow")
    environment.setenv("HOURBANK_KAFKA_SASL_PASSWORD_FILE", str(password))
    environment.setenv("HOURBANK_KAFKA_SSL_CA_LOCATION", str(ca))
    expected = {
        "security.protocol": "sasl_ssl",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "escrow",
        "sasl.password": "s3cret",
        "ssl.ca.location": str(ca),
    }
    assert KafkaSecurity().client_config() == expected
    for config in (
        consumer_config("broker:9093", "escrow"),
        transactional_producer_config("broker:9093", "hourbank-relay-escrow"),
    ):
        assert expected.items() <= config.items()


def test_a_service_stops_at_start_naming_what_is_missing_never_the_password(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("HOURBANK_ESCROW_DATABASE_URL", "postgresql://h/escrow")
    environment.setenv("HOURBANK_JWT_SECRET", "k" * 32)
    environment.setenv("HOURBANK_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    environment.setenv("HOURBANK_KAFKA_SASL_PASSWORD", "do-not-print-me")
    with pytest.raises(SystemExit) as stopped:
        built_or_exit(EscrowSettings)
    message = str(stopped.value)
    assert "HOURBANK_KAFKA_SASL_USERNAME" in message
    assert "HOURBANK_KAFKA_SSL_CA_LOCATION" in message
    assert "do-not-print-me" not in message


def test_sasl_needs_a_username_and_one_password() -> None:
    message = problems(kafka_security_protocol="SASL_PLAINTEXT")
    assert "needs HOURBANK_KAFKA_SASL_USERNAME" in message
    assert "needs HOURBANK_KAFKA_SASL_PASSWORD or HOURBANK_KAFKA_SASL_PASSWORD_FILE" in message
    both = problems(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_username="escrow",
        kafka_sasl_password="x",
        kafka_sasl_password_file="/etc/hostname",
    )
    assert "not both" in both


def test_a_password_file_must_exist_and_hold_a_password(tmp_path: Path) -> None:
    settings = {"kafka_security_protocol": "SASL_PLAINTEXT", "kafka_sasl_username": "escrow"}
    missing = tmp_path / "nowhere"
    assert f"{missing} is not a file" in problems(**settings, kafka_sasl_password_file=missing)
    empty = tmp_path / "empty"
    empty.write_text("\n")
    assert "is empty" in problems(**settings, kafka_sasl_password_file=empty)


def test_tls_needs_a_ca_file_that_exists(tmp_path: Path) -> None:
    assert "needs HOURBANK_KAFKA_SSL_CA_LOCATION" in problems(kafka_security_protocol="SSL")
    missing = tmp_path / "ca.crt"
    message = problems(kafka_security_protocol="SSL", kafka_ssl_ca_location=missing)
    assert f"HOURBANK_KAFKA_SSL_CA_LOCATION {missing} is not a file" in message


def test_a_client_certificate_needs_its_key(ca: Path) -> None:
    message = problems(
        kafka_security_protocol="SSL", kafka_ssl_ca_location=ca, kafka_ssl_certificate_location=ca
    )
    assert "needs both HOURBANK_KAFKA_SSL_CERTIFICATE_LOCATION and" in message
    mtls = KafkaSecurity(
        kafka_security_protocol="SSL",
        kafka_ssl_ca_location=ca,
        kafka_ssl_certificate_location=ca,
        kafka_ssl_key_location=ca,
    )
    assert mtls.client_config()["ssl.key.location"] == str(ca)


def test_settings_the_protocol_would_ignore_are_refused(ca: Path) -> None:
    ignored = problems(kafka_sasl_username="escrow", kafka_ssl_ca_location=ca)
    assert "HOURBANK_KAFKA_SASL_USERNAME set, but" in ignored
    assert "HOURBANK_KAFKA_SSL_CA_LOCATION set, but" in ignored
    assert "uses no SASL" in ignored and "uses no TLS" in ignored


def test_plain_passwords_only_travel_over_tls() -> None:
    message = problems(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username="escrow",
        kafka_sasl_password="x",
    )
    assert "use SASL_SSL" in message


def test_empty_variables_count_as_unset(environment: pytest.MonkeyPatch) -> None:
    """docker compose passes `${VARIABLE:-}` as an empty string."""
    for name in VARIABLES:
        environment.setenv(name, "")
    security = KafkaSecurity()
    assert security.kafka_security_protocol == "PLAINTEXT"
    assert security.kafka_sasl_mechanism == "SCRAM-SHA-512"
    assert security.client_config() == {}
