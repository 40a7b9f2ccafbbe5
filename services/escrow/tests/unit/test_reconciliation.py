from dataclasses import replace
from uuid import uuid4

from hourbank_escrow.domain import Account, Check, Posting, SystemAccount, Transaction, reconcile
from hourbank_shared.contracts.enums import DisputeResolution, HoldStatus, TransactionType

from .bank import NOW, Scene, h

ESCROW, FUND = SystemAccount.ESCROW, SystemAccount.COMMUNITY_FUND


def busy_scene() -> Scene:
    """Holds in every status, a bonus, an adjustment: a ledger with something of everything."""
    scene = Scene().into(HoldStatus.HELD)
    bank = scene.bank
    for finish in (
        lambda s: s.release("0.50"),
        lambda s: s.refund(),
        lambda s: (s.freeze(), s.settle(DisputeResolution.SPLIT, "0.30")),
        lambda s: s.freeze(),
    ):
        other = Scene()
        other.bank = bank
        other.requester, other.provider = scene.provider, scene.requester
        other.hold = bank.new_hold(other.requester, other.provider)
        other.place("0.80")
        finish(other)
    return scene


def checks(scene: Scene) -> set[Check]:
    return {violation.check for violation in scene.bank.report().violations}


def test_a_busy_ledger_reconciles_clean() -> None:
    scene = busy_scene()
    report = scene.bank.report()
    assert report.ok, report.violations
    assert (report.accounts, report.holds) == (4, 5)
    assert scene.bank.account(ESCROW).total == h("2.80")


def test_an_account_whose_total_drifted_from_its_entries() -> None:
    scene = busy_scene()
    scene.bank.account(scene.requester).total += h("0.01")
    assert checks(scene) == {Check.LEDGER_SUM, Check.ACCOUNT_POSTINGS, Check.TOTAL_ENTRIES}


def test_escrowed_hours_that_no_open_hold_explains() -> None:
    scene = busy_scene()
    account = scene.bank.account(scene.requester)
    account.total += h("1.00")
    account.escrowed += h("1.00")
    assert Check.ESCROWED_HOLDS in checks(scene)
    assert Check.TOTAL_ENTRIES in checks(scene)


def test_available_below_the_credit_limit() -> None:
    scene = Scene(bonus="1.00", credit_limit="1.00").into(HoldStatus.HELD)
    assert scene.bank.report().ok
    scene.bank.account(scene.requester).credit_limit = h("0.99")
    [violation] = scene.bank.report().violations
    assert violation.check is Check.CREDIT_LIMIT
    assert "-1.00" in violation.detail


def test_a_hold_paid_out_twice() -> None:
    scene = Scene().into(HoldStatus.HELD)
    scene.release("1.00")
    bank = scene.bank
    release = next(t for t in bank.transactions if t.type is TransactionType.ESCROW_RELEASE)
    bank.transactions.append(replace(release, id=uuid4()))
    found = checks(scene)
    assert {Check.RESOLVED_ONCE, Check.SPLIT_SUM} <= found


def test_a_split_whose_parts_do_not_sum_to_the_hold() -> None:
    scene = Scene().into(HoldStatus.FROZEN)
    scene.settle(DisputeResolution.SPLIT, "0.70")
    scene.hold.requester_refund = h("1.20")
    parts, ledger = scene.bank.report().violations
    assert parts.check is ledger.check is Check.SPLIT_SUM
    assert parts.detail == "0.70 + 1.20 do not sum to 2.00"
    assert ledger.detail == "the ledger paid 0.70 to the provider and 1.30 back, not 0.70 and 1.20"


def test_a_hold_marked_resolved_that_never_paid_out() -> None:
    scene = Scene().into(HoldStatus.HELD)
    scene.hold.status = HoldStatus.RELEASED
    found = checks(scene)
    assert {Check.RESOLVED_ONCE, Check.ESCROWED_HOLDS, Check.SPLIT_SUM} <= found


def test_an_entry_missing_from_a_members_history() -> None:
    scene = Scene().into(HoldStatus.HELD)
    hold_entry = next(e for e in scene.bank.entries if e.member_id == scene.requester)
    scene.bank.entries.remove(hold_entry)
    assert Check.ENTRY_CHAIN in checks(scene)


def test_hours_moved_for_a_request_without_a_hold_or_an_account() -> None:
    scene = Scene().into(HoldStatus.HELD)
    stray = uuid4()
    scene.bank.transactions.append(
        Transaction(
            TransactionType.ADMIN_ADJUSTMENT,
            (Posting(FUND, h("-1")), Posting(stray, h("1"))),
            NOW,
            request_id=uuid4(),
        )
    )
    found = {(v.check, v.subject) for v in scene.bank.report().violations}
    assert (Check.ACCOUNT_POSTINGS, str(stray)) in found
    assert Check.RESOLVED_ONCE in {check for check, _ in found}


def test_a_missing_system_account_unbalances_the_ledger() -> None:
    scene = Scene().into(HoldStatus.HELD)
    accounts = [a for a in scene.bank.accounts.values() if a.ref is not ESCROW]
    report = reconcile(accounts, scene.bank.transactions, scene.bank.entries, [scene.hold])
    assert Check.LEDGER_SUM in {v.check for v in report.violations}
    assert not report.ok


def test_an_empty_ledger_is_clean() -> None:
    report = reconcile([Account(FUND), Account(ESCROW)], [], [], [])
    assert report.ok
