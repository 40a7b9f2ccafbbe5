"""Where the tests' Kafka and PostgreSQL come from.

In order: KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL from the environment; containers when a
Docker engine answers; otherwise the repo's local processes (`infra/hb-infra up`).
"""

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from hourbank_shared.settings import libpq_url


@dataclass(frozen=True)
class Infra:
    bootstrap: str
    admin_url: str
    """libpq URL of a database on the server with the right to create databases."""

    def database_url(self, name: str) -> str:
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{name}"


def repo_root() -> Path:
    here = Path.cwd().resolve()
    for candidate in (here, *here.parents):
        if (candidate / "infra" / "hb-infra").exists():
            return candidate
    raise RuntimeError("cannot find infra/hb-infra above the working directory")


def _docker_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextmanager
def provide() -> Iterator[Infra]:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    admin_url = os.environ.get("DATABASE_URL")
    if bootstrap and admin_url:
        yield Infra(bootstrap, libpq_url(admin_url))
    elif _docker_answers() and os.environ.get("HOURBANK_TEST_CONTAINERS", "1") == "1":
        with _containers() as infra:
            yield infra
    else:
        yield _local()


def _local() -> Infra:
    script = repo_root() / "infra" / "hb-infra"
    subprocess.run([str(script), "up"], check=True)
    values = hb_infra_env()
    return Infra(values["KAFKA_BOOTSTRAP_SERVERS"], libpq_url(values["DATABASE_URL"]))


def hb_infra_env(*arguments: str) -> dict[str, str]:
    """The variables `infra/hb-infra env [arguments]` exports."""
    script = repo_root() / "infra" / "hb-infra"
    command = [str(script), "env", *arguments]
    exports = subprocess.run(command, check=True, capture_output=True, text=True)
    return dict(
        line.removeprefix("export ").split("=", 1)
        for line in exports.stdout.splitlines()
        if line.startswith("export ")
    )


@contextmanager
def _containers() -> Iterator[Infra]:
    from testcontainers.kafka import KafkaContainer
    from testcontainers.postgres import PostgresContainer

    with (
        KafkaContainer("apache/kafka:4.1.1").with_kraft() as kafka,
        PostgresContainer("postgres:15", driver=None) as pg,
    ):
        yield Infra(kafka.get_bootstrap_server(), pg.get_connection_url())


@contextmanager
def fresh_database(infra: Infra, prefix: str = "t") -> Iterator[str]:
    """A new empty database for one test or module; dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(infra.admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield infra.database_url(name)
    finally:
        with psycopg.connect(infra.admin_url, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
