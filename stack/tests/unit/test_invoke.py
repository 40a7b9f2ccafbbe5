"""A failed `hourbank …` says why in the exception's message, which is what a test's one-line
summary shows (CI's report of a failed `hourbank up` once gave only its exit code)."""

import pytest

from hourbank_stack.invoke import HourbankFailed, hourbank


def test_a_failure_carries_the_end_of_the_output() -> None:
    with pytest.raises(HourbankFailed) as failed:
        hourbank("no-such-command", timeout=60)
    message = str(failed.value)
    assert message.startswith("`hourbank no-such-command` exited 2: ")
    assert "invalid choice: 'no-such-command'" in message


def test_a_success_raises_nothing_and_shows_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    hourbank("token", "--admin", timeout=60)
    assert capsys.readouterr().out.count(".") == 2  # a JWT: header.payload.signature
