"""A local Prometheus (Debian's `prometheus`) that scrapes every process of the topology and
evaluates deploy/monitoring/rules.yml, every 2 s: fast enough to watch an alert fire."""

import shutil
from pathlib import Path
from typing import Any

import yaml

from hourbank_stack.observability.sources import RULES
from hourbank_stack.supervisor import address, stack_roles

PORT = 9090
URL = f"http://127.0.0.1:{PORT}"
JOB = "hourbank"
INTERVAL = "2s"
PACKAGE = "prometheus"


class PrometheusMissing(RuntimeError):
    pass


def binary() -> str:
    found = shutil.which("prometheus") or next(
        (p for p in ("/usr/bin/prometheus", "/usr/local/bin/prometheus") if Path(p).exists()),
        None,
    )
    if found is None:
        raise PrometheusMissing(
            "prometheus not found; `--observe` runs Debian's. Install it: "
            "apt-get install -y prometheus"
        )
    return found


def scrape_config() -> dict[str, Any]:
    """Every process on its metrics endpoint (an API on its port, a worker on its metrics
    port), labelled with its process name."""
    return {
        "global": {
            "scrape_interval": INTERVAL,
            "scrape_timeout": INTERVAL,
            "evaluation_interval": INTERVAL,
        },
        "rule_files": [str(RULES)],
        "scrape_configs": [
            {
                "job_name": JOB,
                "metrics_path": "/metrics",
                "static_configs": [
                    {
                        "targets": [f"{address(role.name)}:{role.metrics_port}"],
                        "labels": {"process": role.name},
                    }
                    for role in stack_roles()
                ],
            }
        ],
    }


def command(directory: Path) -> list[str]:
    """Writes the configuration under `directory` (the data beside it) and returns the argv."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "prometheus.yml"
    config.write_text(yaml.safe_dump(scrape_config(), sort_keys=False))
    return [
        binary(),
        f"--config.file={config}",
        f"--storage.tsdb.path={directory / 'data'}",
        "--storage.tsdb.retention.time=2d",
        f"--web.listen-address=127.0.0.1:{PORT}",
        "--web.enable-lifecycle",
    ]
