"""The secure local broker for tests: SASL_SSL with SCRAM users and per-service ACLs.

`infra/hb-infra up kafka-secure` starts it (a separate broker beside the plaintext one) and
sets the ACLs of `hourbank_shared.kafka_access` with this interpreter.
"""

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.testing.infra import hb_infra_env, repo_root


@dataclass(frozen=True)
class SecureKafka:
    bootstrap: str
    ca_location: Path
    passwords: Path
    """The directory of `<principal>.password` files."""

    def security(self, principal: str, password_file: Path | None = None) -> KafkaSecurity:
        """How `principal` (admin or a service) connects; another password file to fail."""
        return KafkaSecurity(
            kafka_security_protocol="SASL_SSL",
            kafka_sasl_mechanism="SCRAM-SHA-512",
            kafka_sasl_username=principal,
            kafka_sasl_password_file=password_file or self.passwords / f"{principal}.password",
            kafka_ssl_ca_location=self.ca_location,
        )

    def environment(self, principal: str) -> dict[str, str]:
        """The `HOURBANK_KAFKA_…` variables of a process connecting as `principal`."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "HOURBANK_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "HOURBANK_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "HOURBANK_KAFKA_SASL_USERNAME": principal,
            "HOURBANK_KAFKA_SASL_PASSWORD_FILE": str(self.passwords / f"{principal}.password"),
            "HOURBANK_KAFKA_SSL_CA_LOCATION": str(self.ca_location),
        }


def start_secure_kafka() -> SecureKafka:
    """Start the secure broker if it is not running (its ACLs are set either way)."""
    script = repo_root() / "infra" / "hb-infra"
    environment = {**os.environ, "HOURBANK_PYTHON": sys.executable}
    subprocess.run([str(script), "up", "kafka-secure"], check=True, env=environment)
    values = hb_infra_env("--secure", "admin")
    return SecureKafka(
        values["KAFKA_BOOTSTRAP_SERVERS"],
        Path(values["HOURBANK_KAFKA_SSL_CA_LOCATION"]),
        Path(values["HOURBANK_KAFKA_SASL_PASSWORD_FILE"]).parent,
    )
