"""Tokens with unknown key ids cannot make us hammer the identity provider."""

import json
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from hourbank_shared.auth import TokenVerifier
from hourbank_shared.auth.jwks import (
    KEY_SET_LIFESPAN_SECONDS,
    RateWindow,
    RefetchLimitReached,
    SigningKeys,
)
from hourbank_shared.errors import Unauthorized
from hourbank_shared.settings import ServiceSettings

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ROTATED = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ISSUER, AUDIENCE = "https://id.example.test/", "hourbank"


@dataclass
class Provider:
    """A JWKS endpoint that counts its fetches; its keys and availability can change."""

    keys: dict[str, rsa.RSAPrivateKey] = field(default_factory=lambda: {"k1": KEY})
    fetches: int = 0
    down: bool = False
    url: str = ""

    def body(self) -> bytes:
        jwks = [
            json.loads(RSAAlgorithm.to_jwk(key.public_key())) | {"kid": kid, "use": "sig"}
            for kid, key in self.keys.items()
        ]
        return json.dumps({"keys": jwks}).encode()


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.fetches += 1
            if state.down:
                self.send_error(503)
                return
            body = state.body()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_port}/jwks.json"
    yield state
    server.shutdown()


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def token(kid: str, key: rsa.RSAPrivateKey = KEY) -> str:
    claims = {
        "sub": str(uuid.uuid4()),
        "roles": ["member"],
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": datetime.now(UTC) + timedelta(minutes=5),
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def test_a_flood_of_unknown_key_ids_costs_at_most_the_refetches_of_a_minute(
    provider: Provider,
) -> None:
    settings = ServiceSettings(
        database_url="postgresql://x/y",
        jwt_algorithm="RS256",
        jwt_jwks_url=provider.url,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_jwks_refetches_per_minute=3,
    )
    verifier = TokenVerifier(settings)
    assert verifier.verify(token("k1"))  # the first fetch
    refused = []
    for _ in range(50):
        with pytest.raises(Unauthorized) as caught:
            verifier.verify(token(uuid.uuid4().hex))
        refused.append(caught.value.detail)

    assert provider.fetches == 1 + 3
    assert sum("refetches are spent" in detail for detail in refused) == 50 - 3
    assert verifier.verify(token("k1")), "known keys keep working, without a fetch"
    assert provider.fetches == 4


def test_a_rotated_key_is_fetched_once_the_minute_has_passed(provider: Provider) -> None:
    clock = FakeMonotonic()
    keys = SigningKeys(provider.url, refetches_per_minute=1, monotonic=clock)
    keys.key_for(token("k1"))
    with pytest.raises(jwt.PyJWKClientError, match="unknown signing key"):
        keys.key_for(token("made-up"))  # the one refetch of this minute

    provider.keys["k2"] = ROTATED
    with pytest.raises(RefetchLimitReached):
        keys.key_for(token("k2", ROTATED))
    assert provider.fetches == 2

    clock.now += 60
    assert keys.key_for(token("k2", ROTATED)) is not None
    assert provider.fetches == 3


def test_the_known_keys_stay_in_use_while_the_provider_is_down(provider: Provider) -> None:
    clock = FakeMonotonic()
    keys = SigningKeys(provider.url, refetches_per_minute=5, monotonic=clock)
    known = keys.key_for(token("k1"))

    provider.down = True
    clock.now += KEY_SET_LIFESPAN_SECONDS
    assert keys.key_for(token("k1")) == known  # the periodic refetch failed
    assert keys.key_for(token("k1")) == known  # and is not tried again on every token
    assert provider.fetches == 2

    provider.down, provider.keys = False, {"k2": ROTATED}
    clock.now += KEY_SET_LIFESPAN_SECONDS
    with pytest.raises(jwt.PyJWKClientError):
        keys.key_for(token("k1"))  # the provider dropped k1: so do we


def test_a_token_without_a_key_id_is_refused_without_a_fetch(provider: Provider) -> None:
    keys = SigningKeys(provider.url, refetches_per_minute=5)
    bare = jwt.encode({"sub": "x"}, KEY, algorithm="RS256")
    with pytest.raises(jwt.PyJWKClientError, match="kid"):
        keys.key_for(bare)
    assert provider.fetches == 0


def test_the_rate_window_slides() -> None:
    clock = FakeMonotonic()
    window = RateWindow(2, 60, clock)
    assert window.take() and window.take()
    assert not window.take()
    clock.now += 30
    assert not window.take()
    clock.now += 30
    assert window.take()
