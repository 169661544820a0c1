"""The planner's closed vocabularies and the constrained scalar types every model shares.

Vocabularies are `StrEnum`s so they compare equal to the plain strings stored in the
database and read naturally in JSON. The scalar aliases carry the precision of the columns
they end up in, so a value the database would round or reject fails here, at the caller.
"""

import enum
import math
import operator
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Final, TypeVar, Union
from uuid import UUID

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    JsonValue,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema
from typing_extensions import TypeAliasType

__all__ = [
    "ALLOCATION_TOLERANCE",
    "DATE_PATTERN",
    "DECIMAL_STRING_PATTERN",
    "FLOAT_SIGNIFICANT_DIGITS",
    "MAX_JSON_DEPTH",
    "NONBLANK_PATTERN",
    "TEXT_PATTERN",
    "TIMESTAMP_PATTERN",
    "UUID_PATTERN",
    "AccountName",
    "AccountType",
    "AssetClass",
    "AssetClassAllocation",
    "ClerkUserId",
    "Cursor",
    "ExactNumber",
    "InstrumentType",
    "IntegerOnly",
    "IsoDate",
    "JobStatus",
    "JobType",
    "JsonMember",
    "JsonObject",
    "Money",
    "Name",
    "PatternKeys",
    "Percent",
    "Price",
    "Quantity",
    "Rate",
    "Region",
    "RegionAllocation",
    "Sector",
    "SectorAllocation",
    "StorableText",
    "StrictInteger",
    "Symbol",
    "Text",
    "TextKeysSchema",
    "UtcDatetime",
    "Uuid",
    "Vocabulary",
    "utc_now",
]


class Vocabulary(enum.StrEnum):
    """A closed vocabulary. pydantic-core reads `.value` of every member it writes as JSON, and
    Enum's own `value` runs two Python-level calls a read; this one is C all the way."""

    value = enum.nonmember(property(operator.attrgetter("_value_")))


class Region(Vocabulary):
    NORTH_AMERICA = "north_america"
    EUROPE = "europe"
    ASIA = "asia"
    LATIN_AMERICA = "latin_america"
    AFRICA = "africa"
    MIDDLE_EAST = "middle_east"
    OCEANIA = "oceania"
    GLOBAL = "global"
    INTERNATIONAL = "international"


class AssetClass(Vocabulary):
    EQUITY = "equity"
    FIXED_INCOME = "fixed_income"
    REAL_ESTATE = "real_estate"
    COMMODITIES = "commodities"
    CASH = "cash"
    ALTERNATIVES = "alternatives"


class Sector(Vocabulary):
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


class InstrumentType(Vocabulary):
    ETF = "etf"
    MUTUAL_FUND = "mutual_fund"
    STOCK = "stock"
    BOND = "bond"
    BOND_FUND = "bond_fund"
    COMMODITY = "commodity"
    REIT = "reit"


class AccountType(Vocabulary):
    # Member names cannot start with a digit; the values are the ones the agents send.
    K401 = "401k"
    ROTH_IRA = "roth_ira"
    TRADITIONAL_IRA = "traditional_ira"
    TAXABLE = "taxable"
    PLAN_529 = "529"
    HSA = "hsa"
    PENSION = "pension"
    OTHER = "other"


class JobType(Vocabulary):
    PORTFOLIO_ANALYSIS = "portfolio_analysis"
    REBALANCE_RECOMMENDATION = "rebalance_recommendation"
    RETIREMENT_PROJECTION = "retirement_projection"
    RISK_ASSESSMENT = "risk_assessment"
    TAX_OPTIMIZATION = "tax_optimization"
    INSTRUMENT_RESEARCH = "instrument_research"


class JobStatus(Vocabulary):
    PENDING = "pending"
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


# --- storable scalars: what PostgreSQL and JSON can both hold ------------------------------
#
# Each type below refuses, at the caller, a value the database would refuse or change, and says
# so in its JSON Schema too, so other languages see the same rule. Messages name the rule,
# never the value.

# Text is a sequence of Unicode scalar values without NUL: PostgreSQL's text and jsonb refuse
# U+0000, and a lone surrogate (which Python's JSON parser lets through) is not encodable as
# UTF-8. JSON Schema patterns cannot portably name surrogates, so the schema says NUL only.
TEXT_PATTERN: Final = r"^[^\x00]*$"


def _storable_text(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("text_nul", "text must not contain NUL (U+0000) characters")
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise PydanticCustomError(
                "text_surrogate", "text must be valid Unicode (no lone surrogates)"
            ) from None
    return value


class _StorableText:
    """Annotation for `str`: refuse what PostgreSQL's text cannot hold (see TEXT_PATTERN)."""

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_storable_text, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        # A field's own pattern (identifiers, symbols) already excludes NUL; a test holds it.
        json_schema.setdefault("pattern", TEXT_PATTERN)
        return json_schema


StorableText = _StorableText()
# The one text type: every text field of every model is `Text` (lengths are added per field).
Text = Annotated[str, StorableText]


# Free JSON (request payloads, summary keys) is stored as jsonb: numbers must be finite (JSON
# has no NaN or Infinity, though Python's parser admits them), strings and keys must be Text,
# and nesting is bounded so that neither a parser nor a logger recurses without limit.
MAX_JSON_DEPTH: Final = 32


def _storable_json(value: object, depth: int = 1) -> object:
    """`value` if it is storable JSON at `depth` (1: the field's own level)."""
    # Iterative, so that a value nested far too deep is refused rather than overflowing.
    stack: list[tuple[object, int]] = [(value, depth)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                raise PydanticCustomError(
                    "json_number", "JSON numbers must be finite (no NaN or Infinity)"
                )
        elif isinstance(item, str):
            _storable_text(item)
        elif isinstance(item, dict | list):
            if level > MAX_JSON_DEPTH:
                raise PydanticCustomError(
                    "json_depth",
                    "JSON is nested deeper than {max_depth} levels",
                    {"max_depth": MAX_JSON_DEPTH},
                )
            if isinstance(item, dict):
                for key, child in item.items():
                    if isinstance(key, str):
                        _storable_text(key)
                    stack.append((child, level + 1))
            else:
                stack.extend((child, level + 1) for child in item)
    return value


class _PatternKeys:
    """JSON Schema of a map whose keys have a pattern: every key must match it. (pydantic
    writes `patternProperties`, which leaves keys that do not match unchecked.)"""

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        by_pattern = json_schema.pop("patternProperties", None)
        if by_pattern:
            ((pattern, values),) = by_pattern.items()
            json_schema["propertyNames"] = {"pattern": pattern}
            json_schema["additionalProperties"] = values
        return json_schema


PatternKeys = _PatternKeys()


class _TextKeys:
    """JSON Schema of a JSON object whose keys are Text."""

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["propertyNames"] = {"pattern": TEXT_PATTERN}
        return json_schema


def TextKeysSchema(schema: dict[str, Any]) -> None:
    """`json_schema_extra` of a model whose extra keys are free JSON: keys are Text."""
    schema["propertyNames"] = {"pattern": TEXT_PATTERN}


_JsonText = Annotated[str, StringConstraints(pattern=TEXT_PATTERN)]
_JsonScalar = Union[_JsonText, bool, int, float, None]  # noqa: UP007 (an alias's value)


def _json_levels(depth: int) -> Any:
    """A JSON value at most `depth` levels deep, as types: level n holds containers of level
    n - 1, level 0 scalars only."""
    level: Any = _JsonScalar
    for remaining in range(1, depth + 1):
        level = TypeAliasType(  # type: ignore[misc]
            f"JsonLevel{remaining}",
            Union[_JsonScalar, list[level], Annotated[dict[str, level], _TextKeys()]],  # noqa: UP007
        )
    return level


class _JsonMember:
    """Annotation for the values of a free-JSON object: validation walks each (above); the
    JSON Schema is the unrolled levels, as JSON Schema has no depth keyword."""

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        levels = handler.generate_schema(_json_levels(MAX_JSON_DEPTH - 1))
        return core_schema.no_info_before_validator_function(
            _storable_member, handler(source), json_schema_input_schema=levels
        )


def _storable_member(value: object) -> object:
    return _storable_json(value, depth=2)


# One value of a free-JSON object (a member): storable, at most MAX_JSON_DEPTH - 1 levels deep.
JsonMember = Annotated[JsonValue, _JsonMember()]

# A JSON object as jsonb stores it: Text keys, values up to MAX_JSON_DEPTH levels of nesting
# counting the object's own. Constraints added to it (Field(min_length=...)) are the object's.
JsonObject = Annotated[
    dict[Annotated[str, AfterValidator(_storable_text)], JsonMember],
    _TextKeys(),
]


# Integers are JSON Schema integers: an int, or a float with no fraction (JSON does not tell
# 2 from 2.0), never a bool or a numeric string, which lax coercion would store as 1 or 25.
def _strict_integer(value: object) -> object:
    if isinstance(value, bool | str | bytes | bytearray):
        raise PydanticCustomError("int_type", "Input should be an integer")
    return value


IntegerOnly = BeforeValidator(_strict_integer)
StrictInteger = Annotated[int, IntegerOnly]
# An optional bounded integer puts its bounds before IntegerOnly,
# `Annotated[int, Field(ge=0), IntegerOnly] | None`: bounds placed on top of a before-validator
# inside a union are not translated into JSON Schema keywords, so the published schema would
# accept what the model refuses.


# Timestamps are RFC 3339 text with an offset (or aware datetimes from Python), between
# 0001-01-02 and 9999-12-30: within those dates any offset stays inside the years 1 to 9999
# after conversion to UTC, which both Python and PostgreSQL's timestamptz can hold. Naive
# values are refused, never guessed: a naive time names no zone, so nobody could tell which
# instant it meant. Values are normalised to UTC so equal instants compare and serialise
# equally.
_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"
    r"|02-(?:0[1-9]|1\d|2[0-8]))"
)
_LEAP_DAY = r"(?:\d\d(?:0[48]|[2468][048]|[13579][26])|(?:[02468][048]|[13579][26])00)-02-29"
_DATE = rf"(?!0000)(?:\d{{4}}-{_MONTH_DAY}|{_LEAP_DAY})"
TIMESTAMP_PATTERN: Final = (
    rf"^(?!0001-01-01|9999-12-31){_DATE}"
    r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$"
)
DATE_PATTERN: Final = rf"^{_DATE}$"
_TIMESTAMP = re.compile(TIMESTAMP_PATTERN)
_DATE_TEXT = re.compile(DATE_PATTERN)
_FIRST_DAY, _LAST_DAY = date(1, 1, 2), date(9999, 12, 30)


def _timestamp_in(value: object) -> object:
    if isinstance(value, str):
        if not _TIMESTAMP.match(value):
            raise PydanticCustomError(
                "timestamp_format",
                "Input should be an RFC 3339 timestamp with a timezone offset, such as"
                " 2026-01-31T09:30:00Z, dated 0001-01-02 to 9999-12-30",
            )
        return value
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise PydanticCustomError("timezone_aware", "Input should have timezone info")
        if not _FIRST_DAY <= value.date() <= _LAST_DAY:
            raise PydanticCustomError(
                "timestamp_range", "Input should be dated 0001-01-02 to 9999-12-30"
            )
        return value
    raise PydanticCustomError("timestamp_type", "Input should be an RFC 3339 timestamp string")


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


class _Pattern:
    """Give a string-or-object type's JSON Schema the pattern its validator enforces."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["pattern"] = self.pattern
        return json_schema


UtcDatetime = Annotated[
    datetime,
    BeforeValidator(_timestamp_in),
    AfterValidator(_to_utc),
    _Pattern(TIMESTAMP_PATTERN),
]


def _date_in(value: object) -> object:
    if isinstance(value, str):
        if not _DATE_TEXT.match(value):
            raise PydanticCustomError(
                "date_format", "Input should be a date such as 2026-01-31 (YYYY-MM-DD)"
            )
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise PydanticCustomError("date_type", "Input should be a date string (YYYY-MM-DD)")


# A calendar date, YYYY-MM-DD (not a timestamp, not a number of seconds).
IsoDate = Annotated[date, BeforeValidator(_date_in), _Pattern(DATE_PATTERN)]


# Ids are UUIDs in their canonical text, 8-4-4-4-12 hex digits (JSON Schema's `uuid` format),
# or UUID objects from Python; not the other spellings Python's UUID() would also read.
UUID_PATTERN: Final = (
    r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$"
)
_UUID_TEXT = re.compile(UUID_PATTERN)


def _uuid_in(value: object) -> object:
    if isinstance(value, UUID):
        return value
    if isinstance(value, str) and _UUID_TEXT.match(value):
        return value
    raise PydanticCustomError(
        "uuid_format", "Input should be a UUID such as 9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d61"
    )


Uuid = Annotated[UUID, BeforeValidator(_uuid_in), _Pattern(UUID_PATTERN)]


def utc_now() -> datetime:
    return datetime.now(UTC)


# --- decimals (precision of the tables' columns) ------------------------------------------

# A float carries about 15 significant decimal digits (DBL_DIG). A JSON number arrives as a
# float (the Lambda runtime and pydantic's JSON parser both parse it so), and its shortest
# repr is exactly what the sender wrote as long as they wrote at most 15 digits. Beyond that
# the digits are already lost, so such a number is refused rather than silently rounded:
# precise values travel as strings, which is how these models serialise them.
FLOAT_SIGNIFICANT_DIGITS: Final = 15


# A decimal string, as these models write them and accept them.
DECIMAL_STRING_PATTERN: Final = r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?$"
_DECIMAL_STRING = re.compile(DECIMAL_STRING_PATTERN)


def _exact_decimal(value: object) -> object:
    if isinstance(value, bool):
        raise PydanticCustomError("decimal_type", "Input should be a number or a decimal string")
    if isinstance(value, str):
        # Only the JSON Schema's decimal strings: no spaces, underscores, "NaN" or "Infinity".
        if not _DECIMAL_STRING.match(value):
            raise PydanticCustomError(
                "decimal_format", 'Input should be a decimal string such as "12.50"'
            )
        return value
    if isinstance(value, float):
        exact = Decimal(repr(value))
        if exact.is_finite() and len(exact.as_tuple().digits) > FLOAT_SIGNIFICANT_DIGITS:
            raise PydanticCustomError(
                "decimal_precision",
                "number has more than {digits} significant digits and lost precision as a"
                " JSON number; send it as a string",
                {"digits": FLOAT_SIGNIFICANT_DIGITS},
            )
        return exact
    return value


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

# A field with its own pattern puts StorableText after it, so that the JSON Schema keeps that
# pattern (which must exclude NUL itself: a test holds every pattern to it). Whitespace in
# patterns is spelt out: `\s` means different sets in Rust's, Python's and ECMAScript's regex.
_SPACE = r"\t\n\x0b\x0c\r "
ClerkUserId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=255, pattern=rf"^[^{_SPACE}\x00]+$"),
    StorableText,
]

# Text with something besides spaces in it, kept as sent: the model never trims, so what it
# accepts is exactly what the JSON Schema's lengths and pattern accept.
NONBLANK_PATTERN: Final = rf"^[^\x00]*[^{_SPACE}\x00][^\x00]*$"


# Upper-cased once the pattern holds: tickers are case-insensitive, and one spelling per symbol
# keeps the primary key (and ON CONFLICT) honest.
def _normalise_symbol(value: str) -> str:
    return value.upper()


Symbol = Annotated[
    str,
    # lower case allowed by the pattern; it is upper-cased after
    StringConstraints(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9^][A-Za-z0-9.\-^=/:_]*$"),
    StorableText,
    AfterValidator(_normalise_symbol),
]
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=NONBLANK_PATTERN), StorableText
]
AccountName = Name
# Opaque paging token: pass back `next_cursor` verbatim; the function checks what it holds.
Cursor = Annotated[Text, StringConstraints(min_length=1, max_length=512)]

# --- allocation maps ---------------------------------------------------------------------

# Sums of 100 +/- 0.05 pass, so that LLM-produced splits such as 33.33/33.33/33.33 do.
ALLOCATION_TOLERANCE: Final = Decimal("0.05")

_K = TypeVar("_K", bound=enum.StrEnum)


def _sums_to_100(allocation: Mapping[_K, Decimal]) -> Mapping[_K, Decimal]:
    # An empty map means "not classified yet" (the column's default `{}`); anything
    # else must be a whole split.
    if not allocation:
        return allocation
    total = sum(allocation.values(), Decimal(0))
    if abs(total - 100) > ALLOCATION_TOLERANCE:
        raise PydanticCustomError(
            "allocation_sum",
            "allocation percentages must sum to 100 (+/- {tolerance})",
            {"tolerance": str(ALLOCATION_TOLERANCE)},
        )
    return allocation


RegionAllocation = Annotated[dict[Region, Percent], AfterValidator(_sums_to_100)]
SectorAllocation = Annotated[dict[Sector, Percent], AfterValidator(_sums_to_100)]
AssetClassAllocation = Annotated[dict[AssetClass, Percent], AfterValidator(_sums_to_100)]
