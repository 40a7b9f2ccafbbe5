"""The few calls of Prometheus's HTTP API the tests and `hourbank dashboard-png` make."""

from dataclasses import dataclass
from typing import Any

import httpx

from hourbank_stack.observability import prometheus


class QueryFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Series:
    labels: dict[str, str]
    points: list[tuple[float, float]]
    """(unix time, value); one point for an instant query."""


class Prometheus:
    def __init__(self, url: str = prometheus.URL, timeout: float = 10):
        self._http = httpx.Client(base_url=url, timeout=timeout)

    def _get(self, path: str, **params: Any) -> Any:
        response = self._http.get(path, params=params)
        body = response.json()
        if response.status_code != 200 or body.get("status") != "success":
            raise QueryFailed(f"{path} {params}: {body.get('error', response.text[:300])}")
        return body["data"]

    def query(self, expr: str) -> list[Series]:
        """An instant query: each series with its one current point."""
        data = self._get("/api/v1/query", query=expr)
        return [_series(item, [item["value"]]) for item in _vector(data)]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        data = self._get("/api/v1/query_range", query=expr, start=start, end=end, step=step)
        return [_series(item, item["values"]) for item in data["result"]]

    def alerts(self) -> list[dict[str, Any]]:
        """The alerts pending or firing now (each with `labels`, `state`, `activeAt`)."""
        found: list[dict[str, Any]] = self._get("/api/v1/alerts")["alerts"]
        return found

    def targets(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._get("/api/v1/targets", state="active")["activeTargets"]
        return found

    def rule_groups(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._get("/api/v1/rules")["groups"]
        return found

    def close(self) -> None:
        self._http.close()


def _vector(data: dict[str, Any]) -> list[dict[str, Any]]:
    if data["resultType"] == "scalar":
        return [{"metric": {}, "value": data["result"]}]
    result: list[dict[str, Any]] = data["result"]
    return result


def _series(item: dict[str, Any], points: list[list[Any]]) -> Series:
    return Series(dict(item["metric"]), [(float(t), float(v)) for t, v in points])
