"""The event contract: catalog rules, envelope round trips and the committed documents."""

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from functools import cache
from pathlib import Path
from types import NoneType, UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from uuid import UUID, uuid4

import annotated_types
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import AwareDatetime, ValidationError

from hourbank_shared.contracts import topics
from hourbank_shared.contracts.asyncapi import OWNERS, channel_id
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.catalog import (
    CATALOG,
    EVENTS,
    UnknownEventType,
    _index,
    event_class,
    events_on,
)
from hourbank_shared.contracts.docs import ASYNCAPI, differences, main
from hourbank_shared.contracts.enums import RequestStatus
from hourbank_shared.contracts.members import MemberRegistered
from hourbank_shared.contracts.reports import ReportEvent
from hourbank_shared.contracts.requests import RequestSubmitted
from hourbank_shared.contracts.schemas import event_schema
from hourbank_shared.envelope import Envelope
from hourbank_shared.money import AMOUNT_PATTERN

ROOT = Path(__file__).resolve().parents[3]
TYPE_RULE = re.compile(r"^hourbank\.[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*\.v[1-9][0-9]*$")
TOPIC_RULE = re.compile(r"^hourbank\.(private\.)?[a-z]+(-[a-z]+)*\.v[1-9][0-9]*$")
BY_TYPE = pytest.mark.parametrize("cls", EVENTS, ids=lambda cls: cls.TYPE)
ROUND_TRIPS = settings(max_examples=15, deadline=None)


def _values(annotation: Any, metadata: list[Any]) -> st.SearchStrategy[Any]:
    """Valid values for a payload field, from its type and constraints."""
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *extra = get_args(annotation)
        return _values(inner, [*metadata, *extra])
    if origin in (Union, UnionType):
        return st.one_of([_values(arg, metadata) for arg in get_args(annotation)])
    if origin is Literal:
        return st.sampled_from(get_args(annotation))
    if origin is list:
        return st.lists(_values(get_args(annotation)[0], []), max_size=3)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return st.sampled_from(list(annotation))
    simple: dict[Any, st.SearchStrategy[Any]] = {
        NoneType: st.none(),
        UUID: st.uuids(),
        str: st.text(max_size=30),
        bool: st.booleans(),
        # 0.01 .. 100.00 is valid for every money type, the rate included
        Decimal: st.integers(1, 10_000).map(lambda cents: Decimal(cents).scaleb(-2)),
        AwareDatetime: st.datetimes(
            min_value=datetime(2000, 1, 1),
            max_value=datetime(2100, 1, 1),
            timezones=st.sampled_from([UTC, timezone(timedelta(hours=-5, minutes=-30))]),
        ),
    }
    if annotation is int:
        low: Any = next((m.ge for m in metadata if isinstance(m, annotated_types.Ge)), None)
        high: Any = next((m.le for m in metadata if isinstance(m, annotated_types.Le)), None)
        return st.integers(low, high)
    return simple[annotation]


def instances(cls: type[Event]) -> st.SearchStrategy[Event]:
    fields = {
        name: _values(field.annotation, list(field.metadata))
        for name, field in cls.model_fields.items()
    }
    return st.builds(cls, **fields)


@cache
def _money_fields(cls: type[Event]) -> list[str]:
    def is_money(schema: dict[str, Any]) -> bool:
        branches = schema.get("anyOf", [schema])
        return any(branch.get("pattern") == AMOUNT_PATTERN for branch in branches)

    return [name for name, prop in event_schema(cls)["properties"].items() if is_money(prop)]


def test_committed_documents_are_what_the_code_generates() -> None:
    drift = [str(d) for d in differences(ROOT)]
    assert drift == [], "run: uv run python -m hourbank_shared.contracts.docs --write"


def test_check_names_missing_and_extra_files_and_write_fixes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stray = tmp_path / "docs/events/schemas/hourbank.request.renamed.v1.json"
    stray.parent.mkdir(parents=True)
    stray.write_text("{}")

    assert main(["--check", "--root", str(tmp_path)]) == 1
    errors = capsys.readouterr().err
    assert "missing: docs/events/asyncapi.yaml" in errors
    assert "extra: docs/events/schemas/hourbank.request.renamed.v1.json" in errors

    assert main(["--write", "--root", str(tmp_path)]) == 0
    assert not stray.exists()
    assert main(["--check", "--root", str(tmp_path)]) == 0

    (tmp_path / ASYNCAPI).write_text("asyncapi: 3.0.0\n")
    assert main(["--check", "--root", str(tmp_path)]) == 1
    assert f"differs: {ASYNCAPI}" in capsys.readouterr().err


@BY_TYPE
def test_event_type_follows_the_contract_rules(cls: type[Event]) -> None:
    assert TYPE_RULE.match(cls.TYPE), f"{cls.TYPE} is not hourbank.<aggregate>.<verb>.vN"
    assert cls.TOPIC in topics.ALL
    assert TOPIC_RULE.match(cls.TOPIC), f"{cls.TOPIC} is not hourbank.[private.]<name>.vN"
    for name in (cls.KEY, cls.SUBJECT or cls.KEY):
        assert name in cls.model_fields, f"{cls.__name__} has no field {name}"
        assert cls.model_fields[name].annotation is UUID
    assert CATALOG[cls.TYPE] is cls
    assert all(field.description for field in cls.model_fields.values())


@pytest.mark.parametrize("topic", [topics.REQUESTS, topics.ESCROW, topics.DISPUTES])
def test_request_related_events_name_both_parties(topic: str) -> None:
    for cls in events_on(topic):
        if issubclass(cls, ReportEvent):  # moderation: about no request, keyed by the report
            assert cls.KEY == "report_id"
            continue
        assert {"request_id", "requester_id", "provider_id"} <= cls.model_fields.keys()
        assert cls.KEY == "request_id"


def test_every_topic_carries_events_and_every_event_class_is_catalogued() -> None:
    assert all(events_on(topic) for topic in topics.ALL)
    assert events_on("hourbank.unknown.v1") == ()

    def concrete(cls: type[Event]) -> set[type[Event]]:
        found = {cls} if "TYPE" in vars(cls) else set()
        return found.union(*(concrete(sub) for sub in cls.__subclasses__()))

    declared = {c for c in concrete(Event) if c.__module__.startswith("hourbank_shared.contracts")}
    assert declared == set(EVENTS)


def test_unknown_types_and_duplicate_types_are_refused() -> None:
    assert event_class("hourbank.request.submitted.v1") is RequestSubmitted
    with pytest.raises(UnknownEventType, match=r"hourbank\.request\.teleported\.v1") as caught:
        event_class("hourbank.request.teleported.v1")
    assert isinstance(caught.value, KeyError)
    with pytest.raises(ValueError, match="RequestSubmitted"):
        _index((RequestSubmitted, RequestSubmitted))


@BY_TYPE
@ROUND_TRIPS
@given(data=st.data())
def test_event_survives_the_envelope_round_trip(cls: type[Event], data: st.DataObject) -> None:
    event = data.draw(instances(cls))
    envelope = Envelope.wrap(event, source="/hourbank/tests")

    received = Envelope.from_json(envelope.to_json())

    assert received.payload(event_class(received.type)) == event
    assert received.subject == event.subject()
    assert received.dataschema == event_schema(cls)["$id"]
    for name in _money_fields(cls):
        value = received.data[name]
        assert value is None or re.fullmatch(r"-?[0-9]+\.[0-9]{2}", value), (name, value)


@BY_TYPE
@ROUND_TRIPS
@given(data=st.data())
def test_unknown_fields_are_ignored_and_wrong_types_are_refused(
    cls: type[Event], data: st.DataObject
) -> None:
    event = data.draw(instances(cls))
    payload = event.model_dump(mode="json")

    newer = Envelope.wrap(event, source="/t").model_copy(
        update={"data": {**payload, "added_in_a_later_release": {"nested": [1, 2]}}}
    )
    assert newer.payload(cls) == event

    broken = Envelope.wrap(event, source="/t").model_copy(
        update={"data": {**payload, cls.KEY: "not-a-uuid"}}
    )
    with pytest.raises(ValidationError):
        broken.payload(cls)
    for name in _money_fields(cls):
        with pytest.raises(ValidationError):
            cls.model_validate({**payload, name: "1.005"})


def test_money_is_two_decimal_strings_and_times_are_utc() -> None:
    event = RequestSubmitted(
        request_id=uuid4(),
        requester_id=uuid4(),
        provider_id=uuid4(),
        offering_id=uuid4(),
        status=RequestStatus.INITIATED,
        offering_title="Gardening",
        hours=Decimal("1.5"),
        rate=1,
        amount="1.50",
        message="",
        submitted_at=datetime(2030, 1, 1, 12, tzinfo=timezone(timedelta(hours=2))),
    )
    data = Envelope.wrap(event, source="/t").data
    assert (data["hours"], data["rate"], data["amount"]) == ("1.50", "1.00", "1.50")
    assert data["submitted_at"] == "2030-01-01T10:00:00Z"
    with pytest.raises(ValidationError, match="timezone info"):
        MemberRegistered(
            member_id=uuid4(),
            display_name="Ada",
            roles=["member"],
            registered_at=datetime(2030, 1, 1),
        )


def test_asyncapi_document_lists_every_event_on_its_topic() -> None:
    document = yaml.safe_load((ROOT / ASYNCAPI).read_text())
    assert document["asyncapi"] == "3.0.0"
    assert document["info"]["version"] == "1.0.0"
    for cls in EVENTS:
        channel = document["channels"][channel_id(cls.TOPIC)]
        assert channel["address"] == cls.TOPIC
        assert channel["messages"][cls.__name__] == {
            "$ref": f"#/components/messages/{cls.__name__}"
        }
        message = document["components"]["messages"][cls.__name__]
        assert message["name"] == cls.TYPE
        assert message["contentType"] == "application/cloudevents+json"
        assert message["bindings"]["kafka"]["key"]["description"] == f"The payload's `{cls.KEY}`."
    for topic, service in OWNERS.items():
        sends = [
            op
            for op in document["operations"].values()
            if op["channel"] == {"$ref": f"#/channels/{channel_id(topic)}"}
        ]
        assert [op["action"] for op in sends] == ["send"]
        assert sends[0]["tags"] == [{"name": f"{service}-service"}]
    for topic in topics.ALL:
        channel = document["channels"][channel_id(topic)]
        private = channel.get("tags") == [{"name": "private"}]
        assert private == (topic in topics.PRIVATE), topic
        assert private == channel["description"].startswith("Private, not for analytics"), topic
