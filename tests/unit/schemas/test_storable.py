"""The storable scalars: text without NUL, finite and bounded JSON, strict integers and
decimals, timestamps that stay in range in UTC; and every model uses them."""

from __future__ import annotations

import json
import pathlib
import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from alex_schemas import EVENT_TYPES, parse_event
from alex_schemas.vocab import (
    DATE_PATTERN,
    MAX_JSON_DEPTH,
    TEXT_PATTERN,
    TIMESTAMP_PATTERN,
    IsoDate,
    JsonObject,
    Money,
    StrictInteger,
    Text,
    UtcDatetime,
)
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

EVENTS_DIR = pathlib.Path(__file__).resolve().parents[3] / "events"

TEXT: TypeAdapter[str] = TypeAdapter(Text)
JSON_OBJECT: TypeAdapter[dict[str, Any]] = TypeAdapter(JsonObject)
INTEGER: TypeAdapter[int] = TypeAdapter(StrictInteger)
MONEY: TypeAdapter[Decimal] = TypeAdapter(Money)
TIMESTAMP: TypeAdapter[datetime] = TypeAdapter(UtcDatetime)
DATE: TypeAdapter[Any] = TypeAdapter(IsoDate)


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth - 1):
        value = {"x": value}
    return value


# --- text --------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["\x00", "a\x00b", "\ud800", "x\udfff"])
def test_text_refuses_nul_and_lone_surrogates(bad: str) -> None:
    with pytest.raises(ValidationError) as caught:
        TEXT.validate_python(bad)
    assert bad not in str(caught.value.errors(include_input=False))


def test_text_keeps_any_other_unicode() -> None:
    assert TEXT.validate_python("café 🚀\t\n") == "café 🚀\t\n"
    assert TEXT.validate_json('"caf\\u00e9"') == "café"


def example_events() -> list[dict[str, Any]]:
    return [
        json.loads(p.read_text())
        for p in sorted(EVENTS_DIR.glob("*.json"))
        if p.stem != "sqs_batch"
    ]


def string_paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Where the example holds a string that is a value, not a discriminator."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in string_paths(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in string_paths(v, (*path, i))]
    return [path] if isinstance(value, str) and path != ("type",) else []


def with_value(event: Any, path: tuple[Any, ...], value: Any) -> Any:
    copy = json.loads(json.dumps(event))
    target = copy
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return copy


NUL_CASES = [(event, path) for event in example_events() for path in string_paths(event) if path]


@pytest.mark.parametrize(
    ("event", "path"), NUL_CASES, ids=[f"{e['type']}:{'.'.join(map(str, p))}" for e, p in NUL_CASES]
)
def test_every_text_field_of_every_example_refuses_nul(event: Any, path: tuple[Any, ...]) -> None:
    original = event
    for part in path:
        original = original[part]
    with pytest.raises(ValidationError):
        parse_event(with_value(event, path, original[:1] + "\x00" + original[1:]))


def schema_strings(schema: Any) -> list[dict[str, Any]]:
    if isinstance(schema, dict):
        found = [schema] if schema.get("type") == "string" else []
        return found + [s for v in schema.values() for s in schema_strings(v)]
    if isinstance(schema, list):
        return [s for v in schema for s in schema_strings(v)]
    return []


@pytest.mark.parametrize("event", EVENT_TYPES, ids=lambda e: e.__name__)
def test_every_string_in_every_event_schema_refuses_nul(event: type[Any]) -> None:
    for string in schema_strings(event.model_json_schema()):
        if "enum" in string or "const" in string or string.get("format") == "uuid":
            continue
        assert "pattern" in string, string
        assert not re.search(string["pattern"], "a\x00b"), string["pattern"]


def test_the_text_pattern_is_the_rule() -> None:
    assert re.fullmatch(TEXT_PATTERN, "plain text")
    assert not re.search(TEXT_PATTERN, "nul\x00here")


# --- free JSON ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        {"x": float("nan")},
        {"x": [1, float("inf")]},
        {"x": {"y": -float("inf")}},
        {"x": "a\x00"},
        {"a\x00": 1},
        {"x": ["\ud800"]},
        nested(MAX_JSON_DEPTH + 1),
    ],
)
def test_free_json_refuses_what_jsonb_cannot_hold(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        JSON_OBJECT.validate_python(bad)


@pytest.mark.parametrize("text", ['{"x": NaN}', '{"x": Infinity}', '{"x": [-Infinity]}'])
def test_free_json_text_refuses_nan_and_infinity(text: str) -> None:
    with pytest.raises(ValidationError):
        JSON_OBJECT.validate_json(text)


def test_free_json_nested_far_too_deep_is_a_validation_error_not_a_recursion() -> None:
    deep: list[Any] = []
    cursor = deep
    for _ in range(100_000):
        child: list[Any] = []
        cursor.append(child)
        cursor = child
    with pytest.raises(ValidationError, match="nested deeper"):
        JSON_OBJECT.validate_python({"x": deep})


def test_free_json_at_the_depth_bound_is_kept() -> None:
    value = nested(MAX_JSON_DEPTH)
    assert JSON_OBJECT.validate_python(value) == value


def test_the_free_json_schema_has_the_same_depth_bound() -> None:
    import jsonschema  # type: ignore[import-untyped]

    schema = JSON_OBJECT.json_schema()
    jsonschema.Draft202012Validator(schema).validate(nested(MAX_JSON_DEPTH))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(nested(MAX_JSON_DEPTH + 1))
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate({"a\x00": 1})


# --- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [True, False, "25", "0", b"1", 2.5])
def test_integers_are_strict(bad: Any) -> None:
    with pytest.raises(ValidationError):
        INTEGER.validate_python(bad)
    with pytest.raises(ValidationError):
        INTEGER.validate_json(json.dumps(bad if not isinstance(bad, bytes) else bad.decode()))


def test_an_integral_float_is_an_integer_as_in_json_schema() -> None:
    assert INTEGER.validate_python(25.0) == 25
    assert INTEGER.validate_json("25.0") == 25


@pytest.mark.parametrize("bad", [True, " 12", "12 ", "1_000", "NaN", "Infinity", "1,5", ""])
def test_decimals_take_only_numbers_and_decimal_strings(bad: Any) -> None:
    with pytest.raises(ValidationError):
        MONEY.validate_python(bad)


@pytest.mark.parametrize("good", ["12", "12.50", ".5", "1e2", 12, 12.5])
def test_decimal_strings_as_the_schema_writes_them_are_accepted(good: Any) -> None:
    assert MONEY.validate_python(good) == Decimal(str(good))


def test_the_years_field_is_strict() -> None:
    base = {"type": "UpsertUser", "clerk_user_id": "u"}
    assert parse_event({**base, "years_until_retirement": 25.0}).years_until_retirement == 25  # type: ignore[union-attr]
    for bad in (True, "25"):
        with pytest.raises(ValidationError):
            parse_event({**base, "years_until_retirement": bad})


# --- timestamps and dates ----------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    [
        "0001-01-01T00:00:00+05:00",  # year 0 in UTC
        "9999-12-31T23:59:59-05:00",  # year 10000 in UTC
        "0000-06-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2025-02-29T00:00:00Z",
        "2026-11-25T09:00:00",  # naive
        "2026-11-25 09:00:00Z",
        "2026-11-25T24:00:00Z",
        "2026-11-25T09:00:00+24:00",
        "2026-11-25t09:00:00z",
        "2026-11-25T09:00:00.1234567890Z",
        "2026-11-25T09:00:00Z\x00",
        1_764_061_200,
        1_764_061_200.5,
        True,
    ],
)
def test_timestamps_outside_the_rule_are_refused(bad: Any) -> None:
    with pytest.raises(ValidationError):
        TIMESTAMP.validate_python(bad)
    assert not (isinstance(bad, str) and re.search(TIMESTAMP_PATTERN, bad))


@pytest.mark.parametrize(
    "bad",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
        datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
        datetime(2026, 1, 1),
    ],
)
def test_python_datetimes_outside_the_rule_are_refused(bad: datetime) -> None:
    with pytest.raises(ValidationError):
        TIMESTAMP.validate_python(bad)


@given(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30, 23, 59, 59)),
    st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1),
)
def test_every_aware_timestamp_in_range_survives_conversion_to_utc(
    local: datetime, offset_minutes: int
) -> None:
    moment = local.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    text = moment.isoformat().replace("+00:00", "Z")
    assert re.search(TIMESTAMP_PATTERN, text)
    parsed = TIMESTAMP.validate_python(text)
    assert parsed == moment
    assert parsed.utcoffset() == timedelta(0)
    assert TIMESTAMP.validate_python(moment) == moment


@pytest.mark.parametrize("bad", ["2026-02-30", "26-01-01", "2026-1-1", "2026-01-01T00:00:00Z", 0])
def test_dates_are_calendar_dates_as_text(bad: Any) -> None:
    with pytest.raises(ValidationError):
        DATE.validate_python(bad)
    assert not (isinstance(bad, str) and re.search(DATE_PATTERN, bad))


def test_leap_days_follow_the_calendar() -> None:
    assert DATE.validate_python("2024-02-29").isoformat() == "2024-02-29"
    assert DATE.validate_python("2000-02-29").isoformat() == "2000-02-29"
    for bad in ("1900-02-29", "2023-02-29"):
        with pytest.raises(ValidationError):
            DATE.validate_python(bad)
