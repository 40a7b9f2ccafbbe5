"""Settings read from the environment, one prefix per service; bad config fails at start."""

import re
from typing import Literal

from pydantic import AliasChoices, Field, PositiveFloat, PositiveInt, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from hourbank_shared.kafka_security import KafkaSecurity

DAY_MS = 24 * 3600 * 1000


def _shared(name: str) -> AliasChoices:
    """Also accept the unprefixed `HOURBANK_<NAME>` / plain variable shared by all services."""
    return AliasChoices(name.lower(), f"HOURBANK_{name}", name)


class KafkaTopicSettings(BaseSettings):
    """How the topics HourBank creates itself are made: replicas, in-sync minimum, retention.

    Only the `HOURBANK_KAFKA_…` names: a plain `KAFKA_…` variable may be a broker's own setting.
    """

    model_config = SettingsConfigDict(env_prefix="HOURBANK_", extra="ignore", populate_by_name=True)

    kafka_replication_factor: PositiveInt = Field(
        default=1, validation_alias="HOURBANK_KAFKA_REPLICATION_FACTOR"
    )
    kafka_min_insync_replicas: PositiveInt = Field(
        default=1, validation_alias="HOURBANK_KAFKA_MIN_INSYNC_REPLICAS"
    )
    kafka_dlq_retention_ms: PositiveInt = Field(
        default=30 * DAY_MS, validation_alias="HOURBANK_KAFKA_DLQ_RETENTION_MS"
    )
    """Dead letters wait for an operator: long enough to outlast a holiday."""
    kafka_replay_retention_ms: PositiveInt = Field(
        default=7 * DAY_MS, validation_alias="HOURBANK_KAFKA_REPLAY_RETENTION_MS"
    )
    """A replayed message is read at once by its consumer; a week covers a stopped one."""

    @model_validator(mode="after")
    def _in_sync_fits_replicas(self) -> "KafkaTopicSettings":
        if self.kafka_min_insync_replicas > self.kafka_replication_factor:
            raise ValueError(
                f"HOURBANK_KAFKA_MIN_INSYNC_REPLICAS ({self.kafka_min_insync_replicas}) cannot "
                f"exceed HOURBANK_KAFKA_REPLICATION_FACTOR ({self.kafka_replication_factor})"
            )
        return self


class ServiceSettings(KafkaTopicSettings, KafkaSecurity):
    """Common settings; each service subclasses with `env_prefix = "HOURBANK_<SERVICE>_"`.

    A `KafkaSecurity` too: a process with an incomplete Kafka TLS or SASL setup stops at start.
    """

    model_config = SettingsConfigDict(env_prefix="HOURBANK_", extra="ignore", populate_by_name=True)

    service_name: str = "hourbank"
    database_url: str = Field(min_length=1, repr=False)
    """A secret (it holds the password): kept out of the settings' repr."""
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092", validation_alias=_shared("KAFKA_BOOTSTRAP_SERVERS")
    )
    time_scale: PositiveFloat = Field(default=1.0, validation_alias=_shared("TIME_SCALE"))
    jwt_algorithm: Literal["HS256", "RS256"] = Field(
        default="HS256", validation_alias=_shared("JWT_ALGORITHM")
    )
    jwt_secret: SecretStr | None = Field(default=None, validation_alias=_shared("JWT_SECRET"))
    dev_mode: bool = Field(
        default=False, validation_alias=AliasChoices("dev_mode", "HOURBANK_DEV_MODE")
    )
    """Development only: lets a process start with a secret committed in the repository."""
    jwt_jwks_url: str | None = Field(default=None, validation_alias=_shared("JWT_JWKS_URL"))
    jwt_issuer: str | None = Field(default=None, validation_alias=_shared("JWT_ISSUER"))
    jwt_audience: str | None = Field(default=None, validation_alias=_shared("JWT_AUDIENCE"))
    jwt_jwks_refetches_per_minute: PositiveInt = Field(
        default=10, validation_alias=_shared("JWT_JWKS_REFETCHES_PER_MINUTE")
    )
    """Key set fetches a token with an unknown `kid` may cause; beyond them such tokens get 401,
    so a flood of made-up key ids cannot make us hammer the identity provider."""
    max_request_body_bytes: PositiveInt = Field(
        default=64 * 1024, validation_alias=_shared("MAX_REQUEST_BODY_BYTES")
    )
    """The largest request body a route takes unless it declares its own limit (413 beyond)."""
    log_level: str = Field(default="INFO", validation_alias=_shared("LOG_LEVEL"))
    access_log: bool = Field(default=False, validation_alias=_shared("ACCESS_LOG"))
    """One log line per HTTP request; off by default: the gateway logs every request already."""
    api_port: int = 8000
    metrics_port: int = 9100

    @model_validator(mode="after")
    def _auth_is_complete(self) -> "ServiceSettings":
        if self.jwt_algorithm == "HS256" and (
            self.jwt_secret is None or len(self.jwt_secret.get_secret_value()) < 32
        ):
            raise ValueError("HS256 needs HOURBANK_JWT_SECRET of at least 32 characters")
        if self.jwt_algorithm == "RS256" and not (
            self.jwt_jwks_url and self.jwt_issuer and self.jwt_audience
        ):
            raise ValueError("RS256 needs HOURBANK_JWT_JWKS_URL, _ISSUER and _AUDIENCE")
        return self

    @property
    def sqlalchemy_url(self) -> str:
        return sqlalchemy_url(self.database_url)


def sqlalchemy_url(url: str) -> str:
    """postgresql://… → postgresql+psycopg://… (psycopg 3 driver)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def libpq_url(url: str) -> str:
    """postgresql+psycopg://… → postgresql://… for psycopg.connect."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def redacted_url(url: str) -> str:
    """The URL with its password (user info or `password=` parameter) replaced by `***`, fit
    for a log line or an error message."""
    url = _PASSWORD_PARAMETER.sub(r"\1***", url)
    scheme, separator, rest = url.partition("://")
    credentials, at, location = rest.rpartition("@")
    if not separator or not at or ":" not in credentials:
        return url
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{location}"


_PASSWORD_PARAMETER = re.compile(r"(password=)[^&\s]*", re.IGNORECASE)
