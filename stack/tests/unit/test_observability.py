"""`--observe`'s pieces that need no running Prometheus: its scrape configuration, the
dashboards' queries with their variables, and what `hourbank status` reads from /metrics."""

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hourbank_stack.observability import prometheus
from hourbank_stack.observability.dashboards import every_query, legend, substitute
from hourbank_stack.observability.readings import Readings, lines, read
from hourbank_stack.observability.sources import RULES
from hourbank_stack.supervisor import COMBINED_ENV
from hourbank_stack.topology import ROLES


def test_prometheus_scrapes_every_process_where_it_serves_metrics_and_loads_the_rules(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(COMBINED_ENV, "0")  # each role once, on loopback, whatever ran last
    config = prometheus.scrape_config()
    (job,) = config["scrape_configs"]
    targets = {static["labels"]["process"]: static["targets"] for static in job["static_configs"]}
    assert targets == {role.name: [f"127.0.0.1:{role.port}"] for role in ROLES}
    assert config["rule_files"] == [str(RULES)]
    assert config["global"]["evaluation_interval"] == "2s"


def test_template_variables_are_substituted_and_legends_filled() -> None:
    expr = 'sum(hourbank_dead_letters{consumer="$service"}) + ${service}_x'
    assert substitute(expr, {"service": "escrow"}) == (
        'sum(hourbank_dead_letters{consumer="escrow"}) + escrow_x'
    )
    assert legend("{{step}} p99", {"step": "submit"}) == "submit p99"
    services = {q.expr for q in every_query() if q.dashboard == "service.json"}
    assert any('relay="notifications"' in expr for expr in services)
    assert not any("$" in q.expr for q in every_query())


METRICS = """\
# TYPE hourbank_consumer_lag_messages gauge
hourbank_consumer_lag_messages{group="escrow",topic="hourbank.requests",partition="0"} 3.0
hourbank_consumer_lag_messages{group="escrow",topic="hourbank.requests",partition="1"} 4.0
# TYPE hourbank_dead_letters gauge
hourbank_dead_letters{consumer="escrow"} 2.0
# TYPE hourbank_relay_active gauge
hourbank_relay_active{relay="escrow"} 0.0
# TYPE hourbank_outbox_pending gauge
hourbank_outbox_pending{relay="escrow"} 12.0
# TYPE hourbank_outbox_oldest_pending_age_seconds gauge
hourbank_outbox_oldest_pending_age_seconds{relay="escrow"} 1.25
"""


def test_status_sums_lag_per_group_and_says_what_it_could_not_read() -> None:
    found = Readings()
    samples = [s for f in text_string_to_metric_families(METRICS) for s in f.samples]
    read(samples, found)
    found.unreachable.append("requests-relay")
    shown = "\n".join(lines(found, ("requests", "escrow"), ("requests", "escrow")))
    assert found.lag == {"escrow": 7.0}
    assert "escrow                 7                2" in shown
    assert "escrow             standby   12               1.2 s" in shown
    assert "requests           n/a       n/a              n/a" in shown
    assert "requests-relay" in shown
