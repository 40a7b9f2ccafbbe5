"""Before a process starts: no secret from the repository outside development mode, and
configuration errors that never show the values (a database URL holds a password)."""

import secrets

import pytest

from hourbank_shared.committed_secrets import DEV_JWT_SECRET
from hourbank_shared.settings import ServiceSettings, redacted_url
from hourbank_shared.startup import (
    built_or_exit,
    published_secret_refusal,
    refuse_published_secret,
)

DATABASE_URL = "postgresql://escrow:hunter2-password@db.internal:5432/escrow"
OPERATOR_SECRET = secrets.token_urlsafe(32)
"""A secret of the operator's own: made now, so written nowhere in the repository."""


def settings(**values: object) -> ServiceSettings:
    return ServiceSettings(database_url=DATABASE_URL, **values)  # type: ignore[arg-type]


def test_the_published_development_secret_stops_the_process() -> None:
    with pytest.raises(SystemExit) as stopped:
        refuse_published_secret(settings(jwt_secret=DEV_JWT_SECRET))

    message = str(stopped.value.code)
    assert message.startswith("refusing to start: HOURBANK_JWT_SECRET is the development secret")
    assert "HOURBANK_DEV_MODE=true" in message
    assert DEV_JWT_SECRET not in message


def test_a_test_secret_from_the_repository_stops_the_process_too() -> None:
    refusal = published_secret_refusal(settings(jwt_secret="x" * 32))

    assert refusal is not None and "a secret committed in the repository" in refusal


def test_development_mode_allows_the_published_secrets() -> None:
    assert published_secret_refusal(settings(jwt_secret=DEV_JWT_SECRET, dev_mode=True)) is None


def test_development_mode_is_read_from_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOURBANK_DEV_MODE", "true")
    assert settings(jwt_secret=DEV_JWT_SECRET).dev_mode
    monkeypatch.delenv("HOURBANK_DEV_MODE")
    assert not settings(jwt_secret=DEV_JWT_SECRET).dev_mode


def test_an_own_secret_or_rs256_starts() -> None:
    assert published_secret_refusal(settings(jwt_secret=OPERATOR_SECRET)) is None
    rs256 = settings(
        jwt_algorithm="RS256",
        jwt_jwks_url="https://auth.example/jwks.json",
        jwt_issuer="https://auth.example/",
        jwt_audience="hourbank",
        jwt_secret=DEV_JWT_SECRET,
    )
    assert published_secret_refusal(rs256) is None


def test_the_settings_repr_hides_the_database_url_and_the_secret() -> None:
    shown = repr(settings(jwt_secret=OPERATOR_SECRET))

    assert "hunter2" not in shown and OPERATOR_SECRET not in shown


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("HOURBANK_TIME_SCALE", "-1", "greater than 0"),
        ("HOURBANK_JWT_SECRET", "too-short-secret", "at least 32 characters"),
    ],
)
def test_bad_settings_exit_naming_the_problem_without_the_values(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, problem: str
) -> None:
    monkeypatch.setenv("HOURBANK_DATABASE_URL", DATABASE_URL)
    monkeypatch.setenv("HOURBANK_JWT_SECRET", OPERATOR_SECRET)
    monkeypatch.setenv(variable, value)

    with pytest.raises(SystemExit) as stopped:
        built_or_exit(ServiceSettings)

    message = str(stopped.value.code)
    assert message.startswith("invalid configuration of ServiceSettings")
    assert problem in message
    assert "hunter2" not in message and value not in message


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (DATABASE_URL, "postgresql://escrow:***@db.internal:5432/escrow"),
        ("postgresql://u:p@ss:w@h/db", "postgresql://u:***@h/db"),
        ("postgresql://h/db?user=u&password=hunter2", "postgresql://h/db?user=u&password=***"),
        ("host=h password=hunter2 dbname=x", "host=h password=*** dbname=x"),
        ("postgresql://u@h/db", "postgresql://u@h/db"),
    ],
)
def test_a_url_is_shown_without_its_password(url: str, shown: str) -> None:
    assert redacted_url(url) == shown
