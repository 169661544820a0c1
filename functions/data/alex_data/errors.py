"""The domain errors: a small tree, each carrying its envelope `code` and whether a retry may help.

Raised by the gateway (translated from botocore once, `raise ... from exc`) and by operations;
the handler turns them into the error envelope for a direct invoke, or into a failed SQS record.
Messages are meant for the caller: they name what was wrong, never SQL, ARNs or stack traces.
`detail` is for the function's log only: the underlying cause (e.g. a SQLSTATE and PostgreSQL's
primary message), never the statement's parameter values.
"""

from __future__ import annotations

from typing import ClassVar

from alex_schemas.envelope import ErrorCode

__all__ = [
    "Conflict",
    "DataError",
    "ErrorCode",
    "InternalError",
    "InvalidInput",
    "NotFound",
    "Unavailable",
]


class DataError(Exception):
    """Base of every error the data function reports on purpose."""

    code: ClassVar[ErrorCode] = ErrorCode("Internal")
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class InvalidInput(DataError):
    """The request (or a value in it) breaks a rule: a vocabulary, a range, a constraint."""

    code = ErrorCode("ValidationError")


class NotFound(DataError):
    """The thing does not exist, or belongs to another user (which the caller must not learn)."""

    code = ErrorCode("NotFound")


class Conflict(DataError):
    """The request contradicts the stored state, e.g. an illegal job status transition."""

    code = ErrorCode("Conflict")


class Unavailable(DataError):
    """The database could not answer now (resuming, throttled, timed out): try again later."""

    code = ErrorCode("Unavailable")
    retryable = True


class InternalError(DataError):
    """A fault on our side (a bug or a misconfiguration); retrying the same request won't help."""

    code = ErrorCode("Internal")
