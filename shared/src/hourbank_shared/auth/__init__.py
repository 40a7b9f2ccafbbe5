"""Bearer JWT auth: HS256 in development, RS256 through JWKS in production."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

import jwt
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from hourbank_shared.auth.jwks import SigningKeys
from hourbank_shared.errors import Forbidden, ServiceUnavailable, Unauthorized
from hourbank_shared.settings import ServiceSettings

MEMBER = "member"
ADMIN = "admin"
VERIFIED_TOKENS_KEPT = 4096
"""How many verified tokens a process remembers (the oldest is forgotten first)."""
VERIFIED_FOR_SECONDS = 60.0
"""How long a verified token is taken at its word, never past its `exp`. A member's client
sends the same token with every call, and checking its signature and claims again costs more
CPU than the rest of a simple call's authorisation. A key the provider withdraws then stops
opening calls at most this much later than the key set's refresh drops it
(`jwks.KEY_SET_LIFESPAN_SECONDS`, 5 minutes): docs/security.md."""


@dataclass(frozen=True)
class Principal:
    member_id: UUID
    roles: frozenset[str]

    @property
    def is_admin(self) -> bool:
        return ADMIN in self.roles


class TokenVerifier:
    """Verifies a bearer token with exactly one algorithm (no `none`, no switching), and
    remembers the tokens it verified (`VERIFIED_FOR_SECONDS`); a refused one is checked again
    each time."""

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        now: Callable[[], float] = time.time,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._now = now
        self._monotonic = monotonic
        self._verified: dict[str, tuple[Principal, float, float]] = {}
        """token → (principal, its `exp` as a Unix time, remembered until: monotonic)"""
        self._lock = threading.Lock()
        self._algorithm = settings.jwt_algorithm
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._secret = settings.jwt_secret.get_secret_value() if settings.jwt_secret else None
        self._jwks = (
            SigningKeys(settings.jwt_jwks_url, settings.jwt_jwks_refetches_per_minute)
            if settings.jwt_algorithm == "RS256" and settings.jwt_jwks_url
            else None
        )

    @property
    def may_fetch_keys(self) -> bool:
        """True when verifying may wait on the network (the JWKS of RS256)."""
        return self._jwks is not None

    def remembered(self, token: str) -> Principal | None:
        """The principal of a token verified lately and not expired since; None otherwise."""
        remembered = self._verified.get(token)
        if remembered is None:
            return None
        principal, expires, until = remembered
        return principal if self._now() < expires and self._monotonic() < until else None

    def verify(self, token: str) -> Principal:
        if (principal := self.remembered(token)) is not None:
            return principal
        principal, expires = self._verify(token)
        with self._lock:
            self._verified.pop(token, None)
            if len(self._verified) >= VERIFIED_TOKENS_KEPT:
                del self._verified[next(iter(self._verified))]
            until = self._monotonic() + VERIFIED_FOR_SECONDS
            self._verified[token] = (principal, expires, until)
        return principal

    def _verify(self, token: str) -> tuple[Principal, float]:
        """The principal and the token's `exp`, from its signature and claims."""
        try:
            key: Any = self._jwks.key_for(token) if self._jwks else self._secret
            claims = jwt.decode(
                token,
                key,
                algorithms=[self._algorithm],
                issuer=self._issuer,
                audience=self._audience,
                options={"require": ["sub", "exp"], "verify_aud": self._audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("the token has expired") from None
        except jwt.PyJWKClientConnectionError:
            # our identity provider is unreachable: not the caller's fault, and worth a retry
            raise ServiceUnavailable("the signing keys could not be fetched; try again") from None
        except jwt.PyJWTError as exc:
            raise Unauthorized(f"the token is not valid: {exc}") from None
        try:
            member_id = UUID(str(claims["sub"]))
        except ValueError:
            raise Unauthorized("the token's subject is not a member id (UUID)") from None
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or MEMBER not in roles:
            raise Unauthorized("the token does not carry the member role")
        return Principal(member_id, frozenset(str(r) for r in roles)), float(claims["exp"])


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("a bearer token is required (Authorization: Bearer <jwt>)")
    return token.strip()


async def current_principal(request: Request) -> Principal:
    """Verified on the event loop (a signature check: no thread-pool hop per request), unless
    the signing keys may have to be fetched from the identity provider first and the token was
    not verified lately."""
    verifier: TokenVerifier = request.app.state.token_verifier
    token = _bearer(request)
    if (principal := verifier.remembered(token)) is not None:
        return principal
    if verifier.may_fetch_keys:
        return await run_in_threadpool(verifier.verify, token)
    return verifier.verify(token)


async def admin_principal(
    principal: Annotated[Principal, Depends(current_principal)],
) -> Principal:
    if not principal.is_admin:
        raise Forbidden("this action is for admins only")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
AdminPrincipal = Annotated[Principal, Depends(admin_principal)]
