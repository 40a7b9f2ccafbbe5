"""What a domain refuses, by kind; `service_app` answers each with its problem+json status.

Pure Python, so domain modules may raise them without knowing about HTTP.
"""


class DomainError(Exception):
    def __init__(self, detail: str, **extensions: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotVisible(DomainError):
    """The caller may not see it (or it does not exist): 404."""


class Forbidden(DomainError):
    """The caller sees it but may not do this: 403."""


class NotAllowedNow(DomainError):
    """Not allowed in the current status (which the detail names): 409."""


class InvalidInput(DomainError):
    """Input that passed the schema but breaks a business rule: 422."""
