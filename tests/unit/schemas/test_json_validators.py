"""A result model read straight from JSON text reads as the model reads it, with no Python per
value: each scalar type of the layer that results carry is held to its own validator (for any
JSON value, the JSON validator accepts it exactly when the model does, and reads the same value,
the same JSON when dumped), and an agent reads an answer the same either way. The function's
answer codec writes, byte for byte, what the model writes for what the JSON validator reads."""

from __future__ import annotations

import enum
import json
import sys
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any

import pytest
from alex_schemas.envelope import (
    NATIVE_READ_BYTES,
    ErrorEnvelope,
    OkEnvelope,
    ok,
    ok_json,
    parse_envelope,
)
from alex_schemas.json_validators import json_answer_codec, json_validator
from alex_schemas.results import Portfolio, Result
from alex_schemas.vocab import (
    ClerkUserId,
    InstrumentType,
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

from tests.unit.schemas.samples import portfolio, portfolio_payload


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
    regions: RegionAllocation | None = None
    kind: InstrumentType | None = None


def _verdict(validate: Any, text: str) -> str | None:
    """The value read, as JSON, or None when refused."""
    try:
        return str(validate(text).model_dump_json())
    except ValidationError:
        return None


def _assert_same_reading(model: type[Result], text: str) -> None:
    ours = _verdict(json_validator(model).validate_json, text)
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
    "percents": st.dictionaries(
        st.one_of(st.sampled_from([r.value for r in Region]), _TEXT), _NUMBER, max_size=3
    ),
    "symbol": _TEXT,
    "text": _TEXT,
    "clerk_user_id": _TEXT,
    "name": _TEXT,
    "at": _TIMESTAMP,
    "kind": st.one_of(
        st.sampled_from([t.value for t in InstrumentType]),
        st.sampled_from([t.value.upper() for t in InstrumentType]),
        _TEXT,
        st.integers(),
        st.none(),
    ),
    "regions": st.dictionaries(
        st.sampled_from([r.value for r in Region]),
        st.one_of(st.sampled_from([100, 50, "50", 33.33, 33.34, "33.330", 0]), _NUMBER),
        max_size=3,
    ),
}


@settings(max_examples=3000, deadline=None)
@given(st.sampled_from(sorted(_FIELDS)).flatmap(lambda f: st.tuples(st.just(f), _FIELDS[f])))
def test_every_scalar_reads_as_its_own_validator_reads_it(field: tuple[str, Any]) -> None:
    name, value = field
    _assert_same_reading(Scalars, json.dumps({name: value}))


def _written_by_the_codec(model: type[Result], text: str) -> bytes | None:
    validator, serializer = json_answer_codec(model)
    try:
        return bytes(serializer.to_json(validator.validate_json(text)))
    except ValidationError:
        return None


def _written_by_the_model(model: type[Result], text: str) -> bytes | None:
    try:
        read = json_validator(model, database_checked=True).validate_json(text)
    except ValidationError:
        return None
    return bytes(model.__pydantic_serializer__.to_json(read))


# numeric's text at each scale the columns have, near the values whose Decimal str differs
_SCALED_TEXT = st.one_of(
    *(
        st.decimals(min_value=0, max_value=10**13, places=places).map(lambda d: format(d, "f"))
        for places in (2, 4, 6, 8)
    ),
    *(
        st.builds(
            lambda whole, zeros, digits, p=places: f"{whole}.{('0' * zeros + digits)[:p]:0<{p}}",
            st.sampled_from(["0", "1", "100", "99999999"]),
            st.integers(min_value=0, max_value=places),
            st.text(alphabet="0123456789", min_size=1, max_size=places),
        )
        for places in (2, 4, 6, 8)
    ),
    st.sampled_from(["0.00", "0.0000", "0.000000", "0.0000000", "0.00000000", "1.0000", "0.9999"]),
)


@settings(max_examples=3000, deadline=None)
@given(
    st.sampled_from(sorted(_FIELDS)).flatmap(
        lambda f: st.tuples(
            st.just(f),
            st.one_of(_FIELDS[f], _SCALED_TEXT)
            if f in {"money", "price", "quantity", "rate", "percent"}
            else _FIELDS[f],
        )
    )
)
def test_every_scalar_is_written_by_the_answer_codec_as_the_model_writes_it(
    field: tuple[str, Any],
) -> None:
    name, value = field
    text = json.dumps({name: value})
    assert _written_by_the_codec(Scalars, text) == _written_by_the_model(Scalars, text), text


def test_numeric_text_at_every_scale_is_written_by_the_answer_codec_as_the_model_writes_it() -> (
    None
):
    for name in ("money", "price", "quantity", "rate", "percent"):
        for places in range(10):
            for zeros in range(places + 1):
                for whole in ("0", "1", "100", "-0", "-1", *("9" * n for n in range(7, 14))):
                    for digits in ("", "1", "12", "10", "9999999999"):
                        fraction = f"{('0' * zeros + digits)[:places]:0<{places}}"
                        text = json.dumps({name: f"{whole}.{fraction}" if places else whole})
                        written = _written_by_the_codec(Scalars, text)
                        assert written == _written_by_the_model(Scalars, text), text


def test_the_answer_codec_builds_no_decimal_for_whole_numbers_and_numeric_text() -> None:
    validator, _ = json_answer_codec(Scalars)
    text = '{"quantity": "12.34567891", "money": "0.50", "percents": {"asia": 60}}'
    read = validator.validate_json(text)
    assert (read.quantity, read.money, read.percents) == ("12.34567891", "0.50", {"asia": "60"})
    # and what only a Decimal spells is written as the Decimal's str
    written = _written_by_the_codec(Scalars, '{"quantity": "0.00000010"}')
    assert written is not None
    assert json.loads(written)["quantity"] == "1.0E-7"


class _Loose(enum.StrEnum):
    CASH = "cash"

    @classmethod
    def _missing_(cls, value: object) -> _Loose | None:
        return cls.CASH if isinstance(value, str) and value.lower() == "cash" else None


class _LooseResult(Result):
    kind: _Loose


@pytest.mark.parametrize("kind", ["cash", "CASH", "Cash", "bond", 1])
def test_a_vocabulary_that_reads_more_than_its_values_is_written_as_the_model_writes_it(
    kind: object,
) -> None:
    text = json.dumps({"kind": kind})
    assert _written_by_the_codec(_LooseResult, text) == _written_by_the_model(_LooseResult, text)


def test_a_large_answer_is_written_with_no_python_per_value() -> None:
    text = _large_portfolio().model_dump_json()
    validator, serializer = json_answer_codec(Portfolio)
    written = serializer.to_json(validator.validate_json(text))
    assert written == _written_by_the_model(Portfolio, text)
    called = _calls_during(lambda: serializer.to_json(validator.validate_json(text)))
    assert called - {"<lambda>"} == {"_every_position_has_its_instrument"}


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
    read = json_validator(Scalars).validate_json(text)
    assert read.at is not None
    assert read.at.utcoffset() == timedelta(0)
    assert read.at == datetime.fromisoformat(value).astimezone(UTC)


def test_a_naive_timestamp_is_refused() -> None:
    with pytest.raises(ValidationError, match="timezone offset"):
        json_validator(Scalars).validate_json('{"at": "2026-01-31T09:30:00"}')


def test_a_symbol_is_upper_cased_and_a_dotless_i_is_not_an_i() -> None:
    assert json_validator(Scalars).validate_json('{"symbol": "brk.b"}').symbol == "BRK.B"
    with pytest.raises(ValidationError):
        json_validator(Scalars).validate_json('{"symbol": "\\u0131"}')


def _calls_during(action: Any) -> set[str]:
    """The Python functions `action` calls, by name."""
    called: set[str] = set()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call":
            called.add(frame.f_code.co_name)

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return called


def _large_portfolio() -> Portfolio:
    """A portfolio whose answer passes NATIVE_READ_BYTES: many instruments, each held."""
    payload = portfolio_payload()
    account = payload["accounts"][0]
    template = payload["instruments"]["SPY"]
    for n in range(80):
        symbol = f"FUND{n}"
        payload["instruments"][symbol] = {**template, "symbol": symbol, "name": f"Fund {n}"}
        account["positions"].append(
            {"symbol": symbol, "quantity": f"{n}.5", "as_of_date": "2026-11-24"}
        )
    return Portfolio.model_validate(payload)


def test_an_agent_reads_a_large_answer_as_the_model_reads_it() -> None:
    held = _large_portfolio()
    answer = ok_json(held)
    assert len(answer) >= NATIVE_READ_BYTES
    read = parse_envelope(answer, Portfolio)
    assert isinstance(read, OkEnvelope)
    assert read.result == held
    assert read == parse_envelope(ok(held), Portfolio)
    assert read.model_dump_json() == parse_envelope(ok(held), Portfolio).model_dump_json()
    assert read == parse_envelope(answer.decode(), Portfolio)


def test_an_agent_reads_a_large_answer_with_no_python_per_value() -> None:
    held = _large_portfolio()
    answer = ok_json(held)
    # the model's own validators, ready: pydantic-core would otherwise reuse them
    parse_envelope(ok(held), Portfolio)
    json_validator.cache_clear()
    parse_envelope(answer, Portfolio)
    called = _calls_during(lambda: parse_envelope(answer, Portfolio))
    assert "_exact_decimal" not in called
    assert "_to_utc" not in called
    assert "_storable_text" not in called
    # the model's own rules that no native check states stay: the sums, the instruments held
    assert {"_sums_to_100", "_every_position_has_its_instrument"} <= called


def test_a_small_answer_is_read_by_the_models_own_validator() -> None:
    answer = ok_json(portfolio())
    assert len(answer) < NATIVE_READ_BYTES
    assert "_exact_decimal" in _calls_during(lambda: parse_envelope(answer, Portfolio))


@pytest.mark.parametrize("bad_sum", [{"asia": "10"}, {"asia": 10}])
def test_an_answer_the_model_refuses_is_refused_as_before(bad_sum: dict[str, Any]) -> None:
    result = _large_portfolio().model_dump(mode="json")
    result["user"]["region_targets"] = bad_sum
    answer = json.dumps({"ok": True, "result": result})
    assert len(answer) >= NATIVE_READ_BYTES
    with pytest.raises(ValidationError, match="allocation_sum"):
        parse_envelope(answer, Portfolio)


def test_a_large_error_answer_is_the_error_it_says() -> None:
    answer = json.dumps(
        {"ok": False, "error": {"code": "NotFound", "message": "x" * NATIVE_READ_BYTES}}
    )
    read = parse_envelope(answer, Portfolio)
    assert isinstance(read, ErrorEnvelope)
    assert read.error.code == "NotFound"
