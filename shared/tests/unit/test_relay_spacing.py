"""How long a busy relay lets rows gather before its next Kafka transaction."""

from typing import cast

import pytest

from hourbank_shared.outbox import SqlOutboxStore
from hourbank_shared.relay.core import Relay, RelayConfig


def relay(**config: float) -> Relay:
    settings = RelayConfig("spacing", "127.0.0.1:1", "postgresql://x/y", **config)  # type: ignore[arg-type]
    return Relay(settings, cast(SqlOutboxStore, object()))


@pytest.mark.parametrize(
    ("published", "seconds"), [(1, 0.02), (2, 0.04), (5, 0.1), (10, 0.2), (11, 0.2), (500, 0.2)]
)
def test_the_spacing_grows_with_the_previous_batch_up_to_its_maximum(
    published: int, seconds: float
) -> None:
    assert relay().spacing(published) == pytest.approx(seconds)


def test_the_spacing_follows_the_settings() -> None:
    assert relay(coalesce=0.01, coalesce_max=0.05).spacing(3) == pytest.approx(0.03)
    assert relay(coalesce=0.01, coalesce_max=0.05).spacing(30) == pytest.approx(0.05)
    assert relay(coalesce=0.0).spacing(30) == 0.0
