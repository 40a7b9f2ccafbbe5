"""Settings read from the environment, one prefix per service; bad config fails at start."""

from typing import Literal

from pydantic import AliasChoices, Field, PositiveFloat, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _shared(name: str) -> AliasChoices:
    """Also accept the unprefixed `HOURBANK_<NAME>` / plain variable shared by all services."""
    return AliasChoices(name.lower(), f"HOURBANK_{name}", name)


class ServiceSettings(BaseSettings):
    """Common settings; each service subclasses with `env_prefix = "HOURBANK_<SERVICE>_"`."""

    model_config = SettingsConfigDict(env_prefix="HOURBANK_", extra="ignore", populate_by_name=True)

    service_name: str = "hourbank"
    database_url: str = Field(min_length=1)
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:19092", validation_alias=_shared("KAFKA_BOOTSTRAP_SERVERS")
    )
    time_scale: PositiveFloat = Field(default=1.0, validation_alias=_shared("TIME_SCALE"))
    jwt_algorithm: Literal["HS256", "RS256"] = Field(
        default="HS256", validation_alias=_shared("JWT_ALGORITHM")
    )
    jwt_secret: SecretStr | None = Field(default=None, validation_alias=_shared("JWT_SECRET"))
    jwt_jwks_url: str | None = Field(default=None, validation_alias=_shared("JWT_JWKS_URL"))
    jwt_issuer: str | None = Field(default=None, validation_alias=_shared("JWT_ISSUER"))
    jwt_audience: str | None = Field(default=None, validation_alias=_shared("JWT_AUDIENCE"))
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
