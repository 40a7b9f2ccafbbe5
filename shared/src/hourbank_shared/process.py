"""What every service process needs: stopping on SIGTERM/SIGINT and running its relay."""

import logging
import signal
import threading

from sqlalchemy import MetaData

from hourbank_shared.db import make_engine, session_factory
from hourbank_shared.kafka_security import KafkaSecurity
from hourbank_shared.outbox import SqlOutboxStore, outbox_table
from hourbank_shared.relay import metrics
from hourbank_shared.relay.core import Relay, RelayConfig
from hourbank_shared.settings import libpq_url

log = logging.getLogger(__name__)


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM (Kubernetes stopping the pod) or SIGINT (Ctrl-C)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def run_relay(
    name: str,
    database_url: str,
    bootstrap: str,
    stop: threading.Event,
    batch_size: int = 500,
    security: KafkaSecurity | None = None,
) -> None:
    """Run a service's relay until `stop`; after an error start over (fencing, recovery)."""
    engine = make_engine(database_url, pool_size=2)
    store = SqlOutboxStore(session_factory(engine), outbox_table(MetaData()))
    config = RelayConfig(name, bootstrap, libpq_url(database_url), batch_size, security=security)
    relay = Relay(config, store)
    backoff = 0.5
    while not stop.is_set():
        try:
            relay.run(stop)
            backoff = 0.5
        except Exception:
            metrics.RESTARTS.labels(name).inc()
            log.exception("relay %s failed; restarting in %.1fs", name, backoff)
            stop.wait(backoff)
            backoff = min(backoff * 2, 10.0)
    engine.dispose()
