from datetime import timedelta

from hourbank_shared.clock import BusinessTime, FixedClock


def test_business_windows_shrink_with_the_time_scale() -> None:
    clock = FixedClock()
    assert BusinessTime(clock, 1).window(24) == timedelta(hours=24)
    assert BusinessTime(clock, 3600).window(24) == timedelta(seconds=24)
    assert BusinessTime(clock, 3600).deadline(48) == clock.now() + timedelta(seconds=48)
