"""Domain errors. They carry no HTTP status: the API layer maps them."""


class SvcalcError(ValueError):
    """Base class for every error the core raises."""


class ProposalError(SvcalcError):
    """A proposal is inconsistent (e.g. a per-year list of the wrong length)."""

    def __init__(self, message: str, pointer: str = "#") -> None:
        super().__init__(message)
        self.pointer = pointer
