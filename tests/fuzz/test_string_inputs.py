"""Every route of every service, from its OpenAPI document, fed hostile strings in every
string input (path and query parameters, headers, body fields) against the real PostgreSQL:
no answer is a server error, and text PostgreSQL cannot store (NUL, lone surrogates) is a 422
problem naming the field.

Two passes per service: a sweep sends each special string (NUL, lone surrogates, 1 MB, RTL
marks, ordinary text) into each slot alone, everything else valid; then Hypothesis sends
random mixtures into every slot at once, with a member's or an admin's token.
"""

from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from .driver import PROBLEM_JSON, Answer, Call
from .inputs import SPECIALS, UNSTORABLE, Operation, Slot, body_strategy, operations, texts
from .targets import Target

pytestmark = pytest.mark.integration

EXAMPLES = 10
"""Random calls per operation: with the sweep, the whole fuzz stays within a minute."""
bounded = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


EXPECTED_SLOTS = {
    "requests": {
        ("query", "q"), ("header", "Idempotency-Key"), ("body", "title"),
        ("path", "offering_id"), ("query", "cursor"), ("body", "comment"),
    },
    "escrow": {("path", "member_id"), ("body", "reason"), ("query", "cursor")},
    "disputes": {("body", "description"), ("body", "content"), ("path", "dispute_id")},
    "notifications": {("body", "type"), ("path", "notification_id"), ("query", "unread_only")},
}  # fmt: skip


def test_the_sweep_reaches_every_kind_of_input(target: Target) -> None:
    found = operations(target.app.openapi())
    assert {"/healthz", "/readyz"} <= {operation.path for operation in found}
    slots = {(slot.where, slot.name) for operation in found for slot in operation.slots()}
    assert EXPECTED_SLOTS[target.name] <= slots


def test_each_special_string_in_each_slot(target: Target) -> None:
    failures: list[str] = []
    for operation in operations(target.app.openapi()):
        baseline = operation.baseline(target.ids)
        for token in target.tokens():
            answer = target.driver(baseline, token)
            if answer.status >= 500:
                failures.append(f"{operation} with valid input → {answer.describe()}")
        for slot in operation.slots():
            answers = {
                kind: target.driver(operation.with_text(baseline, slot, text), target.admin_token)
                for kind, text in SPECIALS.items()
            }
            failures.extend(f"{operation}, {slot.label()}: {f}" for f in _judged(slot, answers))
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures[:20])


def _judged(slot: Slot, answers: dict[str, Answer]) -> Iterator[str]:
    """What is wrong with the answers to each special string in the slot."""
    for kind, answer in answers.items():
        if answer.status >= 500:
            yield f"{kind} → {answer.describe()}"
        elif _refused(kind, slot) and _unnamed(answer, slot):
            yield f"{kind} not refused with a 422 naming {slot.name}: {answer.describe()}"
    rtl, ordinary = answers["RTL marks"], answers["ordinary text"]
    if rtl.status == 422 and ordinary.status != 422:  # RTL marks are text like any other
        yield f"RTL marks refused where ordinary text is not: {rtl.describe()}"


def _refused(kind: str, slot: Slot) -> bool:
    """Whether the special string must be refused there. A header is bytes the app reads as
    latin-1 (HTTP's rule): a surrogate's bytes arrive as storable latin-1 text, only NUL is
    refused there."""
    if kind not in UNSTORABLE:
        return False
    return slot.where != "header" or "NUL" in kind


def _unnamed(answer: Answer, slot: Slot) -> bool:
    """Not a 422 problem whose detail names the slot."""
    if answer.status != 422 or answer.content_type != PROBLEM_JSON:
        return True
    detail: str = answer.json()["detail"]
    return slot.name.lower() not in detail.lower()


def test_random_strings_everywhere_at_once(target: Target) -> None:
    failures: list[str] = []
    for operation in operations(target.app.openapi()):
        bounded(given(drawn=_calls(operation, target))(_caller(operation, target, failures)))()
    assert not failures, f"{len(failures)} server errors:\n" + "\n".join(failures[:20])


def _caller(
    operation: Operation, target: Target, failures: list[str]
) -> Callable[[tuple[Call, str]], None]:
    def call(drawn: tuple[Call, str]) -> None:
        sent, token = drawn
        answer = target.driver(sent, token)
        if answer.status >= 500:
            failures.append(f"{operation} with {sent!r:.300} → {answer.describe()}")

    return call


def _calls(operation: Operation, target: Target) -> st.SearchStrategy[tuple[Call, str]]:
    baseline = operation.baseline(target.ids)
    by_location: dict[str, dict[str, st.SearchStrategy[str]]] = {
        "path": {},
        "query": {},
        "header": {},
    }
    for parameter in operation.parameters:
        known = target.ids.get(parameter["name"], [])
        choice = st.one_of(st.sampled_from(known), texts) if known else texts
        by_location.setdefault(parameter["in"], {})[parameter["name"]] = choice
    body = (
        body_strategy(operation.body, operation.components, target.ids)
        if operation.body is not None
        else st.none()
    )
    calls = st.builds(
        lambda path, query, headers, document, raw: Call(
            operation.method,
            operation.path,
            {**baseline.path_params, **path},
            query,
            headers,
            document,
            raw,
        ),
        st.fixed_dictionaries(by_location["path"]),
        st.fixed_dictionaries({}, optional=by_location["query"]),
        st.fixed_dictionaries({}, optional=by_location["header"]),
        body,
        st.booleans(),
    )
    return st.tuples(calls, st.sampled_from(target.tokens()))
