"""The identity provider's signing keys (JWKS), with a cap on refetches for unknown key ids.

The keys are kept and fetched again every `KEY_SET_LIFESPAN_SECONDS` (if the provider cannot be
reached then, the keys in hand stay in use). A token whose `kid` is not among them may name a
key the provider has just rotated in, so the set is refetched at once, but at most
`refetches_per_minute` times a minute per process: beyond that, such tokens are refused (401)
until the minute has passed, so that tokens with made-up key ids cannot make every request call
the provider.
"""

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import jwt

log = logging.getLogger(__name__)

KEY_SET_LIFESPAN_SECONDS = 300.0
FETCH_TIMEOUT_SECONDS = 5.0
WINDOW_SECONDS = 60.0


class RefetchLimitReached(jwt.PyJWKClientError):
    """An unknown key id while this minute's refetches are spent: the token is refused."""


class RateWindow:
    """At most `limit` events in any `seconds` long window."""

    def __init__(
        self, limit: int, seconds: float, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.seconds = seconds
        self._monotonic = monotonic
        self._times: deque[float] = deque()

    def take(self) -> bool:
        """Count one event if the window has room; False when it has not."""
        now = self._monotonic()
        while self._times and now - self._times[0] >= self.seconds:
            self._times.popleft()
        if len(self._times) >= self.limit:
            return False
        self._times.append(now)
        return True


class SigningKeys:
    """The signing key of a token, from the JWKS URL."""

    def __init__(
        self,
        url: str,
        refetches_per_minute: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = jwt.PyJWKClient(url, cache_jwk_set=False, timeout=FETCH_TIMEOUT_SECONDS)
        self._refetches = RateWindow(refetches_per_minute, WINDOW_SECONDS, monotonic)
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._keys: dict[str, Any] = {}
        self._fetched_at = -math.inf

    def key_for(self, token: str) -> Any:
        """The public key that must have signed `token`; raises a `jwt.PyJWKClientError`."""
        kid = jwt.get_unverified_header(token).get("kid")
        if not isinstance(kid, str):
            raise jwt.PyJWKClientError("the token names no signing key (`kid`)")
        with self._lock:
            if self._monotonic() - self._fetched_at >= KEY_SET_LIFESPAN_SECONDS:
                self._refresh(keep_on_failure=bool(self._keys))
            if kid not in self._keys:
                if not self._refetches.take():
                    raise RefetchLimitReached(
                        f"unknown signing key {kid!r} (key set refetches are spent for now)"
                    )
                self._refresh(keep_on_failure=False)
            if kid not in self._keys:
                raise jwt.PyJWKClientError(f"unknown signing key {kid!r}")
            return self._keys[kid]

    def _refresh(self, *, keep_on_failure: bool) -> None:
        try:
            keys = self._client.get_signing_keys(refresh=True)
        except jwt.PyJWKClientConnectionError:
            if not keep_on_failure:
                raise
            log.warning("the signing keys could not be refetched; the known ones stay in use")
            self._fetched_at = self._monotonic()  # the next try after another lifespan
            return
        self._keys = {key.key_id: key.key for key in keys if key.key_id}
        self._fetched_at = self._monotonic()
