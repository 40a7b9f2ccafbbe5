"""Whole-system tests: the fault-injection run goes last, since it kills processes and
restarts the broker and the database under everything else."""

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    faults = [item for item in items if "tests/faults/" in item.nodeid]
    items[:] = [item for item in items if "tests/faults/" not in item.nodeid] + faults
