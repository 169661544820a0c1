"""Values across the Data API boundary: Python parameters in, typed documents out.

Going in, every parameter is encoded by its Python type with a `typeHint` where the Data API
needs one to send the right SQL type (DECIMAL, UUID, JSON, DATE, TIME, TIMESTAMP). Coming out,
every statement answers one json/jsonb column per row: a document built in SQL
(`to_jsonb(row)`, `jsonb_build_object(...)`) with the keys of the model its caller names, so
nothing is decoded by position and no call asks for `includeResultMetadata` or
`formatRecordsAs=JSON` (both make Aurora run a catalog query per request). JSON is read with
exact decimals: a JSON number becomes a `Decimal` before Pydantic sees it, never a float. A
timestamp in a document is timestamptz as JSON, with its offset, read by the layer's
`alex_schemas.vocab.UtcDatetime`, which refuses a naive one.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from alex_schemas.envelope import ResultJson
from alex_schemas.errors import InternalError
from alex_schemas.json_validators import json_answer_codec
from alex_schemas.results import Result
from pydantic import BaseModel, ValidationError

from alex_data.document_validators import document_validator

if TYPE_CHECKING:
    from mypy_boto3_rds_data.literals import TypeHintType
    from mypy_boto3_rds_data.type_defs import FieldTypeDef, SqlParameterTypeDef

__all__ = [
    "answer_text_decimals_document",
    "decode_document",
    "decode_documents",
    "decode_text_decimals_document",
    "encode_parameters",
    "field_value",
    "loads_exact",
    "to_json_text",
]

M = TypeVar("M", bound=BaseModel)

# Data API results, as plain mappings (boto3 returns dicts; the fakes in tests build the same).
FieldValue = Mapping[str, Any]
Record = Sequence[FieldValue]

_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


# --- going in ---------------------------------------------------------------------------------


def encode_parameters(params: Mapping[str, object] | None) -> list[SqlParameterTypeDef]:
    """The `parameters` list of an ExecuteStatement call for named `:params`."""
    if not params:
        return []
    encoded: list[SqlParameterTypeDef] = []
    for name, value in params.items():
        field, hint = _encode(name, value)
        parameter: SqlParameterTypeDef = {"name": name, "value": field}
        if hint is not None:
            parameter["typeHint"] = hint
        encoded.append(parameter)
    return encoded


def _encode(name: str, value: object) -> tuple[FieldTypeDef, TypeHintType | None]:  # noqa: C901
    # The order matters: bool is an int, datetime is a date, a StrEnum is a str.
    if value is None:
        return {"isNull": True}, None
    if isinstance(value, Enum):
        return _encode(name, value.value)
    if isinstance(value, bool):
        return {"booleanValue": value}, None
    if isinstance(value, int):
        if _LONG_MIN <= value <= _LONG_MAX:
            return {"longValue": value}, None
        return {"stringValue": str(value)}, "DECIMAL"
    if isinstance(value, float):
        return {"doubleValue": value}, None
    if isinstance(value, Decimal):
        return {"stringValue": _decimal_text(name, value)}, "DECIMAL"
    if isinstance(value, str):
        return {"stringValue": value}, None
    if isinstance(value, UUID):
        return {"stringValue": str(value)}, "UUID"
    if isinstance(value, datetime):
        return {"stringValue": _timestamp_text(name, value)}, "TIMESTAMP"
    if isinstance(value, date):
        return {"stringValue": value.isoformat()}, "DATE"
    if isinstance(value, time):
        text = value.replace(tzinfo=None).isoformat()
        # The TIME hint takes "HH:MM:SS" only (java.sql.Time); a fraction travels as text that
        # the statement casts, e.g. CAST(:t AS time).
        return {"stringValue": text}, ("TIME" if value.microsecond == 0 else None)
    if isinstance(value, bytes | bytearray | memoryview):
        return {"blobValue": bytes(value)}, None
    if isinstance(value, BaseModel | Mapping | list | tuple):
        return {"stringValue": to_json_text(value)}, "JSON"
    raise TypeError(f"parameter :{name}: cannot send a {type(value).__name__} to the Data API")


def _decimal_text(name: str, value: Decimal) -> str:
    if not value.is_finite():
        raise TypeError(f"parameter :{name}: {value} is not a number the database stores")
    return format(value, "f")


def _timestamp_text(name: str, value: datetime) -> str:
    # TIMESTAMP takes "YYYY-MM-DD HH:MM:SS[.fff]" with no zone: the session zone (UTC on
    # Aurora) gives it one, so only an aware value can be placed on the UTC timeline safely.
    if value.tzinfo is None or value.utcoffset() is None:
        raise TypeError(f"parameter :{name}: a naive datetime has no place on the UTC timeline")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def _float_text(value: float) -> str:
    """A float as JSON that jsonb keeps a float: plain digits with a fraction.

    jsonb stores numbers as `numeric`, which prints 1e300 as 301 digits and 60.0 as 60.0 but
    1.0e2 as 100: written as its shortest repr's digits with at least one fractional digit, a
    float comes back with a point, so it reads back as the float it was (see rows.JobRecord).
    """
    if not math.isfinite(value):
        raise TypeError(f"{value} is not a number JSON or jsonb can hold")
    text = format(Decimal(repr(value)), "f")
    return text if "." in text else text + ".0"


def to_json_text(value: object) -> str:
    """JSON text for a json/jsonb parameter.

    Decimals become JSON numbers written digit for digit (jsonb keeps them exactly, and the
    schema's allocation checks want numbers), UUIDs and timestamps become strings, models are
    dumped field by field first.
    """
    return "".join(_json_parts(value))


def _json_parts(value: object) -> list[str]:  # noqa: C901
    if isinstance(value, BaseModel):
        return _json_parts(value.model_dump(mode="python", by_alias=True))
    if isinstance(value, Enum):
        return _json_parts(value.value)
    if value is None or isinstance(value, bool | int | str):
        return [json.dumps(value)]
    if isinstance(value, float):
        return [_float_text(value)]
    if isinstance(value, Decimal):
        return [_decimal_text("json", value)]
    if isinstance(value, UUID):
        return [json.dumps(str(value))]
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError("a naive datetime has no place on the UTC timeline")
        return [json.dumps(value.astimezone(UTC).isoformat())]
    if isinstance(value, date | time):
        return [json.dumps(value.isoformat())]
    if isinstance(value, Mapping):
        parts = ["{"]
        for index, (key, item) in enumerate(value.items()):
            if index:
                parts.append(",")
            key_text = key.value if isinstance(key, Enum) else key
            parts.append(json.dumps(str(key_text)))
            parts.append(":")
            parts.extend(_json_parts(item))
        parts.append("}")
        return parts
    if isinstance(value, list | tuple | set | frozenset):
        parts = ["["]
        for index, item in enumerate(value):
            if index:
                parts.append(",")
            parts.extend(_json_parts(item))
        parts.append("]")
        return parts
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


# --- coming out -------------------------------------------------------------------------------


def field_value(field: FieldValue) -> object:
    """The Python value of one Data API `Field` (a tagged union with exactly one member set)."""
    if field.get("isNull"):
        return None
    for key in ("stringValue", "longValue", "booleanValue", "doubleValue"):
        if key in field:
            return field[key]
    if "blobValue" in field:
        blob = field["blobValue"]
        # boto3 hands back bytes; a JSON transport would carry base64 text.
        return base64.b64decode(blob) if isinstance(blob, str) else bytes(blob)
    if "arrayValue" in field:
        return _array_value(field["arrayValue"])
    raise InternalError(f"the Data API sent a field of an unknown kind: {sorted(field)}")


def _array_value(array: Mapping[str, Any]) -> list[object]:
    if "arrayValues" in array:
        return [_array_value(item) for item in array["arrayValues"]]
    for key in ("stringValues", "longValues", "doubleValues", "booleanValues"):
        if key in array:
            return list(array[key])
    return []


def decode_documents(
    records: Sequence[Record], model: type[M], *, text_decimals: bool = False
) -> list[M]:
    """Each record is one json/jsonb column: one document, validated as `model` (straight from
    its text where every decimal is a JSON string: `text_decimals`).

    A NULL document (an aggregate over no rows) is skipped, so `document()` answers None.
    """
    decoded: list[M] = []
    for record in records:
        if len(record) != 1:
            raise InternalError(
                f"a document statement must return one column, this one returned {len(record)}"
            )
        text = field_value(record[0])
        if text is None:
            continue
        if not isinstance(text, str):
            raise InternalError(f"a document column must be json text, not {type(text).__name__}")
        decoded.append(decode_document(text, model, text_decimals=text_decimals))
    return decoded


def decode_document(text: str, model: type[M], *, text_decimals: bool = False) -> M:
    """One document's JSON text, as the database wrote it, validated as `model` (straight from
    the text where every decimal is a JSON string: `text_decimals`)."""
    if text_decimals:
        return decode_text_decimals_document(text, model)
    return _validate(model, loads_exact(text))


def decode_text_decimals_document(text: str, model: type[M]) -> M:
    """`decode_document` of a document whose decimals are all JSON strings (numeric's text),
    validated in one pass straight from the text (`alex_data.document_validators`)."""
    try:
        document: M = document_validator(model).validate_json(text)
    except ValidationError as exc:
        raise _unmatched(model) from exc
    return document


def answer_text_decimals_document(text: str, model: type[Result]) -> ResultJson:
    """`decode_text_decimals_document`, written as `model` writes it, with no Decimal built for
    what is only written out (`alex_schemas.json_validators.json_answer_codec`)."""
    validator, serializer = json_answer_codec(model)
    try:
        read = validator.validate_json(text)
    except ValidationError as exc:
        raise _unmatched(model) from exc
    return ResultJson(model, serializer.to_json(read))


def _validate(model: type[M], data: object) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _unmatched(model) from exc


def _unmatched(model: type[BaseModel]) -> InternalError:
    # The database answered something the row model does not accept: a bug in the SQL or the
    # model, which a retry cannot fix. The details go to the log through __cause__.
    return InternalError(f"a row did not match {model.__name__}")


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def loads_exact(text: str | bytes) -> Any:
    """Parse JSON text, keeping every number exact (floats become Decimal)."""
    return json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
