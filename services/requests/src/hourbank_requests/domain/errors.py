"""What the domain refuses: the shared kinds, each answered with its HTTP status."""

from hourbank_shared.domain_errors import Forbidden, InvalidInput, NotAllowedNow, NotVisible

__all__ = ["Forbidden", "InvalidInput", "NotAllowedNow", "NotVisible"]
