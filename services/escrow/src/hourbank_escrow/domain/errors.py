"""Errors the domain raises when it is called with what no valid event could carry.

Business refusals (not enough hours, wrong status) are not errors: they are `Outcome`s, often
with a failure event for the saga. These exceptions mean a caller or a contract is broken, so a
consumer should let the message go to its dead-letter topic.
"""


class EscrowDomainError(Exception):
    """Base of the escrow domain's errors."""


class InvalidAmount(EscrowDomainError, ValueError):
    """An amount that is not whole hundredths of an hour, or outside what the rule allows."""


class UnbalancedTransaction(EscrowDomainError):
    """A ledger transaction whose postings do not sum to zero, or that is malformed."""


class UnknownAccount(EscrowDomainError):
    """A posting names an account the command did not load."""


class NotAllowed(EscrowDomainError):
    """An admin acting on their own account, or approving their own adjustment."""
