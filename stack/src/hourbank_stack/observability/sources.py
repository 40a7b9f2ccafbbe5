"""The rules and dashboards, and the copies Kubernetes reads of them.

`deploy/monitoring/` holds the one source: `rules.yml` (what a plain Prometheus loads) and
`dashboards/*.json`. kustomize reads nothing outside a kustomization's folder, so the monitoring
component holds generated copies: a PrometheusRule wrapping the same groups, and the dashboards
byte for byte. `--write` makes them, `--check` (make lint, tests/monitoring) fails on drift.
"""

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from hourbank_stack.gateway import REPO

MONITORING = REPO / "deploy/monitoring"
RULES = MONITORING / "rules.yml"
DASHBOARDS = MONITORING / "dashboards"
COMPONENT = REPO / "deploy/k8s/components/monitoring"
PROMETHEUS_RULE = COMPONENT / "prometheus-rule.yaml"
RULE_NAME = "hourbank"

_HEADER = (
    "# Generated from deploy/monitoring/rules.yml by\n"
    "#   uv run python -m hourbank_stack.observability.sources --write\n"
    "# Do not edit: edit the source, then run that (make lint checks the two agree).\n"
)


def rule_groups() -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = yaml.safe_load(RULES.read_text())["groups"]
    return groups


def prometheus_rule() -> dict[str, Any]:
    """The Prometheus Operator's object for the same groups."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": RULE_NAME,
            "labels": {"app.kubernetes.io/part-of": "hourbank", "role": "alert-rules"},
        },
        "spec": {"groups": rule_groups()},
    }


def dashboards() -> dict[str, dict[str, Any]]:
    """Each dashboard by file name."""
    return {path.name: json.loads(path.read_text()) for path in sorted(DASHBOARDS.glob("*.json"))}


def expected_files() -> dict[Path, str]:
    """What the monitoring component must hold, generated from the sources."""
    rendered = yaml.safe_dump(prometheus_rule(), sort_keys=False, width=100, allow_unicode=True)
    files = {PROMETHEUS_RULE: _HEADER + rendered}
    for path in sorted(DASHBOARDS.glob("*.json")):
        files[COMPONENT / "dashboards" / path.name] = path.read_text()
    return files


def drift() -> list[str]:
    """The generated files that are missing or differ, and stale copies of removed dashboards."""
    wanted = expected_files()
    stale = [p for p in sorted((COMPONENT / "dashboards").glob("*.json")) if p not in wanted]
    differ = [p for p, text in wanted.items() if not p.exists() or p.read_text() != text]
    return [str(p.relative_to(REPO)) for p in differ + stale]


def write() -> None:
    (COMPONENT / "dashboards").mkdir(parents=True, exist_ok=True)
    wanted = expected_files()
    for stale in (COMPONENT / "dashboards").glob("*.json"):
        if stale not in wanted:
            stale.unlink()
    for path, text in wanted.items():
        path.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="regenerate the copies")
    mode.add_argument("--check", action="store_true", help="fail on drift (the default)")
    args = parser.parse_args()
    if args.write:
        write()
        return
    if out_of_date := drift():
        sys.exit(
            "out of date with deploy/monitoring/ (run "
            "`uv run python -m hourbank_stack.observability.sources --write`): "
            + ", ".join(out_of_date)
        )


if __name__ == "__main__":
    main()
