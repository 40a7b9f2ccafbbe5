"""docker-compose.yml: valid against the Compose Specification, and the stack `make demo` needs.

The schema is vendored (no network, no Docker): compose-spec.json is schema/compose-spec.json of
the Go module github.com/compose-spec/compose-go/v2 at v2.16.2 (Apache-2.0), the schema
`docker compose` itself validates with. Refresh it from a newer version of that module.
"""

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hourbank_stack.topology import GATEWAY_PORT, SERVICES

from .manifests import load_compose

SCHEMA = json.loads((Path(__file__).parent / "compose-spec.json").read_text())


def _validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(SCHEMA)
    cls.check_schema(SCHEMA)
    return cls(SCHEMA)


def test_the_compose_file_follows_the_compose_specification() -> None:
    errors = [
        f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator().iter_errors(load_compose())
    ]
    assert errors == []


@pytest.mark.parametrize(
    ("service", "field", "value"),
    [
        ("kafka", "depends_on", {"postgres": {"condition": "when_ready"}}),
        ("gateway", "ports", "8080:8080"),
        ("requests-api", "restarts", "always"),
    ],
)
def test_the_specification_catches_a_broken_file(service: str, field: str, value: Any) -> None:
    broken = copy.deepcopy(load_compose())
    broken["services"][service][field] = value
    assert list(_validator().iter_errors(broken)) != []


def _services() -> dict[str, Any]:
    services: dict[str, Any] = load_compose()["services"]
    return services


@pytest.mark.parametrize("one_shot", ["topics", *(f"{s}-migrate" for s in SERVICES)])
def test_one_shot_steps_run_once(one_shot: str) -> None:
    service = _services()[one_shot]
    assert service["restart"] == "no"
    assert service["healthcheck"] == {"disable": True}


def test_long_running_processes_restart_and_report_health() -> None:
    for name, service in _services().items():
        if "build" in service and service.get("restart") != "no":
            assert service["restart"] == "unless-stopped", name
            assert "healthcheck" not in service or service["healthcheck"]["test"], name


def test_kafka_is_one_kraft_node_that_can_run_transactions() -> None:
    env = _services()["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == 1
    assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == 1
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == 1
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", "topics as code: hourbank-topics"


def test_the_gateway_answers_on_the_local_base_url() -> None:
    assert _services()["gateway"]["ports"] == [f"127.0.0.1:{GATEWAY_PORT}:{GATEWAY_PORT}"]
    custom = load_compose({"HOURBANK_GATEWAY_PORT": "9080"})["services"]["gateway"]["ports"]
    assert custom == [f"127.0.0.1:9080:{GATEWAY_PORT}"]


def test_third_party_images_are_pinned() -> None:
    for name, service in _services().items():
        image = service["image"]
        tag = image.rsplit(":", 1)[-1]
        assert ":" in image and tag != "latest", name
        if "build" not in service:
            assert any(ch.isdigit() for ch in tag), f"{name}: pin a version, not {tag}"
