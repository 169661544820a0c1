"""Binding Data API parameters: every Field kind, the typeHints, and the refusals."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alex_data_dev.local_data_api import binding, values
from alex_data_dev.local_data_api.errors import DataApiError
from hypothesis import given
from hypothesis import strategies as st


def param(name: str, value: dict[str, Any], hint: str | None = None) -> dict[str, Any]:
    p: dict[str, Any] = {"name": name, "value": value}
    if hint is not None:
        p["typeHint"] = hint
    return p


def test_each_field_kind_binds_to_its_python_value() -> None:
    bound = binding.bind(
        ["s", "l", "d", "b", "n", "x"],
        [
            param("s", {"stringValue": "text"}),
            param("l", {"longValue": 7}),
            param("d", {"doubleValue": 1.5}),
            param("b", {"booleanValue": True}),
            param("n", {"isNull": True}),
            param("x", {"blobValue": "AQI="}),
        ],
    )
    assert bound == ["text", 7, 1.5, True, None, b"\x01\x02"]


@pytest.mark.parametrize(
    ("hint", "text", "cls"),
    [
        ("DATE", "2024-02-29", binding.DateText),
        ("TIME", "23:59:01", binding.TimeText),
        ("TIMESTAMP", "2024-02-29 23:59:01.123456", binding.TimestampText),
        ("DECIMAL", "12.3400", binding.DecimalText),
        ("UUID", "6f1c5a9e-0d55-4c2c-8a4e-94c3b3d8e2a1", binding.UuidText),
        ("JSON", '{"a": [1, 2]}', binding.JsonText),
    ],
)
def test_type_hint_types_the_string(hint: str, text: str, cls: type[str]) -> None:
    (bound,) = binding.bind(["p"], [param("p", {"stringValue": text}, hint)])
    assert type(bound) is cls
    assert bound == text


@pytest.mark.parametrize(
    ("hint", "text"),
    [
        ("TIMESTAMP", "2024-02-29T23:59:01"),  # ISO 'T' separator
        ("TIMESTAMP", "2024-02-29 23:59:01+00:00"),  # an offset
        ("DATE", "29/02/2024"),
        ("TIME", "noon"),
    ],
)
def test_malformed_temporal_hint_is_refused(hint: str, text: str) -> None:
    with pytest.raises(DataApiError) as caught:
        binding.bind(["p"], [param("p", {"stringValue": text}, hint)])
    assert caught.value.code == "BadRequestException"


def test_missing_parameter_is_an_error_not_null() -> None:
    with pytest.raises(DataApiError) as caught:
        binding.bind(["present", "absent"], [param("present", {"longValue": 1})])
    assert caught.value.code == "DatabaseErrorException"
    assert ":absent" in caught.value.message


def test_array_parameters_are_refused_as_aurora_does() -> None:
    with pytest.raises(DataApiError) as caught:
        binding.bind(["a"], [param("a", {"arrayValue": {"longValues": [1]}})])
    assert caught.value.message == "Array parameters are not supported."


def test_unknown_hint_is_refused() -> None:
    with pytest.raises(DataApiError):
        binding.bind(["a"], [param("a", {"stringValue": "x"}, "INTERVAL")])


def test_extra_parameters_are_ignored() -> None:
    assert binding.bind([], [param("unused", {"longValue": 1})]) == []


# --- results: the JSON text written for records says what the Field dicts say ---------------

_COLUMN_VALUES = {
    values.INT8: st.integers(min_value=-(2**63), max_value=2**63 - 1),
    values.FLOAT8: st.floats(allow_nan=False, allow_infinity=False),
    values.BOOL: st.booleans(),
    values.TEXT: st.text(),
    values.NUMERIC: st.decimals(allow_nan=False, allow_infinity=False).map(str),
    values.TIMESTAMPTZ: st.sampled_from(["2024-02-29 11:14:15+00", "2024-02-29 11:14:15.5+00"]),
    values.BYTEA: st.binary(),
}


@given(data=st.data())
def test_records_json_matches_the_fields(data: st.DataObject) -> None:
    # Given a column of some type, with NULLs, and any result-set options
    oid = data.draw(st.sampled_from(sorted(_COLUMN_VALUES)))
    decimal_as_number, long_as_string = data.draw(st.booleans()), data.draw(st.booleans())
    column = data.draw(st.lists(st.one_of(st.none(), _COLUMN_VALUES[oid]), max_size=5))
    rows = [(value,) for value in column]
    fragment = values.fragment_for(oid, decimal_as_number, long_as_string)
    converter = values.converter_for(oid, decimal_as_number, long_as_string)
    # Then the JSON text written for records parses to exactly the Field dicts
    assert json.loads(values.records_json(rows, [fragment])) == values.convert_rows(
        rows, [converter]
    )
