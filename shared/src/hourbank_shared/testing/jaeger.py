"""A local Jaeger (v2, traces in memory, all on loopback) and its query API, for tests and
for `hourbank up --observe`: built by `infra/install-jaeger`, configured by
`infra/jaeger/config.yaml`.

`python -m hourbank_shared.testing.jaeger TRACE_ID` prints a trace as an indented tree (the
module build of Jaeger has no web UI).
"""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[4]
INSTALL = REPO / "infra" / "install-jaeger"
CONFIG = REPO / "infra" / "jaeger" / "config.yaml"
QUERY_URL = "http://127.0.0.1:16686"
OTLP_HTTP_ENDPOINT = "http://127.0.0.1:4318"
"""What `OTEL_EXPORTER_OTLP_ENDPOINT` names for the services to export here."""
OTLP_HTTP_PORT = 4318


class JaegerError(RuntimeError):
    pass


@dataclass(frozen=True)
class TraceSpan:
    """One span of a trace as Jaeger stored it."""

    span_id: str
    parent_id: str | None
    service: str
    """`service.name` of the process that made it, e.g. hourbank-escrow."""
    name: str
    kind: str | None
    attributes: dict[str, Any] = field(default_factory=dict)
    start_us: int = 0
    process: dict[str, Any] = field(default_factory=dict)
    """The process's resource attributes (`hourbank.process`: api, consume, …)."""


def install() -> Path:
    """The Jaeger binary, built first if missing (minutes, once; see infra/install-jaeger)."""
    done = subprocess.run([str(INSTALL)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise JaegerError(f"infra/install-jaeger failed:\n{done.stderr[-3000:]}")
    return Path(done.stdout.strip().splitlines()[-1])


def _get_json(url: str, timeout: float) -> Any:
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"not an HTTP URL: {url}")
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - checked above
        return json.load(response)


def ready(query_url: str = QUERY_URL) -> bool:
    """The query API answers and the OTLP/HTTP receiver accepts connections."""
    try:
        _get_json(f"{query_url}/api/services", timeout=2)
    except (urllib.error.URLError, OSError, ValueError):
        return False
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", OTLP_HTTP_PORT)) == 0


def start(config: Path, log: Path, binary: Path | None = None) -> subprocess.Popen[bytes]:
    """Start Jaeger with `config` in a session of its own (it outlives the caller), its
    output appended to `log`; does not wait (see `wait_ready`)."""
    executable = binary or install()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as output:
        return subprocess.Popen(
            [str(executable), "--config", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_ready(
    process: subprocess.Popen[bytes] | None = None,
    timeout: float = 60,
    query_url: str = QUERY_URL,
) -> None:
    """Until Jaeger answers; JaegerError if `process` exits first or the time runs out."""
    deadline = time.monotonic() + timeout
    while not ready(query_url):
        if process is not None and process.poll() is not None:
            raise JaegerError(f"jaeger exited at start with code {process.returncode}")
        if time.monotonic() > deadline:
            raise JaegerError(f"jaeger did not answer at {query_url} within {timeout:.0f}s")
        time.sleep(0.2)


def ensure_running(log: Path, config: Path = CONFIG) -> int | None:
    """Jaeger answering on loopback: the one already there (None), or one started now with
    `config`, writing to `log` (its pid)."""
    if ready():
        return None
    process = start(config, log)
    wait_ready(process)
    return process.pid


def trace_spans(trace_id: str, query_url: str = QUERY_URL) -> list[TraceSpan]:
    """The spans Jaeger holds for a trace (32 hex digits); [] while it has none."""
    try:
        body = _get_json(f"{query_url}/api/traces/{trace_id}", timeout=10)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return []
        raise
    return [span for data in body.get("data") or [] for span in _spans(data)]


def _spans(data: dict[str, Any]) -> list[TraceSpan]:
    processes = data.get("processes") or {}
    spans = []
    for raw in data.get("spans") or []:
        process = processes.get(raw.get("processID"), {})
        tags = _tags(raw.get("tags"))
        parents = [
            ref["spanID"]
            for ref in raw.get("references") or []
            if ref.get("refType") == "CHILD_OF" and ref.get("traceID") == raw["traceID"]
        ]
        spans.append(
            TraceSpan(
                span_id=raw["spanID"],
                parent_id=parents[0] if parents else None,
                service=process.get("serviceName", ""),
                name=raw["operationName"],
                kind=tags.pop("span.kind", None),
                attributes=tags,
                start_us=int(raw.get("startTime", 0)),
                process=_tags(process.get("tags")),
            )
        )
    return sorted(spans, key=lambda span: span.start_us)


def _tags(raw: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {tag["key"]: tag.get("value") for tag in raw or []}


def tree(spans: list[TraceSpan]) -> str:
    """The spans as an indented tree, children under their parent, in start order."""
    children: dict[str | None, list[TraceSpan]] = {}
    ids = {span.span_id for span in spans}
    for span in spans:
        parent = span.parent_id if span.parent_id in ids else None
        children.setdefault(parent, []).append(span)
    lines: list[str] = []

    def walk(parent: str | None, depth: int) -> None:
        for span in children.get(parent, []):
            role = span.process.get("hourbank.process", "")
            lines.append(f"{'  ' * depth}{span.service}/{role} {span.name} [{span.span_id}]")
            walk(span.span_id, depth + 1)

    walk(None, 0)
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m hourbank_shared.testing.jaeger TRACE_ID")
    print(tree(trace_spans(sys.argv[1])))
