"""Prometheus, Jaeger, rules and dashboards beside the local stack (`hourbank up --observe`)."""
