"""Encoding parameters with typeHints and decoding records into row models, type by type."""

from __future__ import annotations

import enum
import json
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from alex_data.codec import (
    decode_documents,
    encode_parameters,
    to_json_text,
)
from alex_schemas.errors import InternalError
from pydantic import BaseModel


class Colour(enum.StrEnum):
    RED = "red"


class Holding(BaseModel):
    symbol: str
    quantity: Decimal


UID = UUID("3f2a9c1e-5b7d-4e8a-9f10-2c4d6e8a0b11")


def one(value: object) -> dict[str, Any]:
    (parameter,) = encode_parameters({"p": value})
    assert parameter.get("name") == "p"
    return dict(parameter)


@pytest.mark.parametrize(
    ("value", "field", "hint"),
    [
        (None, {"isNull": True}, None),
        (True, {"booleanValue": True}, None),
        (42, {"longValue": 42}, None),
        (2**70, {"stringValue": str(2**70)}, "DECIMAL"),
        (1.5, {"doubleValue": 1.5}, None),
        (Decimal("1234.56780000"), {"stringValue": "1234.56780000"}, "DECIMAL"),
        (Decimal("1E+3"), {"stringValue": "1000"}, "DECIMAL"),
        ("text", {"stringValue": "text"}, None),
        (Colour.RED, {"stringValue": "red"}, None),
        (UID, {"stringValue": str(UID)}, "UUID"),
        (date(2026, 11, 25), {"stringValue": "2026-11-25"}, "DATE"),
        (time(9, 30, 5), {"stringValue": "09:30:05"}, "TIME"),
        (time(9, 30, 5, 120000), {"stringValue": "09:30:05.120000"}, None),
        (b"\x00\x01", {"blobValue": b"\x00\x01"}, None),
        ({"equity": Decimal("70")}, {"stringValue": '{"equity":70}'}, "JSON"),
        ([1, "a"], {"stringValue": '[1,"a"]'}, "JSON"),
    ],
)
def test_each_type_is_sent_with_its_type_hint(value: object, field: object, hint: str) -> None:
    # Given a Python value / When encoded as a parameter
    parameter = one(value)
    # Then the Data API field and typeHint are the ones that make the database see its type
    assert parameter["value"] == field
    assert parameter.get("typeHint") == hint


def test_aware_datetime_is_sent_in_utc_with_a_space() -> None:
    paris = timezone(timedelta(hours=1))
    parameter = one(datetime(2026, 11, 25, 10, 0, 0, 250000, tzinfo=paris))
    assert parameter == {
        "name": "p",
        "value": {"stringValue": "2026-11-25 09:00:00.250000"},
        "typeHint": "TIMESTAMP",
    }


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(TypeError, match="naive"):
        one(datetime(2026, 11, 25, 10, 0))


def test_non_finite_decimal_is_refused() -> None:
    with pytest.raises(TypeError, match="not a number"):
        one(Decimal("NaN"))


def test_json_keeps_decimals_as_exact_numbers_and_models_field_by_field() -> None:
    # Given a model holding more digits than a float carries
    holding = Holding(symbol="VTI", quantity=Decimal("12345678901.12345678"))
    # When written as JSON
    text = to_json_text({"h": holding, "when": datetime(2026, 1, 1, tzinfo=UTC), "id": UID})
    # Then the number is written digit for digit, not rounded through a float
    assert text == (
        '{"h":{"symbol":"VTI","quantity":12345678901.12345678},'
        f'"when":"2026-01-01T00:00:00+00:00","id":"{UID}"}}'
    )
    assert json.loads(text, parse_float=Decimal)["h"]["quantity"] == Decimal("12345678901.12345678")


def test_unknown_types_are_refused() -> None:
    with pytest.raises(TypeError, match="object"):
        one(object())


def test_a_row_the_model_refuses_is_an_internal_error() -> None:
    with pytest.raises(InternalError, match="did not match Holding"):
        decode_documents([[{"stringValue": '{"symbol": "VTI", "quantity": "many"}'}]], Holding)


def test_documents_are_validated_with_exact_numbers_and_null_is_skipped() -> None:
    found = decode_documents(
        [
            [{"stringValue": '{"symbol": "VTI", "quantity": 123456789012.12345678}'}],
            [{"isNull": True}],
        ],
        Holding,
    )
    assert found == [Holding(symbol="VTI", quantity=Decimal("123456789012.12345678"))]


def test_a_document_statement_must_return_one_column() -> None:
    with pytest.raises(InternalError, match="one column"):
        decode_documents([[{"stringValue": "{}"}, {"stringValue": "{}"}]], Holding)
