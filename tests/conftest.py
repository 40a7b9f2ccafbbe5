"""Whole-system tests go last: the e2e tests (which start a stack and leave it up until the
session ends) after the saga tests (which need the contract's topics to themselves), and the
fault-injection run after everything, since it kills processes and restarts the broker and
the database under everything else."""

import pytest


def _rank(item: pytest.Item) -> int:
    if "tests/faults/" in item.nodeid:
        return 2
    return 1 if "tests/e2e/" in item.nodeid else 0


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_rank)  # stable: each group keeps its order
