"""What every process checks before it starts: settings it can explain, no published secret."""

import logging
from collections.abc import Callable
from typing import TypeVar

from pydantic import ValidationError

from hourbank_shared.committed_secrets import COMMITTED_SECRETS, DEV_JWT_SECRET
from hourbank_shared.settings import ServiceSettings

T = TypeVar("T")
log = logging.getLogger(__name__)


def built_or_exit(build: Callable[[], T]) -> T:
    """`build()`, or exit naming each bad setting, never its value (it may be a secret)."""
    try:
        return build()
    except ValidationError as exc:
        raise SystemExit(configuration_errors(exc)) from None


def configuration_errors(exc: ValidationError) -> str:
    """The errors of invalid settings without the values given (pydantic's text shows them)."""
    lines = [
        f"  {'.'.join(str(part) for part in error['loc']) or 'settings'}: {error['msg']}"
        for error in exc.errors(include_url=False, include_input=False, include_context=False)
    ]
    return f"invalid configuration of {exc.title}:\n" + "\n".join(lines)


def published_secret_refusal(settings: ServiceSettings) -> str | None:
    """Why the process must not start with these settings' HS256 secret, or None if it may."""
    if settings.jwt_algorithm != "HS256" or settings.jwt_secret is None:
        return None
    secret = settings.jwt_secret.get_secret_value()
    if secret not in COMMITTED_SECRETS:
        return None
    which = (
        "the development secret published in the repository"
        if secret == DEV_JWT_SECRET
        else "a secret committed in the repository (a test secret)"
    )
    if settings.dev_mode:
        log.warning("development mode: accepting tokens signed with %s", which)
        return None
    return (
        f"refusing to start: HOURBANK_JWT_SECRET is {which}, so anyone can sign tokens this "
        "service would accept. Set a secret of your own (at least 32 random characters, e.g. "
        "`openssl rand -base64 48`) or RS256 with HOURBANK_JWT_JWKS_URL; on a development "
        "machine only, set HOURBANK_DEV_MODE=true."
    )


def refuse_published_secret(settings: ServiceSettings) -> None:
    """Exit with the reason if the settings sign tokens with a secret anyone can read."""
    refusal = published_secret_refusal(settings)
    if refusal is not None:
        raise SystemExit(refusal)
