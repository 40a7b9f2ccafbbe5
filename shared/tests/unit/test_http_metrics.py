"""Every API counts and times its requests by route template, never by raw path."""

import sys
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import StreamingResponse
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from hourbank_shared.service_app import service_app
from hourbank_shared.settings import ServiceSettings

SERVICE = "test-http"


@pytest.fixture(autouse=True)
def own_service_label(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test counts under a service label of its own (the registry is process-wide)."""
    monkeypatch.setattr(sys.modules[__name__], "SERVICE", f"test-{uuid.uuid4().hex[:8]}")


def app() -> FastAPI:
    settings = ServiceSettings(database_url="sqlite://", jwt_secret="x" * 32, service_name=SERVICE)
    api = service_app(
        title="t",
        distribution="hourbank-shared",
        description="",
        settings=settings,
        sessions=sessionmaker(create_engine("sqlite://")),
    )
    router = APIRouter(prefix="/v1/things")

    @router.get("/{thing_id}")
    def get_thing(thing_id: uuid.UUID) -> dict[str, str]:
        return {"id": str(thing_id)}

    @router.post("")
    def add_thing(body: dict[str, Any]) -> dict[str, str]:
        return {"ok": "yes"}

    @router.get("/{thing_id}/boom")
    def boom(thing_id: uuid.UUID) -> None:
        raise RuntimeError("unexpected")

    @router.get("/{thing_id}/stream")
    def stream(thing_id: uuid.UUID) -> StreamingResponse:
        def events() -> Iterator[str]:
            yield ": connected\n\n"

        return StreamingResponse(events(), media_type="text/event-stream")

    api.include_router(router)
    return api


def requests_total(route: str, method: str, code: str) -> float:
    labels = {"service": SERVICE, "route": route, "method": method, "code": code}
    return REGISTRY.get_sample_value("hourbank_http_requests_total", labels) or 0.0


def durations(route: str, method: str) -> float:
    labels = {"service": SERVICE, "route": route, "method": method}
    return REGISTRY.get_sample_value("hourbank_http_request_duration_seconds_count", labels) or 0.0


def test_a_route_with_an_id_is_counted_under_its_template() -> None:
    client = TestClient(app())
    for _ in range(3):
        assert client.get(f"/v1/things/{uuid.uuid4()}").status_code == 200

    assert requests_total("/v1/things/{thing_id}", "GET", "200") == 3
    assert durations("/v1/things/{thing_id}", "GET") == 3
    raw = REGISTRY.get_sample_value(
        "hourbank_http_requests_total",
        {"service": SERVICE, "route": "/v1/things", "method": "GET", "code": "200"},
    )
    assert raw is None


def test_status_codes_are_labelled_as_answered() -> None:
    client = TestClient(app(), raise_server_exceptions=False)
    assert client.get("/v1/things/not-a-uuid").status_code == 422
    assert client.post("/v1/things", json={"a": 1}).status_code == 200
    assert client.delete("/v1/things").status_code == 405
    assert client.get(f"/v1/things/{uuid.uuid4()}/boom").status_code == 500

    assert requests_total("/v1/things/{thing_id}", "GET", "422") == 1
    assert requests_total("/v1/things", "POST", "200") == 1
    assert requests_total("/v1/things", "DELETE", "405") == 1
    assert requests_total("/v1/things/{thing_id}/boom", "GET", "500") == 1


def test_a_path_no_route_matches_is_unmatched() -> None:
    client = TestClient(app())
    for path in ("/nothing/here", f"/v1/{uuid.uuid4()}", "/v1/things/a/b/c/d"):
        assert client.get(path).status_code == 404
    assert requests_total("unmatched", "GET", "404") == 3


def test_a_body_refused_before_routing_still_names_its_route() -> None:
    client = TestClient(app())
    response = client.post("/v1/things", content=b"{" + b" " * 70_000 + b"}")
    assert response.status_code == 413
    assert requests_total("/v1/things", "POST", "413") == 1


def test_an_invented_method_does_not_become_a_label() -> None:
    client = TestClient(app())
    client.request("FROBNICATE", "/v1/things")
    assert requests_total("/v1/things", "other", "405") == 1


def test_probes_and_metrics_are_not_measured() -> None:
    client = TestClient(app())
    for path in ("/healthz", "/readyz", "/metrics"):
        client.get(path)
    series = [
        sample.labels["route"]
        for metric in REGISTRY.collect()
        if metric.name == "hourbank_http_requests"
        for sample in metric.samples
        if sample.labels.get("service") == SERVICE
    ]
    assert not {"/healthz", "/readyz", "/metrics"} & set(series)


def test_a_stream_is_timed_to_its_start() -> None:
    client = TestClient(app())
    with client.stream("GET", f"/v1/things/{uuid.uuid4()}/stream") as response:
        assert response.status_code == 200
        assert requests_total("/v1/things/{thing_id}/stream", "GET", "200") == 1
        assert durations("/v1/things/{thing_id}/stream", "GET") == 1
