"""Versions and placement of event types: every version of a type on one topic, and no
contact data on a public topic."""

from hourbank_shared.contracts import topics
from hourbank_shared.contracts.asyncapi import superseded_by
from hourbank_shared.contracts.base import Event
from hourbank_shared.contracts.catalog import EVENTS, event_class
from hourbank_shared.contracts.member_contacts import MemberContactChanged
from hourbank_shared.contracts.members import MemberRegisteredV2

CONTACT_FIELDS = {"email", "phone", "phone_number", "address", "postal_address", "contact"}
"""Field names of contact data, which only private topics may carry."""


def _version(name: str) -> tuple[str, int]:
    """`hourbank.member.registered.v2` -> (`hourbank.member.registered`, 2)."""
    family, version = name.rsplit(".v", 1)
    return family, int(version)


def test_every_version_of_an_event_is_on_one_topic_with_one_key() -> None:
    """The versioning policy: a new version of an event type (a breaking change) is published
    on the same topic with the same key and subject, so one aggregate's events stay in order.
    A topic's own version changes only with its key or partitioning, so a `.v2` type may live
    on a `.v1` topic, but all versions of a type live on one topic."""
    families: dict[str, list[type[Event]]] = {}
    for cls in EVENTS:
        families.setdefault(_version(cls.TYPE)[0], []).append(cls)
    for family, versions in families.items():
        placement = {(cls.TOPIC, cls.KEY, cls.SUBJECT or cls.KEY) for cls in versions}
        assert len(placement) == 1, f"{family}: its versions are on {sorted(placement)}"
        numbers = sorted(_version(cls.TYPE)[1] for cls in versions)
        assert numbers == list(range(numbers[0], numbers[-1] + 1)), f"{family}: {numbers}"
    assert (MemberRegisteredV2.TOPIC, _version(MemberRegisteredV2.TOPIC)[1]) == (topics.MEMBERS, 1)


def test_public_topics_carry_no_contact_data() -> None:
    """Analytics teams read the public topics: contact data goes on a private topic. A
    superseded version may keep such a field (removing it would break its readers), but only
    as optional, and its successor has none."""
    successors = superseded_by(cls.TYPE for cls in EVENTS)
    assert set(topics.ALL) == {*topics.PUBLIC, *topics.PRIVATE}
    assert all(topic.startswith("hourbank.private.") for topic in topics.PRIVATE)
    assert not any(topic.startswith("hourbank.private.") for topic in topics.PUBLIC)
    for cls in EVENTS:
        contact = CONTACT_FIELDS & cls.model_fields.keys()
        if cls.TOPIC in topics.PRIVATE or not contact:
            continue
        assert cls.TYPE in successors, f"{cls.TYPE} publishes {sorted(contact)}"
        assert not any(cls.model_fields[name].is_required() for name in contact)
        assert not CONTACT_FIELDS & event_class(successors[cls.TYPE]).model_fields.keys()
    assert "email" not in MemberRegisteredV2.model_fields
    assert MemberContactChanged.TOPIC == topics.MEMBER_CONTACTS
    assert "email" in MemberContactChanged.model_fields
