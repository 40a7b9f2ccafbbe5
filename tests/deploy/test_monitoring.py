"""The monitoring component as Kubernetes renders it: a PrometheusRule the Prometheus Operator
accepts, holding exactly deploy/monitoring/rules.yml, and the dashboards' ConfigMap the Grafana
sidecar picks up, holding exactly deploy/monitoring/dashboards/."""

import json
from typing import Any

import jsonschema
import pytest

from hourbank_stack.observability.sources import dashboards, rule_groups

from .manifests import Object, kind, labels

_DURATION = (
    r"^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$"
)
_STRINGS = {"type": "object", "additionalProperties": {"type": "string"}}
_RULE_FIELDS = {"record", "alert", "expr", "for", "keep_firing_for", "labels", "annotations"}
# What the Prometheus Operator's PrometheusRule CRD (monitoring.coreos.com/v1) requires of the
# fields we use (its CRD is not available offline).
PROMETHEUS_RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["apiVersion", "kind", "metadata", "spec"],
    "properties": {
        "apiVersion": {"const": "monitoring.coreos.com/v1"},
        "spec": {
            "type": "object",
            "required": ["groups"],
            "additionalProperties": False,
            "properties": {
                "groups": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["name", "rules"],
                        "additionalProperties": False,
                        "properties": {
                            "name": {"type": "string", "minLength": 1},
                            "interval": {"type": "string", "pattern": _DURATION},
                            "rules": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["expr"],
                                    "propertyNames": {"enum": sorted(_RULE_FIELDS)},
                                    "oneOf": [
                                        {"required": ["record"], "not": {"required": ["alert"]}},
                                        {"required": ["alert"], "not": {"required": ["record"]}},
                                    ],
                                    "properties": {
                                        "record": {"type": "string"},
                                        "alert": {"type": "string"},
                                        "expr": {"type": ["string", "integer"]},
                                        "for": {"type": "string", "pattern": _DURATION},
                                        "labels": _STRINGS,
                                        "annotations": _STRINGS,
                                    },
                                },
                            },
                        },
                    },
                }
            },
        },
    },
}


def _prometheus_rule(objects: list[Object]) -> Object:
    (rule,) = kind(objects, "PrometheusRule")
    return rule


def _dashboards_config(objects: list[Object]) -> Object:
    found = [c for c in kind(objects, "ConfigMap") if labels(c).get("grafana_dashboard") == "1"]
    assert len(found) == 1, [c["metadata"]["name"] for c in found]
    return found[0]


def test_prod_has_the_rules_as_a_prometheus_rule_the_operator_accepts(
    rendered: dict[str, list[Object]],
) -> None:
    rule = _prometheus_rule(rendered["prod"])
    jsonschema.validate(rule, PROMETHEUS_RULE_SCHEMA)
    assert rule["metadata"]["namespace"] == "hourbank"
    assert rule["spec"]["groups"] == rule_groups(), "not the groups of deploy/monitoring/rules.yml"


def test_every_alert_says_how_bad_what_and_where_the_runbook_is(
    rendered: dict[str, list[Object]],
) -> None:
    alerts = [
        r
        for g in _prometheus_rule(rendered["prod"])["spec"]["groups"]
        for r in g["rules"]
        if "alert" in r
    ]
    assert alerts
    for alert in alerts:
        assert alert["labels"]["severity"] in {"warning", "critical"}, alert["alert"]
        assert {"summary", "description", "runbook"} <= set(alert["annotations"]), alert["alert"]
        assert alert["annotations"]["runbook"].startswith("docs/alerts.md#"), alert["alert"]


def test_prod_provisions_the_dashboards_for_grafana(rendered: dict[str, list[Object]]) -> None:
    config = _dashboards_config(rendered["prod"])
    assert config["metadata"]["namespace"] == "hourbank"
    assert {name: json.loads(text) for name, text in config["data"].items()} == dashboards()
    uids = [json.loads(text)["uid"] for text in config["data"].values()]
    assert len(set(uids)) == len(uids) == 3
    size = sum(len(text.encode()) for text in config["data"].values())
    assert size < 900_000, "a ConfigMap holds at most 1 MiB"


@pytest.mark.parametrize("overlay_name", ["dev"])
def test_dev_has_no_monitoring(rendered: dict[str, list[Object]], overlay_name: str) -> None:
    """The component is optional: a development cluster need not run the Prometheus Operator."""
    assert kind(rendered[overlay_name], "PrometheusRule") == []
