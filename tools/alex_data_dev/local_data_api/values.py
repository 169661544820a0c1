"""Data API values <-> PostgreSQL values, typed the way Aurora's Data API types them.

Going in, every parameter carries a PostgreSQL type, as Aurora's JDBC-based Data API sends it:
`stringValue` is `varchar` (so a uuid, jsonb or timestamp column refuses it without a
typeHint), `longValue` is `int8`, `doubleValue` is `float8`, `booleanValue` is `bool`,
`blobValue` is `bytea`, `isNull` is untyped. A typeHint types the string instead: DATE, TIME,
TIMESTAMP, DECIMAL (numeric), UUID, JSON (json, not jsonb: write `CAST(:p AS jsonb)` where an
expression needs jsonb; that works on Aurora whatever it sends).

Coming out, results are read in PostgreSQL's text format so numeric, dates, times, json and
uuid reach the caller exactly as PostgreSQL prints them; integers become `longValue`, floats
`doubleValue`, bool `booleanValue`, bytea `blobValue`, arrays `arrayValue`, the rest
`stringValue`; timestamptz is printed in UTC without the offset, as Aurora does.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from json.encoder import encode_basestring_ascii as _json_string  # C-accelerated
from typing import Any, ClassVar

import psycopg
from psycopg.adapt import AdaptersMap
from psycopg.types.numeric import Int8Dumper
from psycopg.types.string import StrDumper, StrDumperVarchar, TextLoader

from alex_data_dev.local_data_api.errors import DataApiError, bad_request

Field = dict[str, Any]

# PostgreSQL type oids (stable: pg_type.dat)
BOOL, BYTEA, NAME, INT8, INT2, INT4, TEXT, OID, JSON = 16, 17, 19, 20, 21, 23, 25, 26, 114
FLOAT4, FLOAT8, MONEY, BPCHAR, VARCHAR = 700, 701, 790, 1042, 1043
DATE, TIME, TIMESTAMP, TIMESTAMPTZ, TIMESTAMPTZ_ARRAY = 1082, 1083, 1114, 1184, 1185
INTERVAL, TIMETZ, NUMERIC, UUID, JSONB = 1186, 1266, 1700, 2950, 3802

INTEGER_OIDS = frozenset({INT2, INT4, INT8, OID})
# Read as PostgreSQL prints them (psycopg's C text loader), never as Python objects.
_TEMPORAL = (DATE, TIME, TIMETZ, TIMESTAMP, TIMESTAMPTZ, INTERVAL)
_TEXT_LOADED = (NUMERIC, JSON, JSONB, UUID, MONEY, *_TEMPORAL)
_STRING_OIDS = frozenset({TEXT, VARCHAR, BPCHAR, NAME, *_TEXT_LOADED}) - {TIMESTAMPTZ}
FLOAT_OIDS = frozenset({FLOAT4, FLOAT8})

# --- parameters -------------------------------------------------------------------------------


class _TypedText(str):
    """A string bound with a definite PostgreSQL type (the typeHint), not as varchar."""

    oid: ClassVar[int] = 0


class DateText(_TypedText):
    oid = DATE


class TimeText(_TypedText):
    oid = TIME


class TimestampText(_TypedText):
    oid = TIMESTAMP


class DecimalText(_TypedText):
    oid = NUMERIC


class UuidText(_TypedText):
    oid = UUID


class JsonText(_TypedText):
    oid = JSON


_HINTS: dict[str, type[_TypedText]] = {
    "DATE": DateText,
    "TIME": TimeText,
    "TIMESTAMP": TimestampText,
    "DECIMAL": DecimalText,
    "UUID": UuidText,
    "JSON": JsonText,
}

# Aurora parses these hints with java.sql.{Date,Time,Timestamp}.valueOf: no 'T', no offset.
_HINT_FORMATS = {
    "DATE": (re.compile(r"\d{4}-\d{1,2}-\d{1,2}"), "Date format must be yyyy-[m]m-[d]d"),
    "TIME": (re.compile(r"\d{1,2}:\d{1,2}:\d{1,2}"), "Time format must be hh:mm:ss"),
    "TIMESTAMP": (
        re.compile(r"\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{1,2}:\d{1,2}(\.\d{1,9})?"),
        "Timestamp format must be yyyy-mm-dd hh:mm:ss[.fffffffff]",
    ),
}


def build_adapters() -> AdaptersMap:
    """psycopg adapters for a Data API connection (see the module docstring)."""
    adapters = AdaptersMap(psycopg.adapters)
    adapters.register_dumper(str, StrDumperVarchar)
    adapters.register_dumper(int, Int8Dumper)
    for cls in _HINTS.values():
        dumper = type(f"{cls.__name__}Dumper", (StrDumper,), {"oid": cls.oid})
        adapters.register_dumper(cls, dumper)
    for oid in _TEXT_LOADED:
        adapters.register_loader(oid, TextLoader)
    return adapters


def _hinted_string(value: str, hint: str | None, name: str) -> str:
    if hint is None:
        return str(value)
    if hint not in _HINTS:
        raise bad_request(f"Invalid type hint {hint} for parameter {name}")
    check = _HINT_FORMATS.get(hint)
    if check is not None and not check[0].fullmatch(value):
        raise bad_request(check[1])
    return _HINTS[hint](value)


def _field_to_param(field: Mapping[str, Any], hint: str | None, name: str) -> object:
    kinds = [k for k in field if k != "isNull"]
    if not kinds:
        if field.get("isNull"):
            return None
        raise bad_request(f"Parameter {name} has no value")
    if len(kinds) > 1:
        raise bad_request(f"Parameter {name} must set exactly one value")
    kind = kinds[0]
    value = field[kind]
    if kind == "stringValue":
        return _hinted_string(value, hint, name)
    if kind == "longValue":
        return int(value)
    if kind == "doubleValue":
        return float(value)
    if kind == "booleanValue":
        return bool(value)
    if kind == "blobValue":
        try:
            return base64.b64decode(value, validate=True)
        except binascii.Error:
            raise bad_request(f"Invalid blobValue for parameter {name}") from None
    if kind == "arrayValue":
        raise bad_request("Array parameters are not supported.")
    raise bad_request(f"Unknown value type {kind} for parameter {name}")


def bind(names: Sequence[str], parameters: Sequence[Mapping[str, Any]] | None) -> list[object]:
    """Parameter values in `$n` order; a name the SQL uses but the call lacks is an error."""
    given: dict[str, Mapping[str, Any]] = {}
    for parameter in parameters or ():
        name = parameter.get("name")
        if not isinstance(name, str):
            raise bad_request("A parameter has no name")
        given[name] = parameter
    values: list[object] = []
    for number, name in enumerate(names, start=1):
        found = given.get(name)
        if found is None:
            raise DataApiError(
                "DatabaseErrorException",
                f"No value specified for parameter {number} (:{name}).",
            )
        field = found.get("value")
        if not isinstance(field, Mapping):
            raise bad_request(f"Parameter {name} has no value")
        values.append(_field_to_param(field, found.get("typeHint"), name))
    return values


# --- results ----------------------------------------------------------------------------------

Converter = Callable[[Any], Field]


def _array_value(items: list[Any]) -> dict[str, Any]:
    present = [item for item in items if item is not None]
    if present and all(isinstance(item, list) for item in present):
        return {"arrayValues": [_array_value(item) for item in items]}
    if present and all(isinstance(item, bool) for item in present):
        return {"booleanValues": items}
    if present and all(isinstance(item, int) for item in present):
        return {"longValues": items}
    if present and all(isinstance(item, float) for item in present):
        return {"doubleValues": items}
    if present and all(isinstance(item, bytes) for item in present):
        encoded = [None if i is None else base64.b64encode(i).decode() for i in items]
        return {"stringValues": encoded}
    return {"stringValues": [None if item is None else str(item) for item in items]}


def _numeric_double_or_long(text: str) -> Field:
    if text.lstrip("-").isdigit():
        return {"longValue": int(text)}
    return {"doubleValue": float(text)}


def converter_for(oid: int, decimal_as_number: bool, long_as_string: bool) -> Converter:
    """How one column's Python values (as our loaders produce them) become Fields."""
    if oid in INTEGER_OIDS:
        if long_as_string:
            return lambda v: {"stringValue": str(v)}
        return lambda v: {"longValue": v}
    if oid in FLOAT_OIDS:
        return lambda v: {"doubleValue": v}
    if oid == BOOL:
        return lambda v: {"booleanValue": v}
    if oid == BYTEA:
        return lambda v: {"blobValue": base64.b64encode(v).decode()}
    if oid == NUMERIC and decimal_as_number:
        return _numeric_double_or_long
    if oid in _STRING_OIDS:
        return lambda v: {"stringValue": v}
    if oid == TIMESTAMPTZ:
        return lambda v: {"stringValue": _utc(v)}
    if oid == TIMESTAMPTZ_ARRAY:
        return lambda v: {"arrayValue": _array_value(_utc_items(v))}
    return _generic_field


# --- records as JSON text ----------------------------------------------------------------------
# The records of a response are written straight as JSON text, column by column: building a
# dict per value and handing the lot to json.dumps costs about twice as much for large results.

Fragment = Callable[[Any], str]
_NULL_JSON = '{"isNull":true}'


def _float_json(value: float) -> str:
    return repr(value) if math.isfinite(value) else json.dumps(value)


def fragment_for(oid: int, decimal_as_number: bool, long_as_string: bool) -> Fragment:
    """How one column's values become the JSON text of their Fields (as converter_for)."""
    if oid in INTEGER_OIDS and not long_as_string:
        return lambda v: f'{{"longValue":{v:d}}}'
    if oid in FLOAT_OIDS:
        return lambda v: f'{{"doubleValue":{_float_json(v)}}}'
    if oid == BOOL:
        return lambda v: '{"booleanValue":true}' if v else '{"booleanValue":false}'
    if oid in _STRING_OIDS and not (oid == NUMERIC and decimal_as_number):
        return lambda v: f'{{"stringValue":{_json_string(v)}}}'
    if oid == TIMESTAMPTZ:
        return lambda v: f'{{"stringValue":{_json_string(_utc(v))}}}'
    convert = converter_for(oid, decimal_as_number, long_as_string)
    return lambda v: json.dumps(convert(v))


def records_json(rows: Sequence[Sequence[Any]], fragments: Sequence[Fragment]) -> str:
    if not rows:
        return "[]"
    columns = [
        [_NULL_JSON if value is None else fragment(value) for value in column]
        for column, fragment in zip(zip(*rows, strict=True), fragments, strict=True)
    ]
    return "[" + ",".join("[" + ",".join(row) + "]" for row in zip(*columns, strict=True)) + "]"


def _utc(text: str) -> str:
    """timestamptz as Aurora prints it: the session runs in UTC; drop the `+00` suffix."""
    return text[:-3] if text.endswith("+00") else text


def _utc_items(items: list[Any]) -> list[Any]:
    return [_utc_items(i) if isinstance(i, list) else i if i is None else _utc(i) for i in items]


def _generic_field(value: Any) -> Field:
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, list):
        return {"arrayValue": _array_value(value)}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"longValue": value}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, bytes):
        return {"blobValue": base64.b64encode(value).decode()}
    return {"stringValue": str(value)}


_NULL: Field = {"isNull": True}


def convert_rows(
    rows: Sequence[Sequence[Any]], converters: Sequence[Converter]
) -> list[list[Field]]:
    if not rows:
        return []
    # Column by column: one converter per inner loop is about twice as fast as row by row.
    columns = [
        [_NULL if value is None else convert(value) for value in column]
        for column, convert in zip(zip(*rows, strict=True), converters, strict=True)
    ]
    return [list(row) for row in zip(*columns, strict=True)]


def field_to_json(field: Field) -> Any:
    """A Field as a value of `formattedRecords` (formatRecordsAs=JSON)."""
    if "isNull" in field:
        return None
    ((kind, value),) = field.items()
    if kind == "arrayValue":
        return _array_to_json(value)
    return value


def _array_to_json(array: Mapping[str, Any]) -> list[Any]:
    ((kind, values),) = array.items()
    if kind == "arrayValues":
        return [_array_to_json(item) for item in values]
    return list(values)


def row_size(row: Sequence[Any]) -> int:
    """A result row's size as the row limit counts it: the sum of its values as returned.

    A string (text, varchar, numeric, json, dates...) counts its UTF-8 bytes, a blob its
    base64 text, a number or boolean its JSON text, NULL nothing; the JSON punctuation and
    escaping around the values are not counted.
    """
    total = 0
    for value in row:
        if value is None:
            continue
        if isinstance(value, str):
            total += len(value.encode())
        elif isinstance(value, bytes | bytearray | memoryview):
            total += 4 * ((len(value) + 2) // 3)
        elif isinstance(value, list):
            total += len(json.dumps(value, default=str, ensure_ascii=False).encode())
        else:
            total += len(str(value))
    return total
