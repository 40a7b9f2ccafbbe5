"""`hourbank load-compare`: the CPU per lifecycle of runs with and without the recorded field."""

from pathlib import Path

from hourbank_stack.load_compare import chart, core_seconds, table


def rate(offered: float, throughput: float, cores: dict[str, float], **extra: float) -> dict:
    return {
        "offered": offered,
        "throughput": throughput,
        "commits_per_lifecycle": 30.0,
        "latency_ms": {},
        "processes": {name: {"cpu_pct": pct, "rss_mib": 100.0} for name, pct in cores.items()},
        **extra,
    }


def test_core_seconds_leave_the_load_generator_out() -> None:
    old = rate(4, 4.0, {"requests-api": 100.0, "kafka": 60.0, "load-generator": 40.0})
    assert core_seconds(old) == 0.4
    new = rate(4, 4.0, {"requests-api": 10.0}, core_seconds_per_lifecycle=0.125)
    assert core_seconds(new) == 0.125


def test_the_table_and_chart_name_every_run(tmp_path: Path) -> None:
    runs = {
        "before": {"rates": [rate(4, 4.0, {"a": 160.0})]},
        "after": {"rates": [rate(4, 4.0, {"a": 80.0}), rate(8, 8.0, {"a": 160.0})]},
    }
    text = table(runs)
    assert "| before | 4 | 4.00 | 0.00 | 0.400 |" in text
    assert "| after | 8 | 8.00 | 0.00 | 0.200 |" in text
    chart(runs, tmp_path / "cmp.png")
    assert (tmp_path / "cmp.png").stat().st_size > 1000
