"""RS256 through a JWKS endpoint with issuer and audience checks (production auth)."""

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from hourbank_shared.auth import TokenVerifier
from hourbank_shared.errors import ServiceUnavailable, Unauthorized
from hourbank_shared.settings import ServiceSettings

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ISSUER, AUDIENCE = "https://id.example.test/", "hourbank"


@pytest.fixture(scope="module")
def jwks_url() -> Iterator[str]:
    jwk = json.loads(RSAAlgorithm.to_jwk(KEY.public_key())) | {"kid": "k1", "use": "sig"}
    body = json.dumps({"keys": [jwk]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/.well-known/jwks.json"
    server.shutdown()


def token(**overrides: object) -> str:
    claims = {
        "sub": str(uuid.uuid4()),
        "roles": ["member"],
        "iss": ISSUER,
        "aud": AUDIENCE,
        "exp": datetime.now(UTC) + timedelta(minutes=5),
    } | overrides
    return jwt.encode(claims, KEY, algorithm="RS256", headers={"kid": "k1"})


@pytest.fixture
def verifier(jwks_url: str) -> TokenVerifier:
    return TokenVerifier(
        ServiceSettings(
            database_url="postgresql://x/y",
            jwt_algorithm="RS256",
            jwt_jwks_url=jwks_url,
            jwt_issuer=ISSUER,
            jwt_audience=AUDIENCE,
        )
    )


def test_a_token_signed_by_the_jwks_key_is_accepted(verifier: TokenVerifier) -> None:
    assert verifier.verify(token(roles=["member", "admin"])).is_admin


@pytest.mark.parametrize(
    "bad",
    [
        {"aud": "someone-else"},
        {"iss": "https://evil.example.test/"},
    ],
)
def test_wrong_issuer_or_audience_is_refused(verifier: TokenVerifier, bad: dict[str, str]) -> None:
    with pytest.raises(Unauthorized):
        verifier.verify(token(**bad))


def test_an_hs256_token_is_refused_by_an_rs256_service(verifier: TokenVerifier) -> None:
    forged = jwt.encode(
        {
            "sub": str(uuid.uuid4()),
            "roles": ["member"],
            "iss": ISSUER,
            "aud": AUDIENCE,
            "exp": datetime.now(UTC) + timedelta(minutes=5),
        },
        "x" * 40,
        algorithm="HS256",
        headers={"kid": "k1"},
    )
    with pytest.raises(Unauthorized):
        verifier.verify(forged)


def test_an_unreachable_key_set_is_our_outage_not_the_callers_fault() -> None:
    verifier = TokenVerifier(
        ServiceSettings(
            database_url="postgresql://x/y",
            jwt_algorithm="RS256",
            jwt_jwks_url="http://127.0.0.1:9/jwks.json",
            jwt_issuer=ISSUER,
            jwt_audience=AUDIENCE,
        )
    )
    with pytest.raises(ServiceUnavailable):
        verifier.verify(token())
