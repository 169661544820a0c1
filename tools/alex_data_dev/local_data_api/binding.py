"""Data API parameters -> PostgreSQL values, typed the way Aurora's Data API types them.

Every parameter carries a PostgreSQL type, as Aurora's JDBC-based Data API sends it:
`stringValue` is `varchar` (so a uuid, jsonb or timestamp column refuses it without a
typeHint), `longValue` is `int8`, `doubleValue` is `float8`, `booleanValue` is `bool`,
`blobValue` is `bytea`, `isNull` is untyped. A typeHint types the string instead: DATE, TIME,
TIMESTAMP, DECIMAL (numeric), UUID, JSON (json, not jsonb: write `CAST(:p AS jsonb)` where an
expression needs jsonb; that works on Aurora whatever it sends).
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import psycopg
from psycopg.adapt import AdaptersMap
from psycopg.types.numeric import Int8Dumper
from psycopg.types.string import StrDumper, StrDumperVarchar, TextLoader

from alex_data_dev.local_data_api import values as v
from alex_data_dev.local_data_api.errors import DataApiError, bad_request


class _TypedText(str):
    """A string bound with a definite PostgreSQL type (the typeHint), not as varchar."""

    oid: ClassVar[int] = 0


class DateText(_TypedText):
    oid = v.DATE


class TimeText(_TypedText):
    oid = v.TIME


class TimestampText(_TypedText):
    oid = v.TIMESTAMP


class DecimalText(_TypedText):
    oid = v.NUMERIC


class UuidText(_TypedText):
    oid = v.UUID


class JsonText(_TypedText):
    oid = v.JSON


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
    """psycopg adapters for a Data API connection: parameters typed as above, and the types
    Aurora answers as text read as PostgreSQL prints them."""
    adapters = AdaptersMap(psycopg.adapters)
    adapters.register_dumper(str, StrDumperVarchar)
    adapters.register_dumper(int, Int8Dumper)
    for cls in _HINTS.values():
        dumper = type(f"{cls.__name__}Dumper", (StrDumper,), {"oid": cls.oid})
        adapters.register_dumper(cls, dumper)
    for oid in v.TEXT_LOADED:
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
