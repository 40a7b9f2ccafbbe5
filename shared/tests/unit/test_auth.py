import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from hourbank_shared import auth
from hourbank_shared.auth import VERIFIED_FOR_SECONDS, TokenVerifier
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


class Clocks:
    """The verifier's wall clock and monotonic clock, moved by hand."""

    def __init__(self) -> None:
        self.wall = datetime.now(UTC).timestamp()
        self.mono = 1000.0

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


def counting_decodes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    decoded: list[str] = []
    real = jwt.decode

    def decode(token: str, *args: object, **kwargs: object) -> object:
        decoded.append(token)
        return real(token, *args, **kwargs)

    monkeypatch.setattr(jwt, "decode", decode)
    return decoded


def remembering_verifier(clocks: Clocks) -> TokenVerifier:
    settings = ServiceSettings(database_url="postgresql://x/y", jwt_secret=SECRET)
    return TokenVerifier(settings, now=lambda: clocks.wall, monotonic=lambda: clocks.mono)


def test_a_token_verified_lately_is_not_decoded_again(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded = counting_decodes(monkeypatch)
    clocks = Clocks()
    verifier = remembering_verifier(clocks)
    member = uuid.uuid4()
    token = dev_token(member, SECRET)
    assert verifier.remembered(token) is None
    first = verifier.verify(token)
    clocks.advance(VERIFIED_FOR_SECONDS - 1)
    assert verifier.verify(token) == first
    assert verifier.remembered(token) == first
    assert decoded == [token]
    clocks.advance(2)  # past VERIFIED_FOR_SECONDS: checked again
    assert verifier.remembered(token) is None
    assert verifier.verify(token).member_id == member
    assert decoded == [token, token]


def test_a_remembered_token_still_expires_at_its_exp() -> None:
    clocks = Clocks()
    verifier = remembering_verifier(clocks)
    expires = datetime.fromtimestamp(clocks.wall, UTC) + timedelta(seconds=10)
    token = jwt.encode(claims(exp=expires), SECRET)
    verifier.verify(token)
    clocks.advance(11)  # jwt.decode reads the real clock: the token is not yet expired for it
    assert verifier.remembered(token) is None
    assert verifier.verify(token)  # checked again, in full


def test_a_refused_token_is_not_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded = counting_decodes(monkeypatch)
    verifier = remembering_verifier(Clocks())
    token = jwt.encode(claims(roles=["guest"]), SECRET)
    for _ in range(2):
        with pytest.raises(Unauthorized, match="member role"):
            verifier.verify(token)
    assert decoded == [token, token]
    assert verifier.remembered(token) is None


def test_the_oldest_verified_token_is_forgotten_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "VERIFIED_TOKENS_KEPT", 3)
    verifier = remembering_verifier(Clocks())
    tokens = [dev_token(uuid.uuid4(), SECRET) for _ in range(4)]
    for token in tokens:
        verifier.verify(token)
    assert verifier.remembered(tokens[0]) is None
    assert all(verifier.remembered(token) is not None for token in tokens[1:])
