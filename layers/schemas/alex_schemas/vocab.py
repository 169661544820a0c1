"""The planner's closed vocabularies and the constrained scalar types every model shares.

Vocabularies are `StrEnum`s so they compare equal to the plain strings stored in the
database and read naturally in JSON. The scalar aliases carry the precision of the columns
they end up in, so a value the database would round or reject fails here, at the caller.
"""

import enum
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Final, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

__all__ = [
    "ALLOCATION_TOLERANCE",
    "DECIMAL_STRING_PATTERN",
    "FLOAT_SIGNIFICANT_DIGITS",
    "AccountName",
    "AccountType",
    "AssetClass",
    "AssetClassAllocation",
    "ClerkUserId",
    "Cursor",
    "ExactNumber",
    "InstrumentType",
    "JobStatus",
    "JobType",
    "Money",
    "Percent",
    "Price",
    "Quantity",
    "Rate",
    "Region",
    "RegionAllocation",
    "Sector",
    "SectorAllocation",
    "Symbol",
    "UtcDatetime",
    "utc_now",
]


class Region(enum.StrEnum):
    NORTH_AMERICA = "north_america"
    EUROPE = "europe"
    ASIA = "asia"
    LATIN_AMERICA = "latin_america"
    AFRICA = "africa"
    MIDDLE_EAST = "middle_east"
    OCEANIA = "oceania"
    GLOBAL = "global"
    INTERNATIONAL = "international"


class AssetClass(enum.StrEnum):
    EQUITY = "equity"
    FIXED_INCOME = "fixed_income"
    REAL_ESTATE = "real_estate"
    COMMODITIES = "commodities"
    CASH = "cash"
    ALTERNATIVES = "alternatives"


class Sector(enum.StrEnum):
    TECHNOLOGY = "technology"
    HEALTHCARE = "healthcare"
    FINANCIALS = "financials"
    CONSUMER_DISCRETIONARY = "consumer_discretionary"
    CONSUMER_STAPLES = "consumer_staples"
    INDUSTRIALS = "industrials"
    ENERGY = "energy"
    MATERIALS = "materials"
    UTILITIES = "utilities"
    REAL_ESTATE = "real_estate"
    COMMUNICATION = "communication"
    TREASURY = "treasury"
    CORPORATE = "corporate"
    MORTGAGE = "mortgage"
    GOVERNMENT_RELATED = "government_related"
    COMMODITIES = "commodities"
    DIVERSIFIED = "diversified"
    OTHER = "other"


class InstrumentType(enum.StrEnum):
    ETF = "etf"
    MUTUAL_FUND = "mutual_fund"
    STOCK = "stock"
    BOND = "bond"
    BOND_FUND = "bond_fund"
    COMMODITY = "commodity"
    REIT = "reit"


class AccountType(enum.StrEnum):
    # Member names cannot start with a digit; the values are what the seed's agents used.
    K401 = "401k"
    ROTH_IRA = "roth_ira"
    TRADITIONAL_IRA = "traditional_ira"
    TAXABLE = "taxable"
    PLAN_529 = "529"
    HSA = "hsa"
    PENSION = "pension"
    OTHER = "other"


class JobType(enum.StrEnum):
    PORTFOLIO_ANALYSIS = "portfolio_analysis"
    REBALANCE_RECOMMENDATION = "rebalance_recommendation"
    RETIREMENT_PROJECTION = "retirement_projection"
    RISK_ASSESSMENT = "risk_assessment"
    TAX_OPTIMIZATION = "tax_optimization"
    INSTRUMENT_RESEARCH = "instrument_research"


class JobStatus(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


# --- timestamps -------------------------------------------------------------------------


def utc_now() -> datetime:
    return datetime.now(UTC)


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


# Naive datetimes are rejected (AwareDatetime), never guessed: the seed stored naive local
# times and nobody could tell which zone they meant. Aware values are normalised to UTC so
# equal instants compare and serialise equally.
UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


# --- decimals (precision of the seed's columns) -------------------------------------------

# A float carries about 15 significant decimal digits (DBL_DIG). A JSON number arrives as a
# float (the Lambda runtime and pydantic's JSON parser both parse it so), and its shortest
# repr is exactly what the sender wrote as long as they wrote at most 15 digits. Beyond that
# the digits are already lost, so such a number is refused rather than silently rounded:
# precise values travel as strings, which is how these models serialise them.
FLOAT_SIGNIFICANT_DIGITS: Final = 15


def _exact_decimal(value: object) -> object:
    if isinstance(value, float):
        exact = Decimal(repr(value))
        if exact.is_finite() and len(exact.as_tuple().digits) > FLOAT_SIGNIFICANT_DIGITS:
            msg = (
                f"number {value!r} has more than {FLOAT_SIGNIFICANT_DIGITS} significant digits"
                " and lost precision as a JSON number; send it as a string"
            )
            raise ValueError(msg)
        return exact
    return value


# A decimal string, as these models write them and accept them.
DECIMAL_STRING_PATTERN: Final = r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$"


class _ExactNumber:
    """Annotation for decimals: refuse floats that lost digits (above), and give the JSON
    Schema's string branch a pattern so non-Python callers see what a decimal string is."""

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(_exact_decimal, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        branches = json_schema.get("anyOf", [json_schema])
        for branch in branches:
            if branch.get("type") == "string":
                branch.setdefault("pattern", DECIMAL_STRING_PATTERN)
        return json_schema


# Put after the Field constraints in an Annotated decimal.
ExactNumber = _ExactNumber()

# users.target_retirement_income, accounts.cash_balance: decimal(12,2)
Money = Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2), ExactNumber]
# instruments.current_price: decimal(12,4); a price of zero is a data error, not a price
Price = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=4), ExactNumber]
# positions.quantity: decimal(20,8); a zero position is a DeletePosition
Quantity = Annotated[Decimal, Field(gt=0, max_digits=20, decimal_places=8), ExactNumber]
# accounts.cash_interest: decimal(5,4), a fraction (0.045 is 4.5 %)
Rate = Annotated[Decimal, Field(ge=0, le=1, max_digits=5, decimal_places=4), ExactNumber]
# one allocation share, in percent
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=10, decimal_places=6), ExactNumber]

# --- identifiers and text ----------------------------------------------------------------

ClerkUserId = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^\S+$")]


# Upper-cased on the way in: tickers are case-insensitive, and one spelling per symbol keeps
# the primary key (and ON CONFLICT) honest.
def _normalise_symbol(value: object) -> object:
    return value.strip().upper() if isinstance(value, str) else value


Symbol = Annotated[
    str,
    # lower case allowed by the pattern for JSON Schema readers; it is upper-cased first here
    StringConstraints(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9^][A-Za-z0-9.\-^=/:_]*$"),
    # after the constraints, so it wraps them: it runs first
    BeforeValidator(_normalise_symbol),
]
AccountName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
# Opaque paging token: pass back `next_cursor` verbatim.
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=512)]

# --- allocation maps ---------------------------------------------------------------------

# The seed allowed sums of 100 +/- 0.05: LLM-produced splits such as 33.33/33.33/33.33.
ALLOCATION_TOLERANCE: Final = Decimal("0.05")

_K = TypeVar("_K", bound=enum.StrEnum)


def _sums_to_100(allocation: Mapping[_K, Decimal]) -> Mapping[_K, Decimal]:
    # An empty map means "not classified yet" (the seed's column default `{}`); anything
    # else must be a whole split.
    if not allocation:
        return allocation
    total = sum(allocation.values(), Decimal(0))
    if abs(total - 100) > ALLOCATION_TOLERANCE:
        msg = f"allocation percentages must sum to 100 (+/- {ALLOCATION_TOLERANCE}), got {total}"
        raise ValueError(msg)
    return allocation


RegionAllocation = Annotated[dict[Region, Percent], AfterValidator(_sums_to_100)]
SectorAllocation = Annotated[dict[Sector, Percent], AfterValidator(_sums_to_100)]
AssetClassAllocation = Annotated[dict[AssetClass, Percent], AfterValidator(_sums_to_100)]
