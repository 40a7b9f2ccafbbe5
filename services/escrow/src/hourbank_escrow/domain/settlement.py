"""How a resolved hold is divided: the provider's part and the requester's refund, which always
sum exactly to the hours held (they are computed by subtraction, never rounded separately)."""

from dataclasses import dataclass
from decimal import Decimal

from hourbank_escrow.domain.amounts import ZERO, non_negative_cents
from hourbank_escrow.domain.errors import InvalidAmount
from hourbank_shared.contracts.enums import DisputeResolution


@dataclass(frozen=True)
class Split:
    to_provider: Decimal
    to_requester: Decimal

    @classmethod
    def paying(cls, provider_amount: Decimal, held: Decimal) -> "Split":
        """The provider gets `provider_amount` (at most what is held); the rest goes back."""
        to_provider = non_negative_cents(provider_amount)
        if to_provider > held:
            raise InvalidAmount(f"cannot pay {to_provider} h out of a hold of {held} h")
        return cls(to_provider, held - to_provider)

    def check_refund(self, requester_refund: Decimal | None) -> "Split":
        """When the caller also states the refund, it must be the exact rest."""
        if requester_refund is not None and requester_refund != self.to_requester:
            raise InvalidAmount(
                f"{self.to_provider} h to the provider leaves {self.to_requester} h to refund, "
                f"not {requester_refund} h"
            )
        return self


def resolution_split(
    resolution: DisputeResolution,
    held: Decimal,
    provider_amount: Decimal | None,
    requester_refund: Decimal | None = None,
) -> Split:
    """PAY_PROVIDER pays all, REFUND_REQUESTER refunds all, SPLIT pays `provider_amount`.

    Amounts given with PAY_PROVIDER or REFUND_REQUESTER must agree with that resolution.
    """
    if resolution is DisputeResolution.SPLIT:
        if provider_amount is None:
            raise InvalidAmount("a SPLIT resolution needs the provider's amount")
        return Split.paying(provider_amount, held).check_refund(requester_refund)
    to_provider = held if resolution is DisputeResolution.PAY_PROVIDER else ZERO
    if provider_amount is not None and provider_amount != to_provider:
        raise InvalidAmount(f"{resolution} pays the provider {to_provider}, not {provider_amount}")
    return Split.paying(to_provider, held).check_refund(requester_refund)
