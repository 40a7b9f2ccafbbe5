"""What every service process needs: stopping on SIGTERM/SIGINT, its metrics and probes, and
running its relay."""

import logging
import signal
import threading
from collections.abc import Iterable

from prometheus_client import REGISTRY
from prometheus_client.registry import Collector
from sqlalchemy import MetaData

from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.heartbeat import Heartbeat
from hourbank_shared.kafka_access import ACCESS
from hourbank_shared.kafka_lag import consumer_lag, dead_letters, watched
from hourbank_shared.kafka_offsets import AdminOffsets, ReplayReader
from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.outbox import SqlOutboxStore, outbox_table
from hourbank_shared.process_http import ProcessHttp, serve_process_http
from hourbank_shared.relay import metrics
from hourbank_shared.relay.core import HEARTBEAT_WINDOW_SECONDS, Relay, RelayConfig
from hourbank_shared.scraped import scrape_engine
from hourbank_shared.settings import libpq_url

log = logging.getLogger(__name__)


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM (Kubernetes stopping the pod) or SIGINT (Ctrl-C)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def serve(port: int, heartbeat: Heartbeat, collectors: Iterable[Collector] = ()) -> ProcessHttp:
    """Register the process's gauges read on scrape and serve `/metrics`, `/healthz`, `/readyz`."""
    for collector in collectors:
        REGISTRY.register(collector)
    return serve_process_http(port, heartbeat)


def relay_collectors(
    name: str, database_url: str, bootstrap: str, security: KafkaSecurity | None = None
) -> list[Collector]:
    """What a relay reports on scrape: its outbox backlog and, for a service's own relay,
    its consumer group's lag and its waiting dead letters (read from the broker, so they
    show while the consumer itself is down)."""
    collectors: list[Collector] = [metrics.outbox_backlog(name, scrape_engine(database_url))]
    if name in ACCESS:
        offsets = AdminOffsets(bootstrap, security)
        collectors.append(consumer_lag(offsets, [watched(name)]))
        collectors.append(dead_letters(offsets, ReplayReader(bootstrap, security), [name]))
    return collectors


def serve_relay(
    name: str,
    database_url: str,
    bootstrap: str,
    port: int,
    stop: threading.Event,
    *,
    security: KafkaSecurity | None = None,
    batch_size: int = 500,
    collectors: Iterable[Collector] = (),
) -> None:
    """The relay process: metrics and probes on `port`, then the relay until `stop`."""
    heartbeat = Heartbeat(f"relay {name}", HEARTBEAT_WINDOW_SECONDS)
    gauges = [*relay_collectors(name, database_url, bootstrap, security), *collectors]
    serve(port, heartbeat, gauges)
    run_relay(name, database_url, bootstrap, stop, batch_size, security, heartbeat)


def run_relay(
    name: str,
    database_url: str,
    bootstrap: str,
    stop: threading.Event,
    batch_size: int = 500,
    security: KafkaSecurity | None = None,
    heartbeat: Heartbeat | None = None,
) -> None:
    """Run a service's relay until `stop`; after an error start over (fencing, recovery)."""
    engine = make_engine(database_url, pool_size=2)
    store = SqlOutboxStore(session_factory(engine), outbox_table(MetaData()))
    config = RelayConfig(name, bootstrap, libpq_url(database_url), batch_size, security=security)
    relay = Relay(config, store, heartbeat)
    backoff = 0.5
    metrics.ACTIVE.labels(name).set(0)
    while not stop.is_set():
        try:
            relay.run(stop)
            backoff = 0.5
        except Exception as exc:
            metrics.RESTARTS.labels(name).inc()
            relay.heartbeat.trouble(f"{type(exc).__name__}: restarting the relay")
            log.exception("relay %s failed; restarting in %.1fs", name, backoff)
            relay.heartbeat.wait(stop, backoff)
            backoff = min(backoff * 2, 10.0)
        metrics.ACTIVE.labels(name).set(0)  # the lock went with run()'s connection
    engine.dispose()
