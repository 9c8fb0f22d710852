"""Domain errors: what went wrong, in words and a stable code, never an HTTP status.

Domain modules raise these; `service.web.http_errors` maps each class to a status in one place and
the CLI maps them to exit codes in one helper (`service.cli._domain_fail`).
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """`code`: a stable machine-readable word; `message`: why; `details`: what helps fix it."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details
        if code is not None:
            self.code = code


class NotFound(DomainError):
    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the stored state (exists, retracted, raced)."""

    code = "conflict"


class Invalid(DomainError):
    """Well-formed input whose content is wrong (a name, an entry, an import line)."""

    code = "invalid"


class Malformed(DomainError):
    """Input that cannot even be read (a cursor this service did not make, a wrong encoding)."""

    code = "bad_request"


class TooLarge(DomainError):
    code = "too_large"


class PreconditionRequired(DomainError):
    """A change that needs the caller to say which version it read."""

    code = "precondition_required"


class PreconditionFailed(DomainError):
    """The caller read an older version; `current` is the version tag now stored."""

    code = "precondition_failed"

    def __init__(self, message: str, *, current: str) -> None:
        super().__init__(message)
        self.current = current


class Unauthorized(DomainError):
    """No valid credentials; `challenge` names the scheme to ask for (None: do not ask)."""

    code = "unauthorized"

    def __init__(
        self, message: str, *, code: str | None = None, challenge: str | None = "Bearer"
    ) -> None:
        super().__init__(message, code=code)
        self.challenge = challenge


class Forbidden(DomainError):
    code = "forbidden"


class ModelMissing(Conflict):
    """No translation model is installed for the language pair asked for."""

    code = "model_missing"


class TooManyRequests(DomainError):
    """A rate limit was reached; `retry_after`: seconds until the caller may try again."""

    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after
