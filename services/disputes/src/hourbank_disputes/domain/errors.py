"""What the domain refuses; the API maps each kind to its HTTP status."""


class DisputesDomainError(Exception):
    def __init__(self, detail: str, **extensions: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotVisible(DisputesDomainError):
    """The caller may not see it (or it does not exist): 404."""


class Forbidden(DisputesDomainError):
    """The caller sees it but may not do this: 403."""


class NotAllowedNow(DisputesDomainError):
    """Not allowed in the current status (which the detail names): 409."""


class InvalidInput(DisputesDomainError):
    """Input that passed the schema but breaks a business rule: 422."""
