"""The headers of a conditional read: which `If-None-Match` names the current ETag (weak
comparison, lists, `*`) and which `Prefer` asks to wait, for how long (capped)."""

import pytest

from hourbank_requests.api.conditional import MAX_WAIT_SECONDS, etag_of, matches, wait_preferred


@pytest.mark.parametrize(
    ("if_none_match", "expected"),
    [
        ('"7"', True),
        ('W/"7"', True),
        ('"6", "7"', True),
        ("*", True),
        ('"6"', False),
        ('"70"', False),
        ("7", False),
        ("", False),
        (None, False),
    ],
)
def test_if_none_match_names_the_current_etag(if_none_match: str | None, expected: bool) -> None:
    assert matches(if_none_match, etag_of(7)) is expected


@pytest.mark.parametrize(
    ("prefer", "seconds"),
    [
        ("wait=5", 5),
        ("WAIT = 3", 3),
        ("respond-async, wait=2", 2),
        ('wait="4"', 4),
        ("wait=600", MAX_WAIT_SECONDS),
        ("wait=0", 0),
        ("wait=-1", 0),
        ("wait=1.5", 0),
        ("wait=²", 0),
        ("handling=lenient", 0),
        ("", 0),
        (None, 0),
    ],
)
def test_prefer_wait_is_read_and_capped(prefer: str | None, seconds: int) -> None:
    assert wait_preferred(prefer) == seconds
