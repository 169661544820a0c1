"""The answer to a direct invoke: `{"ok": true, "result": ...}` or `{"ok": false, "error": ...}`.

Both sides use these: the function builds envelopes with `ok()` / `error()`, callers read
them with `parse_envelope()`; `DataError.from_info()` turns an error into the matching
exception (`NotFoundError`, ...), which is what `DataClient.call` raises.
"""

import enum
import json
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, JsonValue

from alex_schemas.results import Result

__all__ = [
    "ConflictError",
    "DataError",
    "Envelope",
    "ErrorCode",
    "ErrorEnvelope",
    "ErrorInfo",
    "InternalError",
    "NotFoundError",
    "OkEnvelope",
    "UnavailableError",
    "ValidationFailedError",
    "error",
    "ok",
    "parse_envelope",
]

R = TypeVar("R", bound=Result)


class ErrorCode(enum.StrEnum):
    VALIDATION_ERROR = "ValidationError"
    NOT_FOUND = "NotFound"
    CONFLICT = "Conflict"
    UNAVAILABLE = "Unavailable"
    INTERNAL = "Internal"


# Only a database that is resuming, throttled or briefly unreachable gets better by waiting.
_RETRYABLE_BY_DEFAULT = frozenset({ErrorCode.UNAVAILABLE})


class ErrorInfo(BaseModel):
    model_config = ConfigDict(
        defer_build=True,
        extra="ignore",
        frozen=True,
        json_schema_serialization_defaults_required=True,
    )

    code: ErrorCode
    message: str
    retryable: bool = False


class OkEnvelope(BaseModel, Generic[R]):
    model_config = ConfigDict(
        defer_build=True,
        extra="ignore",
        frozen=True,
        json_schema_serialization_defaults_required=True,
    )

    ok: Literal[True] = True
    result: R


class ErrorEnvelope(BaseModel):
    model_config = ConfigDict(
        defer_build=True,
        extra="ignore",
        frozen=True,
        json_schema_serialization_defaults_required=True,
    )

    ok: Literal[False] = False
    error: ErrorInfo


Envelope = OkEnvelope[R] | ErrorEnvelope


def ok(result: Result) -> dict[str, JsonValue]:
    """The JSON-ready ok envelope (decimals as strings, datetimes ISO 8601 UTC)."""
    return {"ok": True, "result": result.model_dump(mode="json")}


def error(code: ErrorCode, message: str, *, retryable: bool | None = None) -> dict[str, JsonValue]:
    """The JSON-ready error envelope; `retryable` defaults to true for Unavailable only."""
    info = ErrorInfo(
        code=code,
        message=message,
        retryable=code in _RETRYABLE_BY_DEFAULT if retryable is None else retryable,
    )
    return {"ok": False, "error": info.model_dump(mode="json")}


def parse_envelope(
    payload: str | bytes | bytearray | Mapping[str, Any], result_model: type[R]
) -> OkEnvelope[R] | ErrorEnvelope:
    """Read an envelope; an `ok` envelope's result is validated as `result_model`.

    Anything that is not an envelope raises `InternalError`: the caller cannot act on it.
    """
    data: Any = payload
    if isinstance(payload, str | bytes | bytearray):
        try:
            data = json.loads(payload)
        except ValueError as exc:
            raise InternalError(f"answer is not JSON: {exc}") from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("ok"), bool):
        raise InternalError(f"answer is not an envelope: {str(data)[:200]}")
    if data["ok"]:
        return OkEnvelope[result_model].model_validate(data)  # type: ignore[valid-type]
    return ErrorEnvelope.model_validate(data)


# --- exceptions, one per code ------------------------------------------------------------


class DataError(Exception):
    """An error envelope as an exception; subclasses name the code."""

    code: ClassVar[ErrorCode] = ErrorCode.INTERNAL

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = self.code in _RETRYABLE_BY_DEFAULT if retryable is None else retryable

    @property
    def info(self) -> ErrorInfo:
        return ErrorInfo(code=self.code, message=self.message, retryable=self.retryable)

    @staticmethod
    def from_info(info: ErrorInfo) -> "DataError":
        return _BY_CODE[info.code](info.message, retryable=info.retryable)


class ValidationFailedError(DataError):
    code = ErrorCode.VALIDATION_ERROR


class NotFoundError(DataError):
    code = ErrorCode.NOT_FOUND


class ConflictError(DataError):
    code = ErrorCode.CONFLICT


class UnavailableError(DataError):
    code = ErrorCode.UNAVAILABLE


class InternalError(DataError):
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
