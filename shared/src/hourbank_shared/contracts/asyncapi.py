"""The AsyncAPI 3.0 document of the whole event catalog."""

import re
from collections.abc import Iterable, Sequence
from typing import Any

from hourbank_shared.contracts import topics
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.catalog import EVENTS
from hourbank_shared.contracts.schemas import JsonSchema, envelope_schema, event_schema, schema_id
from hourbank_shared.envelope import CONTENT_TYPE

KAFKA_BINDING_VERSION = "0.5.0"

OWNERS = {
    topics.MEMBERS: "requests",
    topics.REQUESTS: "requests",
    topics.ESCROW: "escrow",
    topics.LEDGER: "escrow",
    topics.DISPUTES: "disputes",
    topics.NOTIFICATIONS: "notifications",
    topics.MEMBER_CONTACTS: "requests",
}
"""The service that publishes each topic (its only producer)."""

CHANNELS = {
    topics.MEMBERS: "Member registrations, suspensions and reactivations, keyed by member_id; "
    "and offerings (created, revised, approved, rejected, withdrawn), keyed by their provider's "
    "member id (provider_id) with the offering_id as CloudEvents subject.",
    topics.REQUESTS: "Every status change of a service request, keyed by request_id.",
    topics.ESCROW: "Escrow holds: placed, adjusted, frozen, released, refunded, settled; keyed by "
    "request_id so they stay in order with the request.",
    topics.LEDGER: "Accounts and one event per member-side ledger posting, keyed by member_id.",
    topics.DISPUTES: "Disputes, keyed by request_id so they stay in order with the request; the "
    "CloudEvents subject is the dispute_id. Moderation reports, keyed by report_id.",
    topics.NOTIFICATIONS: "Notifications created for members, keyed by member_id.",
    topics.MEMBER_CONTACTS: "Private, not for analytics: members' contact data (email), keyed by "
    "member_id and compacted (the latest event per member is current). Written only by the "
    "requests service and read only by the notifications service.",
}

DESCRIPTION = """\
Every message is a CloudEvents 1.0 envelope in structured JSON mode
(`application/cloudevents+json`): `id`, `source`, `type`, `subject`, `time`, `dataschema`
(`urn:hourbank:schema:<type>`), `data` (the payload), `traceparent`, `correlationid` (shared
by a command and every event it caused) and `causationid` (the event that caused this one).
Hours are decimal strings with two places (`"1.50"`); times are RFC 3339 in UTC.

Keys: the Kafka key is the aggregate id, so the events of one aggregate stay in order:
`request_id` on requests, escrow and disputes (`report_id` for the moderation reports on the
disputes topic); `member_id` on members, ledger, notifications and member contacts (on the members
topic, an offering's events by its `provider_id`).

Public and private: every topic is public (analytics teams may read it) except those whose name
starts with `hourbank.private.` (tagged `private`), which carry personal data and have one writer
and one reader each. No public topic carries contact data.

Exactly-once: events are written to an outbox in the same transaction as the state change and
published transactionally; a `read_committed` consumer sees each event id exactly once. Consumers
still record each event id in an inbox, so a redelivery has no second effect. Messages that cannot
be processed go to a dead-letter topic per consumer.

Compatibility: within a version only additive changes are made (new optional fields, new event
types); consumers ignore fields and event types they do not know. A breaking change gets a new
`.v(N+1)` type on the same topic, published alongside `.vN` (marked `deprecated`) for a
deprecation period; the versioning policy is in README.md.
"""

VERSIONED_TYPE = re.compile(r"^(?P<family>.+)\.v(?P<version>[1-9][0-9]*)$")


def superseded_by(type_names: Iterable[str]) -> dict[str, str]:
    """Each type whose event also exists in a higher `.vN`, mapped to the newest such type."""
    newest: dict[str, tuple[int, str]] = {}
    versions: list[tuple[str, int, str]] = []
    for name in type_names:
        match = VERSIONED_TYPE.match(name)
        if match:
            family, version = match["family"], int(match["version"])
            versions.append((family, version, name))
            newest[family] = max(newest.get(family, (0, "")), (version, name))
    return {
        name: newest[family][1] for family, version, name in versions if version < newest[family][0]
    }


def channel_id(topic: str) -> str:
    """`hourbank.requests.v1` -> `requests`; `hourbank.private.member-contacts.v1` ->
    `privateMemberContacts`."""
    words = re.split(r"[ \-_]", _topic_name(topic))
    return words[0] + "".join(word.title() for word in words[1:])


def _topic_name(topic: str) -> str:
    """`hourbank.private.member-contacts.v1` -> `private member-contacts`."""
    return topic.removeprefix("hourbank.").rsplit(".", 1)[0].replace(".", " ")


def _capitalized(name: str) -> str:
    return name[:1].upper() + name[1:]


def _ref(*path: str) -> dict[str, str]:
    return {"$ref": "#/" + "/".join(path)}


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: value.replace("#/$defs/", "#/components/schemas/")
            if key == "$ref" and isinstance(value, str)
            else _rewrite_refs(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rewrite_refs(item) for item in node]
    return node


def _on(topic: str, events: Sequence[type[Event]]) -> list[type[Event]]:
    return [cls for cls in events if topic == cls.TOPIC]


def _component_schemas(events: Sequence[type[Event]]) -> dict[str, JsonSchema]:
    """Envelope, each payload and the enums they share, with refs pointing into components."""
    schemas: dict[str, JsonSchema] = {}
    shared: dict[str, JsonSchema] = {}
    for name, schema in [("Envelope", envelope_schema())] + [
        (cls.__name__, event_schema(cls)) for cls in events
    ]:
        body = {k: v for k, v in schema.items() if k not in ("$schema", "$id", "$defs")}
        schemas[name] = _rewrite_refs(body)
        for def_name, definition in schema.get("$defs", {}).items():
            if shared.setdefault(def_name, definition) != definition:
                raise ValueError(f"two different schemas are both named {def_name}")
    clashes = shared.keys() & schemas.keys()
    if clashes:
        raise ValueError(f"schema names used twice: {sorted(clashes)}")
    for def_name in sorted(shared):
        schemas[def_name] = _rewrite_refs(shared[def_name])
    return schemas


def _message(cls: type[Event], successor: str | None) -> dict[str, Any]:
    subject = cls.SUBJECT or cls.KEY
    summary = (cls.__doc__ or "").strip()
    return {
        "name": cls.TYPE,
        "title": cls.__name__,
        "summary": f"{summary} Deprecated: superseded by `{successor}`." if successor else summary,
        **({"deprecated": True} if successor else {}),
        "contentType": CONTENT_TYPE,
        "correlationId": _ref("components", "correlationIds", "saga"),
        "payload": {
            "allOf": [
                _ref("components", "schemas", "Envelope"),
                {
                    "type": "object",
                    "properties": {
                        "type": {"const": cls.TYPE},
                        "subject": {"type": "string", "description": f"The `{subject}`."},
                        "dataschema": {"const": schema_id(cls.TYPE)},
                        "data": _ref("components", "schemas", cls.__name__),
                    },
                    "required": ["type", "subject", "dataschema", "data"],
                },
            ]
        },
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "format": "uuid",
                    "description": f"The payload's `{cls.KEY}`.",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _channel(topic: str, events: Sequence[type[Event]]) -> dict[str, Any]:
    return {
        "address": topic,
        "title": topic,
        "description": CHANNELS[topic],
        **({"tags": [{"name": "private"}]} if topic in topics.PRIVATE else {}),
        "messages": {
            cls.__name__: _ref("components", "messages", cls.__name__) for cls in _on(topic, events)
        },
        "bindings": {"kafka": {"topic": topic, "bindingVersion": KAFKA_BINDING_VERSION}},
    }


def _operation(topic: str, events: Sequence[type[Event]]) -> dict[str, Any]:
    channel = channel_id(topic)
    service = OWNERS[topic]
    return {
        "action": "send",
        "channel": _ref("channels", channel),
        "title": f"The {service} service publishes {_topic_name(topic)} events",
        "tags": [{"name": f"{service}-service"}],
        "messages": [
            _ref("channels", channel, "messages", cls.__name__) for cls in _on(topic, events)
        ],
    }


def document(events: Sequence[type[Event]] = EVENTS) -> dict[str, Any]:
    """The AsyncAPI document of `events` (the whole catalog by default), in a stable order."""
    successors = superseded_by(cls.TYPE for cls in events)
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "HourBank events", "version": "1.0.0", "description": DESCRIPTION},
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "local": {
                "host": "localhost:9092",
                "protocol": "kafka",
                "description": "The local development broker (KRaft).",
            }
        },
        "channels": {channel_id(topic): _channel(topic, events) for topic in topics.ALL},
        "operations": {
            f"send{_capitalized(channel_id(topic))}": _operation(topic, events)
            for topic in topics.ALL
        },
        "components": {
            "schemas": _component_schemas(events),
            "messages": {cls.__name__: _message(cls, successors.get(cls.TYPE)) for cls in events},
            "correlationIds": {
                "saga": {
                    "description": "Shared by a command and every event it caused.",
                    "location": "$message.payload#/correlationid",
                }
            },
        },
    }
