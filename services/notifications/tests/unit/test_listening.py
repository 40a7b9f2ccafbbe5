"""What the worker listens to: every member event has a handling, the private contacts too."""

from uuid import uuid4

from hourbank_notifications.app import TOPICS, faust_app
from hourbank_notifications.domain.recipients import MAPPINGS
from hourbank_notifications.handlers import DIRECTORY_EVENTS, Context, concerns_no_one
from hourbank_notifications.unit_of_work import SqlUnitOfWork
from hourbank_shared.clock import SystemClock
from hourbank_shared.contracts import topics
from hourbank_shared.contracts.catalog import events_on
from hourbank_shared.contracts.offerings import OfferingCreated, OfferingRevised, OfferingWithdrawn
from hourbank_shared.kafka import consumer_config

from ..events import contact, registered, registered_v1


def test_the_worker_reads_the_private_contacts_topic() -> None:
    assert topics.MEMBER_CONTACTS in TOPICS
    assert {topics.MEMBERS, topics.REQUESTS, topics.DISPUTES, topics.LEDGER} <= set(TOPICS)


OFFERING_CHANGES = (OfferingCreated, OfferingRevised, OfferingWithdrawn)
"""Offerings on the members topic notify only through a review's outcome (to the provider)."""


def test_every_member_event_keeps_the_directory_or_notifies() -> None:
    for topic in (topics.MEMBERS, topics.MEMBER_CONTACTS):
        for cls in events_on(topic):
            assert cls in DIRECTORY_EVENTS or cls in MAPPINGS or cls in OFFERING_CHANGES, cls.TYPE
    member = uuid4()
    for event in (registered(member), registered_v1(member), contact(member, "ada@example.org")):
        assert not concerns_no_one(event), event.TYPE


def test_the_worker_leaves_the_group_as_soon_as_the_other_consumers() -> None:
    """A member killed or frozen holds the group's rebalance until its session expires: the
    worker's is the 10 s of every other consumer, not faust's 60 s."""
    app = faust_app(Context(uow=_no_database, clock=SystemClock()), "127.0.0.1:1")
    ours = consumer_config("127.0.0.1:1", "any")["session.timeout.ms"]
    assert app.conf.broker_session_timeout * 1000 == ours
    assert app.conf.broker_rebalance_timeout < 60


def _no_database() -> SqlUnitOfWork:
    raise AssertionError("the app's settings are read without a database")
