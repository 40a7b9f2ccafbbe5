"""Relay benchmark: throughput, outbox → consumer latency, and the raw broker beside them.

Prints figures; asserts nothing. Needs the local infrastructure (`make bench` starts it).
"""

import argparse
import json
import time
import uuid
from datetime import UTC, datetime

from hourbank_shared.envelope import Envelope
from hourbank_shared.kafka import TopicSpec, ensure_topics
from hourbank_shared.outbox import add
from hourbank_shared.testing.infra import fresh_database, provide
from hourbank_shared.testing.pg import PgStore
from hourbank_shared.testing.processes import start_relay
from hourbank_stack.baselines import Receiver, broker_latency, paced, percentile


def summary(label: str, millis: list[float]) -> None:
    print(
        f"  {label:<34} n={len(millis):>6}  p50={percentile(millis, 50):7.2f} ms"
        f"  p99={percentile(millis, 99):7.2f} ms  max={max(millis):7.2f} ms"
    )


def raw_broker(bootstrap: str, count: int, rate: float) -> None:
    summary(f"raw broker produce→consume @{rate:.0f}/s", broker_latency(bootstrap, count, rate))


def envelope(key: str, n: int) -> Envelope:
    return Envelope(
        source="/hourbank/bench",
        type="hourbank.bench.pinged.v1",
        subject=key,
        time=datetime.now(UTC),
        data={"n": n, "sent": time.time()},
        correlationid=uuid.uuid4(),
    )


def sent_in_envelope(value: bytes) -> float:
    return float(json.loads(value)["data"]["sent"])


def relay_throughput(bootstrap: str, database_url: str, count: int) -> None:
    store = PgStore(database_url)
    topic = f"bench.relay.{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, [TopicSpec(topic, 6)])
    for start in range(0, count, 500):
        with store.sessions.begin() as session:
            for n in range(start, min(start + 500, count)):
                add(session, store.outbox_table, envelope(f"k{n % 60}", n), topic=topic, key="k")
    receiver = Receiver(bootstrap, topic, sent_in_envelope)
    receiver.start()
    began = time.perf_counter()
    relay = start_relay(f"bench{uuid.uuid4().hex[:6]}", database_url, bootstrap)
    receiver.wait_for(count)
    elapsed = time.perf_counter() - began
    steady_end = time.perf_counter()
    relay.terminate()
    relay.wait(30)
    receiver.stop()
    store.close()
    steady = steady_end - receiver.first_at
    print(
        f"  relay throughput, backlog of {count}: {receiver.count / elapsed:8.0f} events/s"
        f" from process start ({elapsed:.2f} s), {receiver.count / steady:8.0f} events/s"
        f" from the first event delivered"
    )


def outbox_latency(bootstrap: str, database_url: str, count: int, rate: float) -> None:
    store = PgStore(database_url)
    topic = f"bench.lat.{uuid.uuid4().hex[:8]}"
    ensure_topics(bootstrap, [TopicSpec(topic, 6)])
    relay = start_relay(f"bench{uuid.uuid4().hex[:6]}", database_url, bootstrap)
    receiver = Receiver(bootstrap, topic, sent_in_envelope)
    receiver.start()
    time.sleep(3)  # let the relay take its lock and fence before timing starts

    def send(n: int) -> None:
        with store.sessions.begin() as session:
            add(
                session,
                store.outbox_table,
                envelope(f"k{n % 60}", n),
                topic=topic,
                key=f"k{n % 60}",
            )

    paced(count, rate, send)
    receiver.wait_for(count)
    relay.terminate()
    relay.wait(30)
    receiver.stop()
    store.close()
    summary(f"outbox insert→consume @{rate:.0f}/s", receiver.latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20000, help="backlog for throughput")
    parser.add_argument("--latency-events", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=200.0, help="events/s for latency runs")
    args = parser.parse_args()
    with provide() as infra:
        print(f"HourBank relay benchmark — broker {infra.bootstrap}")
        raw_broker(infra.bootstrap, args.latency_events, args.rate)
        with fresh_database(infra, "bench") as url:
            outbox_latency(infra.bootstrap, url, args.latency_events, args.rate)
        with fresh_database(infra, "bench") as url:
            relay_throughput(infra.bootstrap, url, args.events)


if __name__ == "__main__":
    main()
