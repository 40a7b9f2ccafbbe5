"""`hourbank up --replicas`: N of each scalable process, each with its own ports, and a gateway
that balances over the API replicas."""

from pathlib import Path

import pytest

from hourbank_stack import gateway
from hourbank_stack.supervisor import COMBINED_ENV, LAB_ENV, REPLICAS_ENV, children, stack_roles
from hourbank_stack.topology import ROLES, parse_replicas


@pytest.fixture
def stack_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv(COMBINED_ENV, "0")
    monkeypatch.setenv(LAB_ENV, "0")
    return monkeypatch


def test_two_replicas_of_everything_but_the_reconciliation(stack_env: pytest.MonkeyPatch) -> None:
    stack_env.setenv(REPLICAS_ENV, "2")
    running = stack_roles()
    assert len(running) == 2 * len(ROLES) - 1
    assert [r.name for r in running if r.command == "reconcile"] == ["escrow-reconcile"]
    assert {"requests-relay", "requests-relay-2", "notifications-worker-2"} <= {
        r.name for r in running
    }
    ports = [r.port for r in running]
    assert len(ports) == len(set(ports)), "two processes on one port"


def test_per_command_counts(stack_env: pytest.MonkeyPatch) -> None:
    stack_env.setenv(REPLICAS_ENV, "api=3,consume=2")
    names = {r.name for r in stack_roles()}
    assert {"escrow-api-3", "escrow-consume-2"} <= names
    assert "escrow-relay-2" not in names


@pytest.mark.parametrize("text", ["0", "9", "api=0", "gateway=2", "api", "api=two"])
def test_bad_counts_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="--replicas"):
        parse_replicas(text)


def test_a_replica_gets_its_own_ports_and_the_gateway_balances(
    stack_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stack_env.setenv(REPLICAS_ENV, "2")
    found = {c.name: c for c in children(tmp_path, tmp_path / "gw", 18080, {})}
    second = found["requests-api-2"]
    assert second.env["HOURBANK_REQUESTS_API_PORT"] == str(second.port) == "8021"
    assert found["requests-relay-2"].env["HOURBANK_REQUESTS_METRICS_PORT"] == "9121"
    assert found["requests-relay-2"].port == 9221
    assert found["requests-api"].env == {}
    config = (tmp_path / "gw" / "hourbank.conf").read_text()
    line = next(x for x in config.splitlines() if x.startswith("upstream requests_api"))
    assert "server 127.0.0.1:8001 max_fails=0; server 127.0.0.1:8021 max_fails=0;" in line


def test_a_template_without_the_upstream_is_an_error() -> None:
    with pytest.raises(gateway.GatewayError, match="requests_api"):
        gateway.balanced("server { }", {"requests": ["127.0.0.1:8001"]})
