"""PostgreSQL values -> Data API Fields, typed the way Aurora's Data API types them.

Results are read in PostgreSQL's text format so numeric, dates, times, json and
uuid reach the caller exactly as PostgreSQL prints them; integers become `longValue`, floats
`doubleValue`, bool `booleanValue`, bytea `blobValue`, arrays `arrayValue`, the rest
`stringValue`; timestamptz is printed in UTC without the offset, as Aurora does.
"""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Callable, Mapping, Sequence
from json.encoder import encode_basestring_ascii as _json_string  # C-accelerated
from typing import Any

Field = dict[str, Any]

# PostgreSQL type oids (stable: pg_type.dat)
BOOL, BYTEA, NAME, INT8, INT2, INT4, TEXT, OID, JSON = 16, 17, 19, 20, 21, 23, 25, 26, 114
FLOAT4, FLOAT8, MONEY, BPCHAR, VARCHAR = 700, 701, 790, 1042, 1043
DATE, TIME, TIMESTAMP, TIMESTAMPTZ, TIMESTAMPTZ_ARRAY = 1082, 1083, 1114, 1184, 1185
INTERVAL, TIMETZ, NUMERIC, UUID, JSONB = 1186, 1266, 1700, 2950, 3802

INTEGER_OIDS = frozenset({INT2, INT4, INT8, OID})
# Read as PostgreSQL prints them (psycopg's C text loader, `binding.build_adapters`), never
# as Python objects.
_TEMPORAL = (DATE, TIME, TIMETZ, TIMESTAMP, TIMESTAMPTZ, INTERVAL)
TEXT_LOADED = (NUMERIC, JSON, JSONB, UUID, MONEY, *_TEMPORAL)
_STRING_OIDS = frozenset({TEXT, VARCHAR, BPCHAR, NAME, *TEXT_LOADED}) - {TIMESTAMPTZ}
FLOAT_OIDS = frozenset({FLOAT4, FLOAT8})

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
