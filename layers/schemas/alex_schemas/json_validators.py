"""Validators that read a result model straight from JSON text, with no Python per value.

A result model's own validator runs Python for every value of the layer's scalar types
(`alex_schemas.vocab`: storable text, symbols, exact decimals, UTC timestamps, allocation sums),
which costs more than the rest of the read together. `json_validator(Model)` is derived from the
model's core schema with each of those replaced by pydantic-core's native checks for the text
PostgreSQL and these models write, so `validate_json` runs no Python per value (the allocation
sums aside), and builds the same model instances the model's own validator builds:

- text: the TEXT_PATTERN (JSON text cannot carry a lone surrogate); a field with its own
  pattern already excludes NUL;
- a symbol: its pattern, then upper-cased natively (the pattern admits ASCII only);
- a decimal: numeric's text (`12.50`, a JSON string: a JSON number would pass through a float
  and lose digits) with the type's digits and places in the pattern and its bounds checked
  natively; a JSON integer within the type's digits; a JSON number with a fraction, for a type
  of fewer than 15 digits, as the type's own validator reads it; anything else through that
  validator;
- a timestamp: timestamptz's text in UTC (`2026-01-31T09:30:00.123456+00:00`, or with `Z`)
  within the type's dates; any other spelling through the type's own validators;
- an allocation map: summed as the model sums it, unless `database_checked`: the data
  function's read of its own database, whose CHECK (`alex_is_allocation`) holds every stored
  map to the same sum, range and vocabulary on every write.

Everything else (the rest of the layer's validators, model validators) is kept as it is. A value
that takes a fast path is one the type's own validator accepts with the same result, so a
document is accepted and read exactly as the result model would accept and read it (with
`database_checked`, allocation maps aside, which the database holds to the rule).

`json_answer_codec(Model)` is the data function's: the same checks, and a serializer, for a
document it only writes out as its answer; each decimal is read as the text the model writes for
it rather than as a Decimal (most of a portfolio's objects), and written as that text, so the
answer is byte for byte the model's JSON of what `json_validator` reads.
"""

from __future__ import annotations

import enum
import functools
import inspect
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel
from pydantic_core import SchemaSerializer, SchemaValidator, core_schema

from alex_schemas import vocab

__all__ = ["json_answer_codec", "json_validator"]

M = TypeVar("M", bound=BaseModel)
B = TypeVar("B", SchemaValidator, SchemaSerializer)
Schema = Mapping[str, Any]

# timestamptz as to_jsonb writes it in a UTC session (or with Z, as these models write it), dated
# 1000-01-01 to 9998-12-31: inside the type's 0001-01-02 to 9999-12-30 whatever the day, so the
# native date check (which refuses a day a month does not have) is the only one left.
_UTC_TIMESTAMP = (
    r"^(?:1\d{3}|[2-8]\d{3}|9[0-8]\d{2}|99[0-8]\d|999[0-8])-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
    r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?(?:\+00:00|Z)$"
)
_DIGITS = ("max_digits", "decimal_places")
_BUILDING = threading.Lock()
_BOUNDS = ("ge", "gt", "le", "lt")


@functools.cache
def json_validator(model: type[M], *, database_checked: bool = False) -> SchemaValidator:
    """A validator for `model` from JSON text (see the module's docstring)."""
    # A model with defer_build has its schema built on first use.
    model.model_rebuild()
    replacements = _DATABASE_CHECKED if database_checked else _REPLACEMENTS
    return _built(SchemaValidator, _native(model.__pydantic_core_schema__, replacements))


@functools.cache
def json_answer_codec(model: type[M]) -> tuple[SchemaValidator, SchemaSerializer]:
    """A validator and a serializer that take a document of the data function's own database
    (`database_checked`) to the JSON `model` writes for it, byte for byte, building no decimals
    where it can: `serializer.to_json(validator.validate_json(text))` is
    `model.__pydantic_serializer__.to_json(json_validator(model, database_checked=True)
    .validate_json(text))`, or the same refusal.

    Every rule is checked as `json_validator` checks it; each decimal is read as the text
    `model` writes for it (`str` of its Decimal): a JSON integer as its digits, numeric's text
    that `str` writes unchanged as itself, anything else as the `str` of the Decimal the type's
    own choices read; a vocabulary's member as its value. What it builds holds that text where
    `model` holds a Decimal or a member, model validators included (Portfolio's compares
    symbols only), so it is for writing out only, never for handing on.
    """
    model.model_rebuild()
    schema = _native(model.__pydantic_core_schema__, _ANSWERED)
    return _built(SchemaValidator, schema), _built(SchemaSerializer, schema)


def _built(build: Callable[[Any], B], schema: Any) -> B:
    # pydantic-core builds a nested model whose class is complete from that class's own
    # validator and serializer (its "prebuilt" ones), which would bring every Python check (and
    # the model's own decimals) back: while this schema is built, its models' classes read as
    # not complete.
    # (Another thread's model_rebuild() meanwhile rebuilds what it need not; two of these builds
    # at once would restore each other's classes too early, hence the lock.)
    with _BUILDING:
        complete = [c for c in _model_classes(schema) if c.__dict__.get("__pydantic_complete__")]
        for cls in complete:
            type.__setattr__(cls, "__pydantic_complete__", False)
        try:
            return build(schema)
        finally:
            for cls in complete:
                type.__setattr__(cls, "__pydantic_complete__", True)


def _model_classes(node: Any) -> set[type]:
    found: set[type] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if item.get("type") == "model":
                found.add(item["cls"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _native(node: Any, replacements: Mapping[object, Replacement]) -> Any:
    if isinstance(node, list):
        return [_native(item, replacements) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") in ("function-before", "function-after"):
        replace = replacements.get(node["function"].get("function"))
        if replace is not None:
            return replace(node, _native(node["schema"], replacements))
    elif node.get("type") == "enum" and _ENUM in replacements:
        return replacements[_ENUM](node, node)
    return {key: _native(value, replacements) for key, value in node.items()}


def _text(node: Schema, inner: Schema) -> Schema:
    if inner.get("type") != "str":
        return {**node, "schema": inner}
    # Every pattern of the layer excludes NUL (a test holds it to that).
    return inner if "pattern" in inner else {**inner, "pattern": vocab.TEXT_PATTERN}


def _symbol(node: Schema, inner: Schema) -> Schema:
    if inner.get("type") != "str" or "pattern" not in inner:
        return {**node, "schema": inner}
    # pydantic-core checks the pattern, then upper-cases.
    return {**inner, "to_upper": True}


def _decimal(node: Schema, inner: Schema) -> Schema:
    digits, places = inner.get("max_digits"), inner.get("decimal_places")
    if inner.get("type") != "decimal" or digits is None or places is None or digits <= places:
        return {**node, "schema": inner}
    whole = digits - places
    unconstrained = {key: value for key, value in inner.items() if key not in _DIGITS}
    # numeric's text with at most `whole` digits before the point and `places` after it, not
    # counting trailing zeros (pydantic counts the normalised value's digits).
    text = rf"^-?(?:0|[1-9]\d{{0,{whole - 1}}})(?:\.\d{{1,{places}}}0*)?$"
    limit = 10**whole
    bounds = {key: inner[key] for key in _BOUNDS if key in inner}
    # Whole-number bounds (all the layer's) are compared natively as the number's own type:
    # exactly for an integer, and for a float as for the decimal of its repr (a float lies on the
    # same side of a whole number below 2**53 as its repr does).
    native_bounds = all(bound == int(bound) and abs(bound) < 2**53 for bound in bounds.values())
    as_number = {key: int(value) for key, value in bounds.items()} if native_bounds else {}
    unbounded = {key: value for key, value in inner.items() if key not in as_number}
    # An integer within the type's whole digits and bounds needs no digit count.
    whole_number = {"gt": -limit, "lt": limit}
    for key, value in as_number.items():
        merge = {"gt": max, "lt": min}.get(key)
        whole_number[key] = merge(whole_number[key], value) if merge else value
    # Cheapest first; each choice accepts only what the type's own validator accepts, with the
    # same value, so the order decides nothing but the time.
    choices: list[Any] = [
        core_schema.chain_schema(
            [
                {"type": "int", "strict": True, **whole_number},
                {key: value for key, value in unbounded.items() if key not in _DIGITS},
            ]
        )
    ]
    if digits < vocab.FLOAT_SIGNIFICANT_DIGITS:
        # A float becomes the decimal of its shortest repr, as `_exact_decimal` makes it, whose
        # refusal of more than 15 digits the type's own digits then imply (a repr has at most
        # one trailing zero).
        choices.append(
            core_schema.chain_schema([{"type": "float", "strict": True, **as_number}, unbounded])
        )
    choices.append(
        core_schema.chain_schema([core_schema.str_schema(strict=True, pattern=text), unconstrained])
    )
    choices.append({**node, "schema": inner})
    return core_schema.union_schema(choices, mode="left_to_right")


def _decimal_text(node: Schema, inner: Schema) -> Schema:
    read = _decimal(node, inner)
    if read.get("type") != "union":
        return read
    # Written as `str` of the Decimal the type reads. A whole number (the allocation shares,
    # mostly) is its own digits, and so is numeric's text that `_plain_text` admits: neither
    # builds a Decimal.
    as_text = core_schema.str_schema(coerce_numbers_to_str=True)
    whole_number = read["choices"][0]["steps"][0]
    choices: list[Any] = [core_schema.chain_schema([whole_number, as_text])]
    plain = _plain_text(inner)
    if plain is not None:
        choices.append(core_schema.str_schema(strict=True, pattern=plain))
    choices.append(core_schema.chain_schema([read, as_text]))
    return core_schema.union_schema(choices, mode="left_to_right")


def _plain_text(inner: Schema) -> str | None:
    """A pattern for numeric's text of a non-negative decimal type (the column's scale, as the
    database writes it) that the type accepts and whose Decimal `str` writes back unchanged;
    None for a type whose bounds it cannot spell."""
    digits, places = inner["max_digits"], inner["decimal_places"]
    whole = digits - places
    lower = {key: inner[key] for key in ("ge", "gt") if key in inner}
    uppers = [inner[key] for key in ("le", "lt") if key in inner]
    if lower not in ({"ge": 0}, {"gt": 0}) or places == 0 or any(u < 10**whole for u in uppers):
        return None
    # `str` of a Decimal turns to exponent notation below 1e-6 (its first digit more than six
    # places after the point), and for a zero of more than six places.
    small = [rf"0{{{k}}}[1-9]\d{{{places - k - 1}}}" for k in range(min(6, places))]
    if "ge" in lower and places <= 6:
        small.append(rf"0{{{places}}}")
    return rf"^(?:[1-9]\d{{0,{whole - 1}}}\.\d{{{places}}}|0\.(?:{'|'.join(small)}))$"


def _timestamp_in(node: Schema, inner: Schema) -> Schema:
    # The whole UtcDatetime (this before-validator inside the after-validator `_to_utc`) is
    # replaced by `_utc`; a `_timestamp_in` met on its own is kept.
    return {**node, "schema": inner}


def _utc(node: Schema, inner: Schema) -> Schema:
    if inner.get("type") != "function-before" or (
        inner["function"].get("function") is not vocab._timestamp_in
    ):
        return {**node, "schema": inner}
    parsed = inner["schema"]
    return core_schema.union_schema(
        [
            core_schema.chain_schema(
                [core_schema.str_schema(strict=True, pattern=_UTC_TIMESTAMP), parsed]
            ),
            {**node, "schema": inner},
        ],
        mode="left_to_right",
    )


def _summed_by_the_database(node: Schema, inner: Schema) -> Schema:
    return inner


def _enum_value(node: Schema, inner: Schema) -> Schema:
    # A member is written as its value, so its value is what is read: from JSON, an enum without
    # a `_missing_` of its own accepts exactly its members' values.
    if inspect.getattr_static(node["cls"], "_missing_") is not vars(enum.Enum)["_missing_"]:
        return node
    return core_schema.literal_schema([member.value for member in node["members"]])


Replacement = Callable[[Schema, Schema], Schema]
_REPLACEMENTS: dict[object, Replacement] = {
    vocab._storable_text: _text,
    vocab._normalise_symbol: _symbol,
    vocab._exact_decimal: _decimal,
    vocab._timestamp_in: _timestamp_in,
    vocab._to_utc: _utc,
}
_DATABASE_CHECKED = _REPLACEMENTS | {vocab._sums_to_100: _summed_by_the_database}
# An enum node is not a function: its replacement is keyed by this.
_ENUM = "enum"
_ANSWERED = _DATABASE_CHECKED | {vocab._exact_decimal: _decimal_text, _ENUM: _enum_value}
