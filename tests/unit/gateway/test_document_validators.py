"""The document validator reads what the result model reads, with no Python per value.

Each scalar type of the layer that results carry is held to its own validator: for any JSON
value, the document validator accepts it exactly when the model does, and reads the same value
(the same JSON when dumped). Allocation maps are the one exception, by design: their sum is the
database's CHECK, not the read's.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import FrameType
from typing import Any

import pytest
from alex_data.codec import decode_document, decode_text_decimals_document
from alex_data.document_validators import document_validator
from alex_schemas.errors import InternalError
from alex_schemas.results import InstrumentView, Portfolio, Result, UserView
from alex_schemas.vocab import (
    ClerkUserId,
    Money,
    Name,
    Percent,
    Price,
    Quantity,
    Rate,
    Region,
    RegionAllocation,
    Symbol,
    Text,
    UtcDatetime,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.unit.schemas.samples import portfolio_payload


class Scalars(Result):
    money: Money | None = None
    price: Price | None = None
    quantity: Quantity | None = None
    rate: Rate | None = None
    percent: Percent | None = None
    percents: dict[Region, Percent] | None = None
    symbol: Symbol | None = None
    text: Text | None = None
    clerk_user_id: ClerkUserId | None = None
    name: Name | None = None
    at: UtcDatetime | None = None


class Allocated(Result):
    regions: RegionAllocation


def _verdict(validate: Any, text: str) -> str | None:
    """The value read, as JSON, or None when refused."""
    try:
        return str(validate(text).model_dump_json())
    except ValidationError:
        return None


def _assert_same_reading(model: type[Result], text: str) -> None:
    ours = _verdict(document_validator(model).validate_json, text)
    theirs = _verdict(model.model_validate_json, text)
    assert ours == theirs, text


_DIGITS = st.text(alphabet="0123456789", min_size=1, max_size=22)
# numeric's text, and what is near it: signs, exponents, spaces, underscores, stray points
_DECIMAL_TEXT = st.one_of(
    st.builds(lambda w, f: f"{w}.{f}", _DIGITS, _DIGITS),
    st.builds(lambda s, w, f: f"{s}{w}.{f}", st.sampled_from(["-", "+", " "]), _DIGITS, _DIGITS),
    _DIGITS,
    st.decimals(allow_nan=False, allow_infinity=False, places=8).map(lambda d: format(d, "f")),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.text(alphabet="0123456789.-+eE_ ", max_size=12),
    st.sampled_from(["NaN", "Infinity", "1e3", ".5", "5.", "0", "-0", "100", "100.0000001"]),
)
_NUMBER = st.one_of(
    _DECIMAL_TEXT,
    st.integers(min_value=-(10**22), max_value=10**22),
    st.floats(allow_nan=False, allow_infinity=False),
    st.floats(min_value=0, max_value=101).map(lambda f: round(f, 3)),
    st.booleans(),
    st.none(),
)
_OFFSETS = st.sampled_from(["+00:00", "Z", "+02:00", "-05:30", "+00", "", "+24:00"])
_TIMESTAMP = st.one_of(
    st.builds(
        lambda moment, offset: moment.isoformat() + offset,
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31, 23, 59)),
        _OFFSETS,
    ),
    st.datetimes(timezones=st.just(UTC)).map(lambda moment: moment.isoformat()),
    st.text(alphabet="0123456789-:T.+Z ", max_size=34),
    st.sampled_from(
        [
            "2026-02-29T00:00:00+00:00",
            "2024-02-29T00:00:00+00:00",
            "2026-04-31T00:00:00+00:00",
            "2026-01-31T24:00:00+00:00",
            "2026-01-31T23:59:60+00:00",
            "2026-01-31 09:30:00+00:00",
            "2026-01-31T09:30:00.1234567+00:00",
            "0999-12-31T23:59:59+00:00",
            "9999-12-30T23:59:59+00:00",
            "9999-12-31T00:00:00+00:00",
        ]
    ),
)
_TEXT = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="abcXYZ09.-^=/:_ \t\x00\u0131\u00df\ufb01", max_size=24),
)
_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "money": _NUMBER,
    "price": _NUMBER,
    "quantity": _NUMBER,
    "rate": _NUMBER,
    "percent": _NUMBER,
    "percents": st.dictionaries(st.sampled_from([r.value for r in Region]), _NUMBER, max_size=3),
    "symbol": _TEXT,
    "text": _TEXT,
    "clerk_user_id": _TEXT,
    "name": _TEXT,
    "at": _TIMESTAMP,
}


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(sorted(_FIELDS)).flatmap(lambda f: st.tuples(st.just(f), _FIELDS[f])))
def test_every_scalar_reads_as_its_own_validator_reads_it(field: tuple[str, Any]) -> None:
    name, value = field
    _assert_same_reading(Scalars, json.dumps({name: value}))


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-31T09:30:00+00:00",
        "2026-01-31T09:30:00.123456+00:00",
        "2026-01-31T11:30:00+02:00",
        "2026-01-31T09:30:00Z",
    ],
)
def test_a_timestamp_is_read_in_utc_whatever_its_spelling(value: str) -> None:
    text = json.dumps({"at": value})
    _assert_same_reading(Scalars, text)
    read = document_validator(Scalars).validate_json(text)
    assert read.at is not None
    assert read.at.utcoffset() == timedelta(0)
    assert read.at == datetime.fromisoformat(value).astimezone(UTC)


def test_a_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone offset"):
        document_validator(Scalars).validate_json('{"at": "2026-01-31T09:30:00"}')


def test_a_symbol_is_upper_cased_and_a_dotless_i_is_not_an_i() -> None:
    assert document_validator(Scalars).validate_json('{"symbol": "brk.b"}').symbol == "BRK.B"
    with pytest.raises(ValidationError):
        document_validator(Scalars).validate_json('{"symbol": "\\u0131"}')


def test_an_allocation_is_not_summed_again_the_database_holds_it() -> None:
    text = '{"regions": {"asia": 10}}'
    with pytest.raises(ValidationError):
        Allocated.model_validate_json(text)
    # The database's CHECK alex_is_allocation refuses this map on every write
    # (tests/integration/function/test_portfolio.py), so the read does not sum it.
    assert document_validator(Allocated).validate_json(text).regions == {Region.ASIA: 10}
    with pytest.raises(ValidationError):
        document_validator(Allocated).validate_json('{"regions": {"asia": 101}}')


def _portfolio_text() -> str:
    return json.dumps(portfolio_payload())


def test_a_portfolio_reads_as_the_model_reads_it() -> None:
    text = _portfolio_text()
    ours = decode_text_decimals_document(text, Portfolio)
    theirs = decode_document(text, Portfolio)
    assert ours == theirs
    assert ours.model_dump_json() == theirs.model_dump_json()
    assert type(ours) is Portfolio
    assert type(ours.instruments["SPY"]) is InstrumentView
    assert type(ours.user) is UserView


def test_a_document_the_model_refuses_is_internal() -> None:
    payload = portfolio_payload()
    payload["accounts"][0]["positions"][0]["symbol"] = "GONE"
    with pytest.raises(InternalError, match="Portfolio"):
        decode_text_decimals_document(json.dumps(payload), Portfolio)


def test_reading_a_portfolio_runs_no_python_but_the_models_own_check() -> None:
    text = _portfolio_text()
    # Built after every model it holds has a validator of its own (as under SnapStart's init),
    # which pydantic-core would otherwise reuse.
    Portfolio.model_validate_json(text)
    document_validator.cache_clear()
    validator = document_validator(Portfolio)
    validator.validate_json(text)
    called: set[str] = set()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            called.add(f"{frame.f_code.co_filename}:{frame.f_code.co_name}")

    sys.setprofile(profile)
    try:
        validator.validate_json(text)
    finally:
        sys.setprofile(None)
    python = {name for name in called if "setprofile" not in name}
    assert {name.rsplit(":", 1)[1] for name in python} == {"_every_position_has_its_instrument"}


def test_a_decimal_written_as_a_number_keeps_its_value() -> None:
    text = json.dumps(portfolio_payload()).replace('"1000.50"', "1000.50")
    read = decode_text_decimals_document(text, Portfolio)
    assert read.accounts[0].cash_balance == Decimal("1000.50")
