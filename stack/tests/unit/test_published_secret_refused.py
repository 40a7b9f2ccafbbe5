"""Every process of every service refuses to start with a secret published in the repository,
unless in development mode (which `hourbank up` sets), and never shows the database password."""

import subprocess
import sys
from pathlib import Path

from hourbank_shared.committed_secrets import DEV_JWT_SECRET
from hourbank_stack.topology import ROLES, SERVICES

BIN = Path(sys.executable).parent
PASSWORD = "pw-never-shown-0451"
NOBODY_LISTENS = "127.0.0.1:9"  # discard: nothing answers there


def environment(**extra: str) -> dict[str, str]:
    databases = {
        f"HOURBANK_{service.upper()}_DATABASE_URL": (
            f"postgresql://{service}:{PASSWORD}@{NOBODY_LISTENS}/{service}"
        )
        for service in SERVICES
    }
    return {
        "PATH": f"{BIN}",
        "HOURBANK_JWT_SECRET": DEV_JWT_SECRET,
        "KAFKA_BOOTSTRAP_SERVERS": NOBODY_LISTENS,
        **databases,
        **extra,
    }


def run_all(commands: list[list[str]], env: dict[str, str]) -> list[tuple[int, str]]:
    started = [
        subprocess.Popen(
            [str(BIN / argv[0]), *argv[1:]],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for argv in commands
    ]
    finished = []
    for process in started:
        output, _ = process.communicate(timeout=120)
        finished.append((process.returncode, output))
    return finished


def test_every_entry_point_refuses_the_development_secret_outside_development_mode() -> None:
    """The check runs before the command is chosen: one command per entry point covers all
    of its processes (the faust worker has its own entry point)."""
    commands = [[f"hourbank-{service}", "migrate"] for service in SERVICES]
    commands += [role.argv for role in ROLES if role.command == "worker"]

    for argv, (code, output) in zip(commands, run_all(commands, environment()), strict=True):
        assert code == 1, f"{argv} started: {output}"
        assert "refusing to start: HOURBANK_JWT_SECRET is the development secret" in output, argv
        assert DEV_JWT_SECRET not in output and PASSWORD not in output


def test_in_development_mode_a_process_starts_and_its_errors_hide_the_password() -> None:
    """migrate gets past the check and fails on the unreachable database: the error names the
    server, never the password of the URL."""
    commands = [[f"hourbank-{service}", "migrate"] for service in SERVICES]

    for argv, (code, output) in zip(
        commands, run_all(commands, environment(HOURBANK_DEV_MODE="true")), strict=True
    ):
        assert code != 0, argv
        assert "refusing to start" not in output
        assert "127.0.0.1" in output, f"{argv} did not try the database: {output}"
        assert PASSWORD not in output, f"{argv} showed the database password: {output}"
