"""JSON Schemas of the event payloads and of the envelope, as published in docs/events."""

from typing import Any

from hourbank_shared.contracts.base import Event
from hourbank_shared.envelope import Envelope

JsonSchema = dict[str, Any]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ENVELOPE_ID = "urn:hourbank:schema:envelope"
ENVELOPE_DESCRIPTION = (
    "CloudEvents 1.0 envelope (structured JSON mode) of every HourBank event. `data` is the "
    "payload whose schema `dataschema` names; `correlationid` is shared by every event of one "
    "saga and `causationid` is the id of the event that caused this one."
)


def schema_id(type_name: str) -> str:
    """The `$id` of an event type's schema; equal to the envelope's `dataschema`."""
    return f"urn:hourbank:schema:{type_name}"


def event_schema(cls: type[Event]) -> JsonSchema:
    """The payload schema of one event type, with its CloudEvents type and Kafka topic and key."""
    body = cls.model_json_schema(mode="serialization")
    body.pop("title", None)
    definitions = body.pop("$defs", None)
    return {
        "$schema": DIALECT,
        "$id": schema_id(cls.TYPE),
        "title": cls.__name__,
        "x-cloudevents-type": cls.TYPE,
        "x-cloudevents-subject": cls.SUBJECT or cls.KEY,
        "x-kafka-topic": cls.TOPIC,
        "x-kafka-key": cls.KEY,
        **body,
        **({"$defs": definitions} if definitions else {}),
    }


def envelope_schema() -> JsonSchema:
    """The schema of the CloudEvents envelope around every payload."""
    body = Envelope.model_json_schema(mode="serialization")
    body.pop("title", None)
    return {
        "$schema": DIALECT,
        "$id": ENVELOPE_ID,
        "title": "Envelope",
        "description": ENVELOPE_DESCRIPTION,
        **body,
    }
