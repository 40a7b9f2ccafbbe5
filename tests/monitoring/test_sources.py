"""deploy/monitoring offline: promtool accepts the rules, every alert fires on a bad series and
stays silent on a good one (deploy/monitoring/tests), and the Kubernetes copies are current."""

import shutil
import subprocess
import tempfile

import pytest
import yaml

from hourbank_stack.observability.dashboards import every_query
from hourbank_stack.observability.sources import MONITORING, RULES, drift, rule_groups


def _promtool() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail("promtool not found: apt-get install -y prometheus (.ci/run does)")
    return found


def _run(*argv: str) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_promtool_accepts_the_rules() -> None:
    out = _run(_promtool(), "check", "rules", str(RULES))
    rules = sum(len(group["rules"]) for group in rule_groups())
    assert f"SUCCESS: {rules} rules found" in out


def test_every_alert_has_unit_tests_that_fire_and_stay_silent() -> None:
    tests = sorted((MONITORING / "tests").glob("*.yml"))
    _run(_promtool(), "test", "rules", *map(str, tests))
    rules = [rule for group in rule_groups() for rule in group["rules"]]
    alerts = {rule["alert"] for rule in rules if "alert" in rule}
    fires: set[str] = set()
    silent: set[str] = set()
    for path in tests:
        for test in yaml.safe_load(path.read_text())["tests"]:
            for case in test.get("alert_rule_test", []):
                (fires if case.get("exp_alerts") else silent).add(case["alertname"])
    assert alerts - fires == set(), "alerts no test sees fire"
    assert alerts - silent == set(), "alerts no test sees stay silent"


def test_the_kubernetes_copies_are_generated_from_the_sources() -> None:
    assert drift() == [], "run: uv run python -m hourbank_stack.observability.sources --write"


def test_every_dashboard_query_is_valid_promql() -> None:
    """promtool parses each query as a rule expression (the live test runs them)."""
    for query in every_query():
        assert "$" not in query.expr, f"{query.dashboard} {query.panel}: unsubstituted variable"
    # one rule file of every query: `promtool check rules` parses them all at once
    rules = [
        {"record": f"dashboard:query_{n}", "expr": q.expr} for n, q in enumerate(every_query())
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".yml") as file:
        yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}, file)
        file.flush()
        _run(_promtool(), "check", "rules", file.name)
