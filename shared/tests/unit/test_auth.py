import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from hourbank_shared.auth import TokenVerifier
from hourbank_shared.auth.devtoken import dev_token
from hourbank_shared.errors import Unauthorized
from hourbank_shared.settings import ServiceSettings

SECRET = "s" * 40


@pytest.fixture
def verifier() -> TokenVerifier:
    return TokenVerifier(ServiceSettings(database_url="postgresql://x/y", jwt_secret=SECRET))


def test_a_dev_token_names_the_member_and_roles(verifier: TokenVerifier) -> None:
    member = uuid.uuid4()
    principal = verifier.verify(dev_token(member, SECRET, admin=True))
    assert principal.member_id == member
    assert principal.is_admin
    assert not verifier.verify(dev_token(member, SECRET)).is_admin


def claims(**overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "sub": str(uuid.uuid4()),
        "roles": ["member"],
        "exp": now + timedelta(hours=1),
    } | overrides


@pytest.mark.parametrize(
    ("token", "why"),
    [
        (lambda: jwt.encode(claims(exp=datetime.now(UTC) - timedelta(1)), SECRET), "expired"),
        (lambda: jwt.encode(claims(), "another secret of enough length 123"), "not valid"),
        (lambda: jwt.encode(claims(), SECRET, algorithm="HS512"), "not valid"),
        (lambda: jwt.encode(claims(), None, algorithm="none"), "not valid"),
        (
            lambda: jwt.encode(
                claims(), rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS256"
            ),
            "not valid",
        ),
        (lambda: jwt.encode(claims(sub="alice"), SECRET), "not a member id"),
        (lambda: jwt.encode(claims(roles=["guest"]), SECRET), "member role"),
        (lambda: jwt.encode({"sub": str(uuid.uuid4()), "roles": ["member"]}, SECRET), "not valid"),
        (lambda: dev_token(uuid.uuid4(), SECRET)[:-3] + "abc", "not valid"),
    ],
    ids=[
        "expired",
        "wrong-key",
        "hs512",
        "none",
        "rs256",
        "bad-sub",
        "no-role",
        "no-exp",
        "tampered",
    ],
)
def test_bad_tokens_are_refused_with_a_reason(verifier: TokenVerifier, token, why: str) -> None:
    with pytest.raises(Unauthorized, match=why):
        verifier.verify(token())


def test_settings_fail_fast_without_a_usable_secret() -> None:
    with pytest.raises(ValueError, match="HOURBANK_JWT_SECRET"):
        ServiceSettings(database_url="postgresql://x/y", jwt_secret="short")
    with pytest.raises(ValueError, match="JWKS"):
        ServiceSettings(database_url="postgresql://x/y", jwt_algorithm="RS256")
