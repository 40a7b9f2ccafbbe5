"""`hourbank dashboard-png`: the saga dashboard's time-series panels as one PNG, from the local
Prometheus's range API (the README's picture: render it after `hourbank load`)."""

import argparse
import time
from datetime import datetime
from pathlib import Path

from hourbank_stack.observability.dashboards import Query, legend, queries
from hourbank_stack.observability.promql import Prometheus

DASHBOARD = "saga.json"
SCALE = {"s": (1000.0, "ms"), "ops": (1.0, "per second")}
"""Grafana unit → (factor, axis label) for the picture."""


def draw(prometheus: Prometheus, minutes: float, out: Path) -> int:
    """Draw the panels over the last `minutes`; returns how many series were drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    end = time.time()
    start = end - minutes * 60
    step = max(2.0, minutes * 60 / 300)
    panels: dict[str, list[Query]] = {}
    for query in queries(DASHBOARD):
        if query.kind == "timeseries":
            panels.setdefault(query.panel, []).append(query)
    columns = 2
    rows = (len(panels) + columns - 1) // columns
    figure, axes = plt.subplots(rows, columns, figsize=(14, 3.6 * rows), squeeze=False)
    drawn = 0
    for axis, (title, panel) in zip(axes.flat, panels.items(), strict=False):
        factor, label = SCALE.get(panel[0].unit, (1.0, ""))
        for query in panel:
            for series in prometheus.query_range(query.expr, start, end, step):
                times = [datetime.fromtimestamp(t) for t, _ in series.points]
                values = [v * factor for _, v in series.points]
                dashed = "objective" in query.legend
                axis.plot(
                    times,
                    values,
                    linestyle="--" if dashed else "-",
                    linewidth=1 if dashed else 1.5,
                    label=legend(query.legend, series.labels),
                )
                drawn += 1
        if panel[0].unit == "s" and axis.lines:
            axis.set_yscale("log")  # p50, p99 and the objective differ by orders of magnitude
        axis.set_title(title, fontsize=10)
        axis.set_ylabel(label)
        axis.grid(alpha=0.3)
        axis.tick_params(labelsize=8)
        if axis.lines:
            axis.legend(fontsize=7, loc="upper left", ncol=2)
    for axis in list(axes.flat)[len(panels) :]:
        axis.set_visible(False)
    figure.suptitle(f"HourBank / Saga — the last {minutes:g} minutes (local Prometheus)")
    figure.autofmt_xdate()
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=90)
    plt.close(figure)
    return drawn


def main(args: argparse.Namespace) -> None:
    prometheus = Prometheus(args.prometheus)
    try:
        drawn = draw(prometheus, args.minutes, args.out)
    finally:
        prometheus.close()
    if drawn == 0:
        raise SystemExit("hourbank: Prometheus returned no series (run `hourbank load` first?)")
    print(f"{args.out}: {drawn} series")
