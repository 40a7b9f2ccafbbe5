"""The compatibility gate of the event contract, and deprecation of superseded versions."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from hourbank_shared.contracts.asyncapi import document, superseded_by
from hourbank_shared.contracts.catalog import EVENTS
from hourbank_shared.contracts.compat import (
    Break,
    breaking_changes,
    current_schemas,
    main,
    released_schemas,
)
from hourbank_shared.contracts.docs import RELEASED_DIR, differences, render
from hourbank_shared.contracts.members import MemberRegisteredV2, MemberSuspended
from hourbank_shared.contracts.schemas import JsonSchema

ROOT = Path(__file__).resolve().parents[3]
REGISTERED = "hourbank.member.registered.v1"
SUSPENDED = "hourbank.member.suspended.v1"
SUBMITTED = "hourbank.request.submitted.v1"


class MemberSuspendedV2(MemberSuspended):
    """An admin suspended a member (v2, for the tests only)."""

    TYPE = "hourbank.member.suspended.v2"


@pytest.fixture
def released() -> dict[str, JsonSchema]:
    return current_schemas()


@pytest.fixture
def current(released: dict[str, JsonSchema]) -> dict[str, JsonSchema]:
    return copy.deepcopy(released)


def _lines(breaks: list[Break]) -> list[str]:
    return [str(found) for found in breaks]


def test_the_code_is_compatible_with_the_committed_release(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert breaking_changes(released_schemas(ROOT), current_schemas()) == []
    assert main(["--check", "--root", str(ROOT)]) == 0
    assert capsys.readouterr().err == ""


def test_an_unchanged_contract_and_documentation_changes_pass(
    released: dict[str, JsonSchema], current: dict[str, JsonSchema]
) -> None:
    assert breaking_changes(released, current) == []
    current[REGISTERED]["description"] = "Reworded."
    current[REGISTERED]["properties"]["email"]["title"] = "E-mail"
    current[SUBMITTED]["$defs"]["RequestStatus"]["enum"].reverse()
    assert breaking_changes(released, current) == []


def test_a_removed_field_breaks(
    released: dict[str, JsonSchema], current: dict[str, JsonSchema]
) -> None:
    del current[REGISTERED]["properties"]["display_name"]
    current[REGISTERED]["required"].remove("display_name")

    [found] = _lines(breaking_changes(released, current))
    assert found.startswith(f"{REGISTERED}: $.display_name: removed (or renamed)")


def test_a_retyped_field_breaks(
    released: dict[str, JsonSchema], current: dict[str, JsonSchema]
) -> None:
    amount = current[SUBMITTED]["properties"]["amount"]
    for keyword in ("pattern", "examples"):
        del amount[keyword]
    amount["type"] = "integer"

    assert _lines(breaking_changes(released, current)) == [
        f"{SUBMITTED}: $.amount: type changed from string to integer"
    ]


def test_a_removed_event_type_breaks(
    released: dict[str, JsonSchema], current: dict[str, JsonSchema]
) -> None:
    del current["hourbank.member.suspended.v1"]

    [found] = breaking_changes(released, current)
    assert (found.event_type, found.path) == ("hourbank.member.suspended.v1", "$")
    assert "did not ship it as deprecated" in found.reason


def test_an_added_optional_field_and_a_new_event_type_pass(
    released: dict[str, JsonSchema], current: dict[str, JsonSchema]
) -> None:
    current[REGISTERED]["properties"]["nickname"] = {
        "anyOf": [{"type": "string"}, {"type": "null"}],
        "default": None,
        "description": "Added later.",
    }
    current["hourbank.member.renamed.v1"] = copy.deepcopy(released[REGISTERED])

    assert breaking_changes(released, current) == []


def _suspended_v2(released: dict[str, JsonSchema]) -> JsonSchema:
    """The released v1 schema with a breaking change, as it may come in a new version."""
    schema = copy.deepcopy(released[SUSPENDED])
    schema["x-cloudevents-type"] = MemberSuspendedV2.TYPE
    del schema["properties"]["reason"]
    schema["required"].remove("reason")
    return schema


def test_a_new_event_version_passes_and_retires_the_old_one_after_a_release(
    released: dict[str, JsonSchema], current: dict[str, JsonSchema]
) -> None:
    current[MemberSuspendedV2.TYPE] = _suspended_v2(released)
    assert breaking_changes(released, current) == []

    without_v1 = {name: schema for name, schema in current.items() if name != SUSPENDED}
    [premature] = breaking_changes(released, without_v1)
    assert premature.event_type == SUSPENDED
    assert "did not ship it as deprecated" in premature.reason

    assert breaking_changes(current, without_v1) == [], "v1 was released next to v2"


def test_member_registered_v2_drops_the_email_and_v1_keeps_it_optional(
    current: dict[str, JsonSchema],
) -> None:
    v1, v2 = current[REGISTERED], current[MemberRegisteredV2.TYPE]
    assert "email" not in v2["properties"]
    assert "email" in v1["properties"] and "email" not in v1["required"]
    assert {"type": "null"} in v1["properties"]["email"]["anyOf"], "published as null"
    assert (v2["x-kafka-topic"], v2["x-kafka-key"]) == (v1["x-kafka-topic"], v1["x-kafka-key"])


@pytest.mark.parametrize(
    ("change", "path", "reason"),
    [
        ("enum_value_added", "$.status", 'enum gained ["ARCHIVED"]'),
        ("enum_value_removed", "$.status", 'enum lost ["SETTLED"]'),
        ("made_nullable", "$.message", "type changed from string to null or string"),
        ("no_longer_required", "$.message", "no longer required"),
        ("new_required_field", "$.priority", "new required property"),
        ("format_changed", "$.offering_id", 'format changed from "uuid" to absent'),
        ("moved_topic", "$", "x-kafka-topic changed"),
    ],
)
def test_other_breaking_changes_name_the_field(
    released: dict[str, JsonSchema],
    current: dict[str, JsonSchema],
    change: str,
    path: str,
    reason: str,
) -> None:
    schema: Any = current[SUBMITTED]
    statuses = schema["$defs"]["RequestStatus"]["enum"]
    if change == "enum_value_added":
        statuses.append("ARCHIVED")
    elif change == "enum_value_removed":
        statuses.remove("SETTLED")
    elif change == "made_nullable":
        message = schema["properties"].pop("message")
        schema["properties"]["message"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
        schema["properties"]["message"]["description"] = message["description"]
    elif change == "no_longer_required":
        schema["required"].remove("message")
    elif change == "new_required_field":
        schema["properties"]["priority"] = {"type": "integer"}
        schema["required"].append("priority")
    elif change == "format_changed":
        del schema["properties"]["offering_id"]["format"]
    else:
        schema["x-kafka-topic"] = "hourbank.requests.v2"

    breaks = [found for found in breaking_changes(released, current) if found.path == path]
    assert [found.event_type for found in breaks] == [SUBMITTED]
    assert reason in breaks[0].reason


def test_nested_array_items_are_compared(
    released: dict[str, JsonSchema], current: dict[str, JsonSchema]
) -> None:
    current[REGISTERED]["properties"]["roles"]["items"] = {"type": "integer"}

    assert _lines(breaking_changes(released, current)) == [
        f"{REGISTERED}: $.roles[*]: type changed from string to integer"
    ]


def test_check_fails_on_a_breaking_change_and_release_refreshes_the_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert "no released contract" in capsys.readouterr().err

    assert main(["--release", "--root", str(tmp_path)]) == 0
    assert main(["--check", "--root", str(tmp_path)]) == 0
    baseline = tmp_path / RELEASED_DIR
    assert sorted(path.stem for path in baseline.glob("*.json")) == sorted(current_schemas())

    stale = baseline / f"{REGISTERED}.json"
    schema = json.loads(stale.read_text())
    schema["properties"]["legacy_id"] = {"type": "string"}
    stale.write_text(json.dumps(schema))
    capsys.readouterr()
    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert main(["--release", "--root", str(tmp_path)]) == 1, "release refuses a breaking change"
    errors = capsys.readouterr().err
    assert f"{REGISTERED}: $.legacy_id: removed" in errors


def test_the_released_baseline_is_not_generated_documentation(tmp_path: Path) -> None:
    for path, text in render().items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(text)
    assert main(["--release", "--root", str(tmp_path)]) == 0
    assert differences(tmp_path) == []
    assert "## Versioning policy" in (tmp_path / "docs/events/README.md").read_text()


def test_superseded_versions_are_those_with_a_newer_version() -> None:
    names = ["a.b.v1", "a.b.v2", "a.b.v3", "c.d.v1", "envelope"]
    assert superseded_by(names) == {"a.b.v1": "a.b.v3", "a.b.v2": "a.b.v3"}


def test_asyncapi_marks_a_superseded_version_deprecated() -> None:
    messages = document()["components"]["messages"]
    assert [name for name, message in messages.items() if "deprecated" in message] == [
        "MemberRegistered"
    ]
    assert MemberRegisteredV2.TYPE in messages["MemberRegistered"]["summary"]

    built = document((*EVENTS, MemberSuspendedV2))
    messages = built["components"]["messages"]
    assert messages["MemberSuspended"]["deprecated"] is True
    assert MemberSuspendedV2.TYPE in messages["MemberSuspended"]["summary"]
    assert "deprecated" not in messages["MemberSuspendedV2"]
    assert [name for name, message in messages.items() if "deprecated" in message] == [
        "MemberRegistered",
        "MemberSuspended",
    ]
    assert "MemberSuspendedV2" in built["channels"]["members"]["messages"]
    assert "MemberSuspendedV2" in built["components"]["schemas"]
