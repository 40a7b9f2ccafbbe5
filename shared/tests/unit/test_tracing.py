"""An HTTP command's trace and correlation id reach the events it causes."""

import re
import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient

from hourbank_shared import tracing
from hourbank_shared.contracts.members import MemberRegistered
from hourbank_shared.envelope import Envelope

TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_the_callers_trace_is_kept_with_a_new_span() -> None:
    child = tracing.child_traceparent(TRACE)
    assert child.startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    assert child.endswith("-01")
    assert child != TRACE


def test_a_missing_or_malformed_traceparent_starts_a_new_trace() -> None:
    for incoming in (None, "", "garbage", "00-" + "0" * 32 + "-00f067aa0ba902b7-01"):
        child = tracing.child_traceparent(incoming)
        assert re.fullmatch(r"00-[0-9a-f]{32}-[0-9a-f]{16}-01", child)
        assert "0" * 32 not in child


def test_the_gateway_request_id_becomes_the_correlation_id() -> None:
    assert tracing.correlation_of("4bf92f3577b34da6a3ce929d0e0e4736") == uuid.UUID(
        "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"
    )
    assert isinstance(tracing.correlation_of("not-an-id"), uuid.UUID)


def _event() -> MemberRegistered:
    return MemberRegistered.model_validate(
        {
            "member_id": str(uuid.uuid4()),
            "display_name": "Ada",
            "email": None,
            "roles": ["member"],
            "registered_at": "2026-11-22T00:00:00Z",
        }
    )


def test_an_event_published_while_handling_a_request_carries_its_trace() -> None:
    app = FastAPI()
    app.add_middleware(tracing.TraceRequests)
    seen: dict[str, Envelope] = {}

    @app.post("/")
    def command() -> dict[str, str]:
        seen["event"] = Envelope.wrap(_event(), source="/test")
        return {}

    request_id = uuid.uuid4()
    response = TestClient(app).post(
        "/", headers={"traceparent": TRACE, "X-Request-ID": request_id.hex}
    )
    envelope = seen["event"]
    assert envelope.correlationid == request_id
    assert envelope.traceparent is not None
    assert envelope.traceparent.startswith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
    assert response.headers["traceparent"] == envelope.traceparent


def test_outside_a_request_an_event_starts_its_own_correlation() -> None:
    envelope = Envelope.wrap(_event(), source="/test")
    assert envelope.correlationid == envelope.id
    assert envelope.traceparent is None
