"""The fault campaign's schedule: the same seed gives the same faults, two faults never
overlap on a target, and a written schedule replays as it was."""

from pathlib import Path

import pytest

from hourbank_stack.campaign import KINDS, PRESETS, load, parse_counts, save, schedule

PROCESSES = [
    "requests-api",
    "requests-api-2",
    "requests-deadlines",
    "requests-deadlines-2",
    "escrow-consume",
    "escrow-consume-2",
]


def test_the_same_seed_gives_the_same_schedule_and_another_seed_another() -> None:
    counts = {"kill": 30, "freeze": 10, "cut-kafka": 10, "restart-broker": 3}
    first = schedule(counts, 300, PROCESSES, True, seed=5)
    assert first == schedule(counts, 300, PROCESSES, True, seed=5)
    assert first != schedule(counts, 300, PROCESSES, True, seed=6)
    assert sorted(f.at for f in first) == [f.at for f in first]


def test_faults_on_one_target_never_overlap() -> None:
    faults = schedule(PRESETS["short"], 400, PROCESSES, True, seed=1)
    assert len(faults) == 20 * len(KINDS)
    busy: dict[str, float] = {}
    for fault in faults:
        assert fault.at >= busy.get(fault.target, 0.0), fault
        busy[fault.target] = fault.at + fault.seconds + KINDS[fault.kind].gap
    jumps = {f.target for f in faults if f.kind == "clock-jump"}
    assert jumps == {"requests-deadlines", "requests-deadlines-2"}


def test_without_the_lab_there_are_no_network_faults_or_clock_jumps() -> None:
    faults = schedule({"cut-kafka": 5, "clock-jump": 5, "kill": 5}, 60, PROCESSES, False, 1)
    assert {f.kind for f in faults} == {"kill"}


def test_a_saved_schedule_loads_as_it_was(tmp_path: Path) -> None:
    faults = schedule({"kill": 5, "slow-broker": 2}, 60, PROCESSES, True, seed=3)
    save(tmp_path / "s.json", faults, {"seed": 3, "lifecycles": 10, "rate": 1.0})
    again, meta = load(tmp_path / "s.json")
    assert again == faults
    assert meta["seed"] == 3


@pytest.mark.parametrize("text", ["kill", "meteor=3", "kill=x"])
def test_unknown_kinds_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="kind"):
        parse_counts(text)
