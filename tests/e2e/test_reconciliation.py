"""The ledger after everything the run did (conftest runs this test last): every invariant of
SPEC §3 holds."""

import pytest

from hourbank_stack.client import Caller

pytestmark = pytest.mark.integration


def test_ledger_reconciles_after_the_run(admin: Caller) -> None:
    report = admin.get("/v1/ledger/reconciliation")
    assert report["violations"] == []
    assert report["ok"] is True
    assert report["accounts"] >= 2
    assert report["transactions"] >= 1
