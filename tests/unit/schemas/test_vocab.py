"""Vocabularies, allocation maps, decimals and timestamps: the shared scalar rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from alex_schemas import AccountType, AssetClass, InstrumentType, JobStatus, JobType, Region, Sector
from alex_schemas.vocab import (
    ALLOCATION_TOLERANCE,
    AssetClassAllocation,
    Money,
    Price,
    Quantity,
    Rate,
    RegionAllocation,
    SectorAllocation,
    Symbol,
    UtcDatetime,
)
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

# The closed sets as domain.md lists them.
DOMAIN = {
    Region: "north_america europe asia latin_america africa middle_east oceania global"
    " international",
    AssetClass: "equity fixed_income real_estate commodities cash alternatives",
    Sector: "technology healthcare financials consumer_discretionary consumer_staples industrials"
    " energy materials utilities real_estate communication treasury corporate mortgage"
    " government_related commodities diversified other",
    InstrumentType: "etf mutual_fund stock bond bond_fund commodity reit",
    AccountType: "401k roth_ira traditional_ira taxable 529 hsa pension other",
    JobType: "portfolio_analysis rebalance_recommendation retirement_projection risk_assessment"
    " tax_optimization instrument_research",
    JobStatus: "pending running completed failed",
}


@pytest.mark.parametrize("vocab", list(DOMAIN), ids=lambda v: v.__name__)
def test_vocabularies_are_exactly_the_domains(vocab: type[Any]) -> None:
    assert [m.value for m in vocab] == DOMAIN[vocab].split()


def test_vocabulary_members_equal_their_stored_strings() -> None:
    assert str(AccountType.K401) == "401k"
    assert AccountType("401k") is AccountType.K401
    assert f"{JobStatus.RUNNING}" == "running"


# --- allocation maps ---------------------------------------------------------------------

REGION_MAP: TypeAdapter[dict[Region, Decimal]] = TypeAdapter(RegionAllocation)
SECTOR_MAP: TypeAdapter[dict[Sector, Decimal]] = TypeAdapter(SectorAllocation)
ASSET_MAP: TypeAdapter[dict[AssetClass, Decimal]] = TypeAdapter(AssetClassAllocation)

shares = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def splits(draw: st.DrawFn, keys: list[Any]) -> dict[Any, Decimal]:
    """A random split of 100 over some of `keys`, in hundredths, summing to exactly 100."""
    chosen = draw(st.lists(st.sampled_from(keys), min_size=1, unique=True))
    cuts = sorted(
        draw(st.lists(st.integers(0, 10_000), min_size=len(chosen) - 1, max_size=len(chosen) - 1))
    )
    bounds = [0, *cuts, 10_000]
    return {
        k: Decimal(hi - lo) / 100 for k, lo, hi in zip(chosen, bounds, bounds[1:], strict=False)
    }


@given(
    splits(list(Region)),
    st.decimals(min_value=-ALLOCATION_TOLERANCE, max_value=ALLOCATION_TOLERANCE, places=2),
)
def test_a_split_summing_to_100_within_tolerance_is_accepted(
    split: dict[Region, Decimal], drift: Decimal
) -> None:
    # Given a whole split, nudged by at most the tolerance on one key
    key = next(iter(split))
    assume(0 <= split[key] + drift <= 100)
    nudged = {**split, key: split[key] + drift}
    # When it is validated (keys as the strings JSON carries)
    parsed = REGION_MAP.validate_python({k.value: str(v) for k, v in nudged.items()})
    # Then it is kept exactly, keyed by the vocabulary
    assert parsed == nudged


@given(
    splits(list(Sector)),
    st.decimals(min_value=Decimal("0.06"), max_value=50, places=2),
    st.booleans(),
)
def test_a_split_off_by_more_than_the_tolerance_is_refused(
    split: dict[Sector, Decimal], drift: Decimal, down: bool
) -> None:
    key = next(iter(split))
    value = split[key] - drift if down else split[key] + drift
    assume(0 <= value <= 100)
    with pytest.raises(ValidationError, match="sum to 100"):
        SECTOR_MAP.validate_python({**split, key: value})


def test_an_empty_map_means_unclassified_and_is_accepted() -> None:
    assert ASSET_MAP.validate_python({}) == {}


@pytest.mark.parametrize(
    "bad",
    [
        {"equity": 100, "crypto": 0},  # key outside the vocabulary
        {"north_america": 100},  # key from another vocabulary
        {"equity": 110, "cash": -10},  # negative share
        {"equity": None},
        {"equity": "NaN"},
        {"equity": "lots"},
    ],
)
def test_asset_class_map_rejects(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ASSET_MAP.validate_python(bad)


# --- decimals ----------------------------------------------------------------------------

MONEY: TypeAdapter[Decimal] = TypeAdapter(Money)
PRICE: TypeAdapter[Decimal] = TypeAdapter(Price)
QUANTITY: TypeAdapter[Decimal] = TypeAdapter(Quantity)
RATE: TypeAdapter[Decimal] = TypeAdapter(Rate)


@given(
    st.decimals(
        min_value=Decimal("0.00000001"), max_value=Decimal("999999999999.99999999"), places=8
    )
)
def test_quantities_survive_a_json_round_trip_exactly(q: Decimal) -> None:
    # Given any decimal(20,8) quantity, when written as JSON and read back
    text = QUANTITY.dump_json(q)
    # Then it travelled as a string and came back digit for digit
    assert text.startswith(b'"')
    assert QUANTITY.validate_json(text) == q


@given(st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2))
def test_money_given_as_a_json_number_with_few_digits_is_exact(m: Decimal) -> None:
    # A JSON number of at most 15 significant digits is what the sender meant
    assume(len(m.as_tuple().digits) <= 15)
    assert MONEY.validate_json(str(m)) == m


@pytest.mark.parametrize(
    "number",
    ["123456789012.12345678", "1234567890.12345678", "99999999.99999999"],
)
def test_json_numbers_that_lost_digits_are_refused_not_rounded(number: str) -> None:
    with pytest.raises(ValidationError, match="send it as a string"):
        QUANTITY.validate_json(number)
    # the same value as a string is exact
    assert QUANTITY.validate_json(f'"{number}"') == Decimal(number)


@pytest.mark.parametrize(
    ("adapter", "value"),
    [
        (MONEY, "1.234"),  # three places in a decimal(12,2)
        (MONEY, "-0.01"),
        (MONEY, "12345678901.00"),  # 11 integer digits
        (PRICE, "0"),
        (PRICE, "1.23456"),
        (QUANTITY, "0"),
        (QUANTITY, "0.000000001"),
        (RATE, "1.0001"),
        (RATE, "0.12345"),
        (MONEY, "Infinity"),
        (MONEY, "NaN"),
        (MONEY, True),
    ],
)
def test_decimals_outside_their_column_are_refused(
    adapter: TypeAdapter[Decimal], value: Any
) -> None:
    with pytest.raises(ValidationError):
        adapter.validate_python(value)


def test_a_float_from_a_parsed_json_document_becomes_its_shortest_decimal() -> None:
    # The Lambda runtime hands us 0.1 as a float; it must not become 0.1000000000000000055...
    assert MONEY.validate_python(0.1) == Decimal("0.1")
    assert RATE.validate_python(0.045) == Decimal("0.045")


# --- timestamps and symbols ---------------------------------------------------------------

UTC_TS: TypeAdapter[datetime] = TypeAdapter(UtcDatetime)


def test_naive_timestamps_are_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        UTC_TS.validate_python("2026-11-25T09:00:00")
    with pytest.raises(ValidationError):
        UTC_TS.validate_python(datetime(2026, 11, 25, 9, 0))


def test_aware_timestamps_are_normalised_to_utc() -> None:
    paris = timezone(timedelta(hours=1))
    parsed = UTC_TS.validate_python(datetime(2026, 11, 25, 10, 0, tzinfo=paris))
    assert parsed == datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert parsed.utcoffset() == timedelta(0)
    assert UTC_TS.dump_json(parsed) == b'"2026-11-25T09:00:00Z"'


SYMBOL: TypeAdapter[str] = TypeAdapter(Symbol)


def test_symbols_are_upper_cased_and_never_trimmed() -> None:
    # trimming would make the model accept what the JSON Schema's pattern refuses
    assert SYMBOL.validate_python("brk.b") == "BRK.B"
    with pytest.raises(ValidationError):
        SYMBOL.validate_python("  brk.b ")


@pytest.mark.parametrize("bad", ["", "   ", "A" * 21, "SP Y", "SPY;DROP", "$SPY"])
def test_malformed_symbols_are_refused(bad: str) -> None:
    with pytest.raises(ValidationError):
        SYMBOL.validate_python(bad)
