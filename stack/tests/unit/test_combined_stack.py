"""`hourbank up --combined`: one process per service, scraped once, on its metrics port."""

import pytest

from hourbank_stack.observability.prometheus import scrape_config
from hourbank_stack.supervisor import COMBINED_ENV, stack_roles
from hourbank_stack.topology import API_PORTS, METRICS_PORTS, ROLES, SERVICES


def targets() -> dict[str, str]:
    (job,) = scrape_config()["scrape_configs"]
    return {c["labels"]["process"]: c["targets"][0] for c in job["static_configs"]}


def test_combined_runs_one_serve_per_service_scraped_on_its_metrics_port(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(COMBINED_ENV, "1")
    combined = stack_roles()
    assert [r.name for r in combined] == [f"{s}-serve" for s in SERVICES]
    assert {r.port for r in combined} == set(API_PORTS.values())
    assert targets() == {f"{s}-serve": f"127.0.0.1:{METRICS_PORTS[s]}" for s in SERVICES}


def test_apart_runs_every_role_scraped_where_it_listens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(COMBINED_ENV, "0")
    assert stack_roles() == ROLES
    assert targets() == {r.name: f"127.0.0.1:{r.port}" for r in ROLES}
