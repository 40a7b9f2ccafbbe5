"""The fault campaign's recovery figures, over a timeline given outright."""

from collections.abc import Mapping, Sequence

import pytest

from hourbank_shared.kafka_access import ACCESS
from hourbank_stack.campaign_checks import FAUST_GROUP, stack_groups
from hourbank_stack.campaign_recovery import (
    PUBLISHER,
    FaultRecord,
    Figures,
    faults_by_kind,
    recovery,
    recovery_time,
    silences,
    table,
)
from hourbank_stack.supervisor import CONSUMER_GROUPS
from hourbank_stack.topology import SERVICES


class FakeTimeline:
    def __init__(self, seen: Mapping[str, Sequence[float]]) -> None:
        self._seen = seen

    def seen(self) -> Mapping[str, Sequence[float]]:
        return self._seen


def kill(target: str, at: float) -> FaultRecord:
    return FaultRecord("sigkill", target, (target.split("-")[0],), at, at)


def restart(target: str, at: float, back: float) -> FaultRecord:
    return FaultRecord(f"restart-{target}", target, SERVICES, at, back)


def test_a_fault_recovers_at_the_first_record_of_an_affected_service_after_healing() -> None:
    seen = {"escrow": [9.0, 10.0, 12.5, 20.0], "requests": [10.5, 11.0]}
    # 10.0 is not after the healing at 10.0; requests is not affected
    assert recovery_time(kill("escrow-consume-2", 10.0), seen) == 2.5
    # an infra fault: the first of any service after it came back
    assert recovery_time(restart("kafka", 5.0, 10.2), seen) == pytest.approx(0.3)


def test_no_record_after_healing_is_not_recovered() -> None:
    seen = {"escrow": [1.0, 2.0], "disputes": [30.0]}
    assert recovery_time(kill("escrow-relay", 2.0), seen) is None
    assert recovery_time(kill("notifications-worker-2", 0.0), seen) is None


def test_figures_per_kind_count_the_faults_that_did_not_recover() -> None:
    escrow = [float(t) for t in range(1, 101)]  # a record every second from 1 to 100
    timeline = FakeTimeline({"escrow": escrow, "requests": [50.25]})
    faults = [kill("escrow-api", at + 0.5) for at in range(1, 100)]  # each recovers in 0.5 s
    faults.append(kill("escrow-consume", 100.0))  # nothing after it
    faults.append(restart("postgresql", 40.0, 50.0))  # requests at 50.25, escrow at 51
    faults.append(restart("postgresql", 60.0, 200.0))  # nothing after 200
    figures = recovery(faults, timeline)
    assert list(figures) == ["restart-postgresql", "sigkill"]
    assert figures["sigkill"] == Figures(100, 99, 0.5, 0.5, 0.5)
    assert figures["sigkill"].not_recovered == 1
    assert figures["restart-postgresql"] == Figures(2, 1, 0.25, 0.25, 0.25)


def test_percentiles_are_over_the_recovered_faults() -> None:
    times = {"disputes": [float(t) for t in range(101)]}
    # a record every second: nine faults recover in 0.5 s, the one healed at 0.0 in 1 s
    faults = [kill("disputes-api", 0.0)] + [kill("disputes-api", n + 0.5) for n in range(9)]
    faults += [FaultRecord("slow", "disputes-api", ("disputes",), 0.0, -9.0)]
    figures = recovery(faults, FakeTimeline(times))
    assert figures["sigkill"] == Figures(10, 10, 0.5, 1.0, 1.0)
    assert figures["slow"] == Figures(1, 1, 9.0, 9.0, 9.0)


def test_a_kind_nothing_recovered_from_has_no_times() -> None:
    figures = recovery([kill("requests-api", 5.0)], FakeTimeline({"requests": [1.0]}))
    assert figures == {"sigkill": Figures(1, 0, None, None, None)}


def test_every_public_topic_has_one_publisher() -> None:
    assert PUBLISHER["hourbank.members.v1"] == PUBLISHER["hourbank.requests.v1"] == "requests"
    assert PUBLISHER["hourbank.escrow.v1"] == PUBLISHER["hourbank.ledger.v1"] == "escrow"
    assert PUBLISHER["hourbank.disputes.v1"] == "disputes"
    assert PUBLISHER["hourbank.notifications.v1"] == "notifications"


def test_faults_by_kind_keeps_each_kinds_faults_in_order() -> None:
    faults = [kill("escrow-api", 1.0), restart("kafka", 2.0, 3.0), kill("disputes-api", 4.0)]
    grouped = faults_by_kind(faults)
    assert grouped == {"restart-kafka": [faults[1]], "sigkill": [faults[0], faults[2]]}


def test_the_table_has_a_row_per_kind_and_a_dash_for_no_time() -> None:
    text = table(
        {"sigkill": Figures(1000, 998, 0.412, 3.2, 5.0), "stall": Figures(3, 0, None, None, None)}
    )
    lines = text.splitlines()
    assert lines[0].startswith("| fault kind | faults | recovered | not recovered |")
    assert lines[2] == "| sigkill | 1000 | 998 | 2 | 0.41 | 3.20 | 5.00 |"
    assert lines[3] == "| stall | 3 | 0 | 3 | — | — | — |"


def test_the_stack_groups_are_watched_on_every_topic_they_read() -> None:
    groups = stack_groups()
    assert [g.group for g in groups] == list(CONSUMER_GROUPS)
    escrow = groups[CONSUMER_GROUPS.index("escrow")]
    assert set(ACCESS["escrow"].reads) < set(escrow.topics)  # and its replay topic
    assert FAUST_GROUP == "hourbank-notifications"


def test_the_longest_silences_of_each_service_come_first() -> None:
    seen = {"notifications": [10.0, 11.0, 300.0, 301.0], "disputes": []}
    gaps = silences(seen, began=0.0, ended=400.0, top=2)
    assert gaps["notifications"] == [(11.0, 289.0), (301.0, 99.0)]
    assert gaps["disputes"] == [(0.0, 400.0)]
