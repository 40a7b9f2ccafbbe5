"""`hourbank load-compare`: runs of `hourbank load` side by side (before and after a change,
measured on the same machine in the same session): one chart and one table."""

import json
from pathlib import Path
from typing import Any

from hourbank_stack.lifecycle import STEPS
from hourbank_stack.load import LOAD_GENERATOR


def read(path: Path) -> dict[str, Any]:
    report: dict[str, Any] = json.loads(path.read_text())
    return report


def system_cores(rate: dict[str, Any]) -> float:
    processes: dict[str, dict[str, float]] = rate.get("processes", {})
    return sum(p["cpu_pct"] for name, p in processes.items() if name != LOAD_GENERATOR) / 100


def core_seconds(rate: dict[str, Any]) -> float:
    """Per completed lifecycle; runs from before the field existed are computed the same way."""
    if rate.get("core_seconds_per_lifecycle"):
        return float(rate["core_seconds_per_lifecycle"])
    return system_cores(rate) / max(float(rate["throughput"]), 0.001)


def table(runs: dict[str, dict[str, Any]]) -> str:
    """A markdown table: one row per run and offered rate."""
    head = (
        "| run | offered /s | completed /s | refused /s | core-s per lifecycle | commits | "
        f"{STEPS[0]} p50 / p99 ms | {STEPS[2]} p50 / p99 ms |\n"
        "|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for label, report in runs.items():
        for r in report["rates"]:
            lat = r["latency_ms"]
            submit, paid = lat.get(STEPS[0], {}), lat.get(STEPS[2], {})
            rows.append(
                f"| {label} | {r['offered']:g} | {r['throughput']:.2f} | "
                f"{r.get('refused_per_s', 0.0):.2f} | {core_seconds(r):.3f} | "
                f"{r['commits_per_lifecycle']:.1f} | "
                f"{submit.get('p50', 0):.0f} / {submit.get('p99', 0):.0f} | "
                f"{paid.get('p50', 0):.0f} / {paid.get('p99', 0):.0f} |"
            )
    return head + "\n".join(rows) + "\n"


def chart(runs: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (through, cost, latency) = plt.subplots(1, 3, figsize=(16, 4.5))
    top = 0.0
    for label, report in runs.items():
        rates = report["rates"]
        offered = [r["offered"] for r in rates]
        top = max(top, *offered)
        through.plot(offered, [r["throughput"] for r in rates], "o-", label=label)
        cost.plot(offered, [core_seconds(r) for r in rates], "o-", label=label)
        p99 = [r["latency_ms"].get(STEPS[0], {}).get("p99", float("nan")) for r in rates]
        latency.plot(offered, p99, "o-", label=label)
    through.plot([0, top], [0, top], "--", color="grey", label="offered")
    through.set(xlabel="offered lifecycles/s", ylabel="completed lifecycles/s", title="Throughput")
    cost.set(xlabel="offered lifecycles/s", ylabel="core-seconds", title="CPU per lifecycle")
    latency.set(xlabel="offered lifecycles/s", ylabel="ms", title=f"{STEPS[0]} p99", yscale="log")
    for ax in (through, cost, latency):
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def compare(labelled: list[str], out: Path) -> None:
    """`labelled`: `label=path/to/load.json` each; writes `out` (PNG) and prints the table."""
    runs = {}
    for item in labelled:
        label, _, path = item.partition("=")
        runs[label] = read(Path(path))
    chart(runs, out)
    print(table(runs))
