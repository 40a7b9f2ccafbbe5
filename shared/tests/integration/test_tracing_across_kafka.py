"""Trace context across the real outbox, relay, broker and consumer: the consumer's span is a
child of the span that wrote the event, and what it writes names its own span."""

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy import MetaData

from hourbank_shared import tracing
from hourbank_shared.consumer import ConsumerRunner
from hourbank_shared.contracts.members import MemberRegistered
from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.envelope import Envelope
from hourbank_shared.idempotency import idempotency_table
from hourbank_shared.inbox import inbox_table
from hourbank_shared.outbox import SqlOutboxStore, outbox_table
from hourbank_shared.relay.core import Relay, RelayConfig
from hourbank_shared.settings import libpq_url
from hourbank_shared.testing.infra import Infra
from hourbank_shared.testing.spans import recorded_spans
from hourbank_shared.topic_reader import read_all
from hourbank_shared.unit_of_work import MessagingTables, SqlUnitOfWork

pytestmark = pytest.mark.integration


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return recorded_spans()


@pytest.fixture
def unit_of_work(database_url: str) -> Iterator[SqlUnitOfWork]:
    metadata = MetaData()
    tables = MessagingTables(
        inbox_table(metadata), outbox_table(metadata), idempotency_table(metadata)
    )
    engine = make_engine(database_url, pool_size=4)
    metadata.create_all(engine)
    yield SqlUnitOfWork(session_factory(engine), tables, "/hourbank/test")
    engine.dispose()


@pytest.fixture
def relay(infra: Infra, database_url: str, unit_of_work: SqlUnitOfWork) -> Iterator[str]:
    name = f"tracing{uuid.uuid4().hex[:8]}"
    store = SqlOutboxStore(unit_of_work._sessions, unit_of_work._tables.outbox)
    relay = Relay(RelayConfig(name, infra.bootstrap, libpq_url(database_url)), store)
    stop = threading.Event()
    thread = threading.Thread(target=relay.run, args=(stop,))
    thread.start()
    yield name
    stop.set()
    thread.join(30)


def _registered() -> MemberRegistered:
    return MemberRegistered(
        member_id=uuid.uuid4(),
        display_name="Ada",
        roles=["member"],
        registered_at=datetime.now(UTC),
    )


def _span_id(traceparent: str | None) -> int:
    assert traceparent is not None
    return int(traceparent.split("-")[2], 16)


def _wait_for(spans: InMemorySpanExporter, trace_id: int, count: int) -> list[ReadableSpan]:
    deadline = time.monotonic() + 60
    while True:
        found = [
            span
            for span in spans.get_finished_spans()
            if span.context is not None and span.context.trace_id == trace_id
        ]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_a_consumer_span_is_the_child_of_the_span_that_wrote_the_event(
    infra: Infra,
    new_topic: object,
    spans: InMemorySpanExporter,
    unit_of_work: SqlUnitOfWork,
    relay: str,
) -> None:
    first_topic = new_topic("tracing-in")  # type: ignore[operator]
    next_topic = new_topic("tracing-out")  # type: ignore[operator]
    group = f"tracingtest{uuid.uuid4().hex[:8]}"

    # an API command: its span writes the event in a unit of work
    api_span = tracing.tracer().start_as_current_span("POST /v1/members", kind=SpanKind.SERVER)
    with api_span as api, unit_of_work as uow:
        first = Envelope.wrap(_registered(), source="/hourbank/test")
        uow.outbox.add_envelope(first, topic=first_topic, key="k")
        uow.commit()
    api_context = api.get_span_context()
    assert _span_id(first.traceparent) == api_context.span_id

    caused: list[Envelope] = []

    def when_registered(envelope: Envelope, event: MemberRegistered) -> None:
        with unit_of_work as uow:
            if not uow.inbox.claim(group, envelope.id, envelope.type):
                return
            reaction = Envelope.wrap(_registered(), source="/hourbank/test", caused_by=envelope)
            uow.outbox.add_envelope(reaction, topic=next_topic, key="k")
            uow.commit()
        caused.append(reaction)

    runner = ConsumerRunner(
        name=group,
        bootstrap=infra.bootstrap,
        topics=[first_topic],
        routes={MemberRegistered.TYPE: when_registered},
    )
    stop = threading.Event()
    thread = threading.Thread(target=runner.run, args=(stop,))
    thread.start()
    try:
        (published,) = read_all(infra.bootstrap, next_topic, expected=1, timeout=60)
    finally:
        stop.set()
        thread.join(30)

    # the API span, its commit, the consumer span and the handler's commit: one trace
    found = _wait_for(spans, api_context.trace_id, 4)
    (consumer,) = [s for s in found if s.kind is SpanKind.CONSUMER]
    assert consumer.parent is not None and consumer.parent.span_id == api_context.span_id
    assert consumer.name == MemberRegistered.TYPE
    attributes = dict(consumer.attributes or {})
    assert attributes["messaging.destination.name"] == first_topic
    assert attributes["messaging.consumer.group.name"] == group
    assert attributes["messaging.message.id"] == str(first.id)
    assert attributes["hourbank.consumer.outcome"] == "handled"
    assert consumer.context is not None
    commits = [s for s in found if s.name == "COMMIT"]
    assert sorted(s.parent.span_id for s in commits if s.parent) == sorted(
        [api_context.span_id, consumer.context.span_id]
    )

    # the reaction names the consumer span (a new span id), in its envelope and Kafka header
    (reaction,) = caused
    assert _span_id(reaction.traceparent) == consumer.context.span_id
    assert reaction.traceparent != first.traceparent
    _, value, headers = published
    assert Envelope.from_json(value).traceparent == reaction.traceparent
    assert dict(headers)["traceparent"].decode() == reaction.traceparent

    # the relay's batches are spans of their own, linked to the spans that wrote the events
    batches = [s for s in spans.get_finished_spans() if s.name == f"publish {relay}"]
    linked = {link.context.span_id for batch in batches for link in batch.links}
    assert {api_context.span_id, consumer.context.span_id} <= linked
    assert all(batch.parent is None for batch in batches)
