"""The answer to a direct invoke: `{"ok": true, "result": ...}` or `{"ok": false, "error": ...}`.

Both sides use these: the function builds envelopes with `ok()` / `error()`, callers read
them with `parse_envelope()`. Its `error` is an `alex_schemas.errors.ErrorInfo`, which
`DataError.from_info()` turns into the matching exception (`NotFoundError`, ...): what
`DataClient.call` raises.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, JsonValue, ValidationError

from alex_schemas.errors import (
    ANSWER_CONFIG,
    RETRYABLE_BY_DEFAULT,
    ErrorCode,
    ErrorInfo,
    InternalError,
)
from alex_schemas.results import Result

__all__ = [
    "NATIVE_READ_BYTES",
    "Envelope",
    "ErrorCode",
    "ErrorEnvelope",
    "ErrorInfo",
    "OkEnvelope",
    "ResultJson",
    "error",
    "ok",
    "ok_json",
    "parse_envelope",
]

R = TypeVar("R", bound=Result)

# An answer this large or larger is read in one native pass: building that validator costs
# ~1.5 ms once per result type (a cold start pays it on its first such answer), and reading
# ~0.02 ms less per KiB of answer pays it back within a few answers; a smaller answer is read by
# the model's own validator (a GetUser's: 60 us against 30 us).
NATIVE_READ_BYTES = 16 * 1024


class OkEnvelope(BaseModel, Generic[R]):
    model_config = ANSWER_CONFIG

    ok: Literal[True] = True
    result: R


class ErrorEnvelope(BaseModel):
    model_config = ANSWER_CONFIG

    ok: Literal[False] = False
    error: ErrorInfo


Envelope = OkEnvelope[R] | ErrorEnvelope


def ok(result: Result) -> dict[str, JsonValue]:
    """The JSON-ready ok envelope (decimals as strings, datetimes ISO 8601 UTC)."""
    return {"ok": True, "result": result.model_dump(mode="json")}


@dataclass(frozen=True, slots=True)
class ResultJson:
    """A result already written: the JSON `model` writes for a value it validated, byte for
    byte (`alex_schemas.json_validators.json_answer_codec`)."""

    model: type[Result]
    json: bytes


def ok_json(result: Result | ResultJson) -> bytes:
    """`ok(result)` as JSON bytes, serialized once by pydantic-core (non-ASCII as UTF-8)."""
    written = (
        result.json
        if isinstance(result, ResultJson)
        else result.__pydantic_serializer__.to_json(result)
    )
    return b'{"ok":true,"result":' + written + b"}"


def error(code: ErrorCode, message: str, *, retryable: bool | None = None) -> dict[str, JsonValue]:
    """The JSON-ready error envelope; `retryable` defaults to true for Unavailable only."""
    info = ErrorInfo(
        code=code,
        message=message,
        retryable=code in RETRYABLE_BY_DEFAULT if retryable is None else retryable,
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
        if len(payload) >= NATIVE_READ_BYTES:
            read = _read_natively(payload, result_model)
            if read is not None:
                return read
        try:
            data = json.loads(payload)
        except ValueError as exc:
            raise InternalError(f"answer is not JSON: {exc}") from exc
    if not isinstance(data, Mapping) or not isinstance(data.get("ok"), bool):
        raise InternalError(f"answer is not an envelope: {str(data)[:200]}")
    if data["ok"]:
        return OkEnvelope[result_model].model_validate(data)  # type: ignore[valid-type]
    return ErrorEnvelope.model_validate(data)


def _read_natively(payload: str | bytes | bytearray, result_model: type[R]) -> OkEnvelope[R] | None:
    """The ok envelope read straight from its text in one native pass
    (`alex_schemas.json_validators`, which accepts and reads exactly what the models do); None for
    anything else, which `parse_envelope` reads again for the answer or the error it has always
    had."""
    from alex_schemas.json_validators import json_validator

    try:
        read: OkEnvelope[R] = json_validator(
            OkEnvelope[result_model]  # type: ignore[valid-type]
        ).validate_json(payload)
    except ValidationError:
        return None
    return read
