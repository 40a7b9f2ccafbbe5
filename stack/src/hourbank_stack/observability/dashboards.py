"""The dashboards' panels and their queries, as Prometheus runs them (template variables
substituted): what tests/monitoring checks and `hourbank dashboard-png` draws."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from hourbank_stack.observability.sources import dashboards

_VARIABLE = re.compile(r"\$\{?(\w+)\}?")
_LEGEND = re.compile(r"\{\{\s*(\w+)\s*\}\}")


@dataclass(frozen=True)
class Query:
    dashboard: str
    panel: str
    kind: str
    """Grafana's panel type: timeseries, stat."""
    unit: str
    expr: str
    legend: str


def variable_values(dashboard: dict[str, Any]) -> dict[str, list[str]]:
    """Each custom template variable's options (the datasource variable is not in queries)."""
    values: dict[str, list[str]] = {}
    for variable in dashboard.get("templating", {}).get("list", []):
        if variable["type"] == "custom":
            values[variable["name"]] = [o["value"] for o in variable["options"]]
    return values


def substitute(text: str, values: dict[str, str]) -> str:
    return _VARIABLE.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def legend(template: str, labels: dict[str, str]) -> str:
    """Grafana's `{{label}}` legend; a series without those labels (`or vector(0)`): "none"."""
    return _LEGEND.sub(lambda m: labels.get(m.group(1), ""), template).strip() or "none"


def queries(name: str, values: dict[str, str] | None = None) -> Iterator[Query]:
    """The queries of dashboard `name` (e.g. "saga.json"), with `values` for its variables."""
    dashboard = dashboards()[name]
    for panel in dashboard["panels"]:
        unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit", "short")
        for target in panel.get("targets", []):
            expr = substitute(target["expr"], values or {})
            yield Query(name, panel["title"], panel["type"], unit, expr, target["legendFormat"])


def every_query() -> Iterator[Query]:
    """Every query of every dashboard, once per value of each of its variables."""
    for name, dashboard in dashboards().items():
        variables = variable_values(dashboard)
        if not variables:
            yield from queries(name)
            continue
        ((variable, options),) = variables.items()  # one variable per dashboard so far
        for option in options:
            yield from queries(name, {variable: option})
