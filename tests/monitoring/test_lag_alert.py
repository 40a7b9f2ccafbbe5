"""A consumer that stops while lifecycles keep arriving: its group's lag grows and
HourBankConsumerLagGrowing fires within its `for:` window (plus evaluation slack); started
again, the consumer catches up, the lag returns to 0 and the alert resolves."""

import subprocess
import sys
import time

import pytest

from hourbank_stack.client import Gateway
from hourbank_stack.observability.promql import Prometheus
from hourbank_stack.observability.sources import rule_groups

from . import traffic

pytestmark = pytest.mark.integration
HOURBANK = [sys.executable, "-m", "hourbank_stack"]
ALERT, GROUP, PROCESS = "HourBankConsumerLagGrowing", "escrow", "escrow-consume"


def _for_seconds() -> float:
    (rule,) = [r for g in rule_groups() for r in g["rules"] if r.get("alert") == ALERT]
    value = str(rule["for"])
    assert value.endswith("m"), value
    return float(value[:-1]) * 60


def _state(prometheus: Prometheus) -> str | None:
    for alert in prometheus.alerts():
        labels = alert["labels"]
        if labels["alertname"] == ALERT and labels.get("group") == GROUP:
            return str(alert["state"])
    return None


def _lag(prometheus: Prometheus) -> float | None:
    found = prometheus.query(f'hourbank:consumer_lag_messages:sum{{group="{GROUP}"}}')
    return found[0].points[0][1] if found else None


def _quiet(prometheus: Prometheus, timeout: float = 180) -> None:
    """Other tests' traffic may keep the group busy: wait until it has caught up (the alert
    must be this test's doing)."""
    deadline = time.monotonic() + timeout
    while _state(prometheus) is not None or (_lag(prometheus) or 0) > 5:
        assert time.monotonic() < deadline, (
            f"{GROUP} never caught up before the test: lag {_lag(prometheus)}, "
            f"{ALERT} {_state(prometheus)}"
        )
        time.sleep(2)


def test_a_stopped_consumer_fires_the_lag_alert_which_resolves_once_it_runs_again(
    prometheus: Prometheus, gateway: Gateway
) -> None:
    provider, requester, _ = traffic.pair(gateway)  # escrow opens their accounts first
    _quiet(prometheus)
    submitter = traffic.Submitter(provider, requester, rate=2.0)
    subprocess.run([*HOURBANK, "hold", PROCESS], check=True, timeout=90)
    held_at = time.monotonic()
    fired_after = None
    try:
        submitter.start()
        # lag past the threshold (seconds at 2/s), then `for:`, then scrape + evaluation slack
        deadline = held_at + 30 + _for_seconds() + 30
        while time.monotonic() < deadline:
            if _state(prometheus) == "firing":
                fired_after = time.monotonic() - held_at
                break
            time.sleep(1)
        lag_while_stopped = _lag(prometheus)
    finally:
        submitter.stop()
        subprocess.run([*HOURBANK, "release", PROCESS], check=True, timeout=90)
    assert submitter.errors == [], submitter.errors[:3]
    assert fired_after is not None, (
        f"{ALERT} did not fire within {deadline - held_at:.0f}s (lag {lag_while_stopped}, "
        f"{submitter.sent} requests submitted, {submitter.shed} shed at the door)"
    )
    assert fired_after >= _for_seconds(), "fired before its `for:` window: not the rule's doing"
    print(f"{ALERT} fired {fired_after:.0f}s after {PROCESS} stopped (lag {lag_while_stopped})")

    deadline = time.monotonic() + 120
    while (_lag(prometheus), _state(prometheus)) != (0, None):
        assert time.monotonic() < deadline, (
            f"after release: lag {_lag(prometheus)}, alert {_state(prometheus)}"
        )
        time.sleep(1)
