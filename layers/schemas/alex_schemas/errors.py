"""The one error tree of alex-data: each error carries its envelope `code`, a `message` for the
caller and whether a retry may help (`retryable`).

The function raises these (the gateway translates botocore's errors into them once, operations
raise them for what the data says) and the handler answers each as the error envelope
`{"ok": false, "error": {"code", "message", "retryable"}}`, whatever module raised it;
`DataClient` rebuilds the same exception from that envelope with `DataError.from_info`.
Messages name what was wrong, never SQL, ARNs, stack traces or the values sent. `detail` is
for the raiser's log only (e.g. a SQLSTATE and PostgreSQL's primary message, never the
statement's parameter values): it is not part of the envelope.
"""

import enum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ConflictError",
    "DataError",
    "ErrorCode",
    "ErrorInfo",
    "InternalError",
    "NotFoundError",
    "UnavailableError",
    "ValidationFailedError",
]


class ErrorCode(enum.StrEnum):
    VALIDATION_ERROR = "ValidationError"
    NOT_FOUND = "NotFound"
    CONFLICT = "Conflict"
    UNAVAILABLE = "Unavailable"
    INTERNAL = "Internal"


# Only a database that is resuming, throttled or briefly unreachable gets better by waiting.
RETRYABLE_BY_DEFAULT = frozenset({ErrorCode.UNAVAILABLE})

# Every answer model (results, envelopes, this error): a reader ignores fields it does not know
# (the function may answer a new one before every caller's layer has it), and every field is
# always written, so the exported (serialization) schemas require them.
ANSWER_CONFIG = ConfigDict(
    defer_build=True,
    extra="ignore",
    frozen=True,
    json_schema_serialization_defaults_required=True,
)


class ErrorInfo(BaseModel):
    """The `error` of an error envelope."""

    model_config = ANSWER_CONFIG

    code: ErrorCode
    message: str
    retryable: bool = False


class DataError(Exception):
    """Base of every error alex-data reports on purpose; subclasses name the code."""

    code: ClassVar[ErrorCode] = ErrorCode.INTERNAL

    def __init__(
        self, message: str, *, retryable: bool | None = None, detail: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = self.code in RETRYABLE_BY_DEFAULT if retryable is None else retryable
        self.detail = detail

    @property
    def info(self) -> ErrorInfo:
        return ErrorInfo(code=self.code, message=self.message, retryable=self.retryable)

    @staticmethod
    def from_info(info: ErrorInfo) -> "DataError":
        return _BY_CODE[info.code](info.message, retryable=info.retryable)


class ValidationFailedError(DataError):
    """The request (or a value in it) breaks a rule: a vocabulary, a range, a constraint."""

    code = ErrorCode.VALIDATION_ERROR


class NotFoundError(DataError):
    """The thing does not exist, or belongs to another user (which the caller must not learn)."""

    code = ErrorCode.NOT_FOUND


class ConflictError(DataError):
    """The request contradicts the stored state, e.g. an illegal job status transition."""

    code = ErrorCode.CONFLICT


class UnavailableError(DataError):
    """The database could not answer now (resuming, throttled, timed out): try again later."""

    code = ErrorCode.UNAVAILABLE


class InternalError(DataError):
    """A fault on our side (a bug or a misconfiguration); retrying the same request won't help."""

    code = ErrorCode.INTERNAL


_BY_CODE: dict[ErrorCode, type[DataError]] = {
    cls.code: cls
    for cls in (
        ValidationFailedError,
        NotFoundError,
        ConflictError,
        UnavailableError,
        InternalError,
    )
}
