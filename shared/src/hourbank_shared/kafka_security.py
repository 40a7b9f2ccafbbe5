"""How every Kafka client of HourBank authenticates and encrypts: one settings model.

Read from `HOURBANK_KAFKA_…` variables (shared by every service, no service prefix), checked
when a process starts: a configuration that cannot work stops it with what is missing. The
consumers, producers and admin clients get it through `hourbank_shared.kafka.base_config`;
the notifications worker (faust) through `ssl_context()` and `sasl_password()`.
"""

import ssl
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Protocol = Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"]
Mechanism = Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"]

_NAMES = {
    "kafka_security_protocol": "HOURBANK_KAFKA_SECURITY_PROTOCOL",
    "kafka_sasl_mechanism": "HOURBANK_KAFKA_SASL_MECHANISM",
    "kafka_sasl_username": "HOURBANK_KAFKA_SASL_USERNAME",
    "kafka_sasl_password": "HOURBANK_KAFKA_SASL_PASSWORD",
    "kafka_sasl_password_file": "HOURBANK_KAFKA_SASL_PASSWORD_FILE",
    "kafka_ssl_ca_location": "HOURBANK_KAFKA_SSL_CA_LOCATION",
    "kafka_ssl_certificate_location": "HOURBANK_KAFKA_SSL_CERTIFICATE_LOCATION",
    "kafka_ssl_key_location": "HOURBANK_KAFKA_SSL_KEY_LOCATION",
    "kafka_ssl_key_password": "HOURBANK_KAFKA_SSL_KEY_PASSWORD",
}


class KafkaSecurity(BaseSettings):
    """TLS and SASL of the Kafka clients; PLAINTEXT (the default) adds nothing to their config."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    kafka_security_protocol: Protocol = Field(
        default="PLAINTEXT", validation_alias=_NAMES["kafka_security_protocol"]
    )
    kafka_sasl_mechanism: Mechanism = Field(
        default="SCRAM-SHA-512", validation_alias=_NAMES["kafka_sasl_mechanism"]
    )
    kafka_sasl_username: str | None = Field(
        default=None, validation_alias=_NAMES["kafka_sasl_username"]
    )
    kafka_sasl_password: SecretStr | None = Field(
        default=None, validation_alias=_NAMES["kafka_sasl_password"]
    )
    kafka_sasl_password_file: Path | None = Field(
        default=None, validation_alias=_NAMES["kafka_sasl_password_file"]
    )
    """A file holding the password (a mounted Kubernetes Secret), instead of the password."""
    kafka_ssl_ca_location: Path | None = Field(
        default=None, validation_alias=_NAMES["kafka_ssl_ca_location"]
    )
    """PEM file of the CA(s) the broker's certificate must chain to."""
    kafka_ssl_certificate_location: Path | None = Field(
        default=None, validation_alias=_NAMES["kafka_ssl_certificate_location"]
    )
    """mTLS: the client's PEM certificate (its subject is the principal), with the key below."""
    kafka_ssl_key_location: Path | None = Field(
        default=None, validation_alias=_NAMES["kafka_ssl_key_location"]
    )
    kafka_ssl_key_password: SecretStr | None = Field(
        default=None, validation_alias=_NAMES["kafka_ssl_key_password"]
    )

    @field_validator(*_NAMES, mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object, info: ValidationInfo) -> object:
        """docker compose's `${VARIABLE:-}` passes an empty string for a variable not set."""
        if value == "" and info.field_name is not None:
            return cls.model_fields[info.field_name].default
        return value

    @field_validator("kafka_security_protocol", "kafka_sasl_mechanism", mode="before")
    @classmethod
    def _upper_case(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _security_is_complete(self) -> "KafkaSecurity":
        problems = self._sasl_problems() + self._tls_problems()
        if problems:
            raise ValueError("Kafka security: " + "; ".join(problems))
        return self

    @property
    def uses_sasl(self) -> bool:
        return self.kafka_security_protocol.startswith("SASL_")

    @property
    def uses_tls(self) -> bool:
        return self.kafka_security_protocol.endswith("SSL")

    def _sasl_problems(self) -> list[str]:
        protocol = f"HOURBANK_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol}"
        given = [
            _NAMES[name]
            for name in ("kafka_sasl_username", "kafka_sasl_password", "kafka_sasl_password_file")
            if getattr(self, name) is not None
        ]
        if not self.uses_sasl:
            return [f"{', '.join(given)} set, but {protocol} uses no SASL"] if given else []
        problems = []
        if not self.kafka_sasl_username:
            problems.append(f"{protocol} needs HOURBANK_KAFKA_SASL_USERNAME")
        password, password_file = self.kafka_sasl_password, self.kafka_sasl_password_file
        if password is None and password_file is None:
            problems.append(
                f"{protocol} needs HOURBANK_KAFKA_SASL_PASSWORD or "
                "HOURBANK_KAFKA_SASL_PASSWORD_FILE"
            )
        elif password is not None and password_file is not None:
            problems.append(
                "set HOURBANK_KAFKA_SASL_PASSWORD or HOURBANK_KAFKA_SASL_PASSWORD_FILE, not both"
            )
        elif password_file is not None:
            problems += _unreadable("HOURBANK_KAFKA_SASL_PASSWORD_FILE", password_file)
            if not problems and not password_file.read_text().strip():
                problems.append(f"HOURBANK_KAFKA_SASL_PASSWORD_FILE {password_file} is empty")
        if self.kafka_sasl_mechanism == "PLAIN" and not self.uses_tls:
            problems.append("SASL PLAIN sends the password in clear: use SASL_SSL")
        return problems

    def _tls_problems(self) -> list[str]:
        files = {
            name: getattr(self, name)
            for name in (
                "kafka_ssl_ca_location",
                "kafka_ssl_certificate_location",
                "kafka_ssl_key_location",
            )
        }
        given = [_NAMES[name] for name, path in files.items() if path is not None]
        if self.kafka_ssl_key_password is not None:
            given.append(_NAMES["kafka_ssl_key_password"])
        protocol = f"HOURBANK_KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol}"
        if not self.uses_tls:
            return [f"{', '.join(given)} set, but {protocol} uses no TLS"] if given else []
        problems = []
        if files["kafka_ssl_ca_location"] is None:
            problems.append(
                f"{protocol} needs HOURBANK_KAFKA_SSL_CA_LOCATION, the CA file the broker's "
                "certificate is checked against (the system's bundle, e.g. "
                "/etc/ssl/certs/ca-certificates.crt, for a public CA)"
            )
        certificate = files["kafka_ssl_certificate_location"]
        key = files["kafka_ssl_key_location"]
        if (certificate is None) != (key is None):
            problems.append(
                "mTLS needs both HOURBANK_KAFKA_SSL_CERTIFICATE_LOCATION and "
                "HOURBANK_KAFKA_SSL_KEY_LOCATION"
            )
        for name, path in files.items():
            if path is not None:
                problems += _unreadable(_NAMES[name], path)
        return problems

    def sasl_password(self) -> str | None:
        """The SASL password, from the variable or read from its file."""
        if self.kafka_sasl_password is not None:
            return self.kafka_sasl_password.get_secret_value()
        if self.kafka_sasl_password_file is not None:
            return self.kafka_sasl_password_file.read_text().strip()
        return None

    def client_config(self) -> dict[str, str]:
        """The librdkafka (confluent-kafka) properties; none for PLAINTEXT."""
        if self.kafka_security_protocol == "PLAINTEXT":
            return {}
        config = {"security.protocol": self.kafka_security_protocol.lower()}
        if self.uses_sasl:
            config["sasl.mechanism"] = self.kafka_sasl_mechanism
            config["sasl.username"] = self.kafka_sasl_username or ""
            config["sasl.password"] = self.sasl_password() or ""
        locations = {
            "ssl.ca.location": self.kafka_ssl_ca_location,
            "ssl.certificate.location": self.kafka_ssl_certificate_location,
            "ssl.key.location": self.kafka_ssl_key_location,
        }
        config |= {key: str(path) for key, path in locations.items() if path is not None}
        if self.kafka_ssl_key_password is not None:
            config["ssl.key.password"] = self.kafka_ssl_key_password.get_secret_value()
        return config

    def ssl_context(self) -> ssl.SSLContext | None:
        """A verifying TLS context for Python clients (faust's aiokafka); None without TLS."""
        if not self.uses_tls:
            return None
        context = ssl.create_default_context(cafile=self.kafka_ssl_ca_location)
        if self.kafka_ssl_certificate_location is not None:
            password = self.kafka_ssl_key_password
            context.load_cert_chain(
                self.kafka_ssl_certificate_location,
                self.kafka_ssl_key_location,
                password.get_secret_value() if password is not None else None,
            )
        return context


def _unreadable(variable: str, path: Path) -> list[str]:
    if not path.is_file():
        return [f"{variable} {path} is not a file"]
    try:
        with path.open("rb"):
            return []
    except OSError as exc:
        return [f"{variable} {path} cannot be read: {exc.strerror}"]
