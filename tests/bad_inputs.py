"""Generated bad inputs for the handler: arbitrary JSON values, and the example events under
events/ mutated (keys dropped or added, values replaced by what storage or the schema refuses,
type names misspelt), with the JSON Schema's verdict on each.

Every inserted string carries MARK, so a test can tell whether an answer or a log line quotes
a value sent. Inserted keys carry it too unless they look like field names (`unknown_field`),
which messages may name.
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import math
import pathlib
import tempfile
from typing import Any

import jsonschema  # type: ignore[import-untyped]
from alex_data_dev import schemas_cmd
from alex_data_dev.testing import sqs_record
from hypothesis import strategies as st

from tests.examples import EVENTS_DIR

__all__ = ["MARK", "arbitrary_events", "bad_record", "schema_accepts"]

MARK = "Zq9MARK"

EXAMPLES: list[dict[str, Any]] = [
    json.loads(p.read_text()) for p in sorted(EVENTS_DIR.glob("*.json")) if p.stem != "sqs_batch"
]


def nest(depth: int, leaf: Any = 1) -> Any:
    value = leaf
    for index in range(depth):
        value = [value] if index % 2 else {"k": value}
    return value


# What storage, JSON or the schema refuse, and near misses of what they accept.
POISON: list[Any] = [
    True,
    False,
    None,
    0,
    -1,
    2**63,
    10**40,
    1e300,
    -0.0,
    25.5,
    float("nan"),
    float("inf"),
    -float("inf"),
    "25",
    "",
    " ",
    f"{MARK}",
    f"{MARK}\x00",
    f"\x00{MARK}",
    f"{MARK}\ud800",
    f" {MARK} ",
    f"{MARK}; DROP TABLE users; --",
    MARK * 200,
    "NaN",
    "Infinity",
    " 12 ",
    "1_000",
    "12,5",
    "1e400",
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "2026-02-30T00:00:00Z",
    "2026-11-25T09:00:00",
    "2026-11-25 09:00:00Z",
    "2026-11-25",
    "9b8c7d6e5f4a4b3c8d2e1f0a9b8c7d61",
    "{9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d61}",
    [],
    {},
    [MARK],
    {f"{MARK}-k": MARK},
    {f"{MARK}\x00": 1},
    nest(40),
    nest(31),
]

TYPE_NAMES: list[Any] = [
    "getuser",
    "GetUsers",
    "Get_User",
    "GETPORTFOLIO",
    "CreateJobs",
    f"{MARK}GetUser",
    f"{MARK}\x00",
    MARK * 5000,
    "",
    5,
    None,
    ["GetUser"],
    {"GetUser": 1},
]

json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12).map(lambda s: MARK + s)
)
json_values = st.recursive(
    json_leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=16,
)
# built fresh: too deep to copy cheaply
deep = st.builds(nest, st.sampled_from([33, 120]))
poison = st.sampled_from(POISON).map(copy.deepcopy) | deep | json_values


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in `value`, the root excepted."""
    found: list[tuple[Any, ...]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((*prefix, key))
            found.extend(paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((*prefix, index))
            found.extend(paths(item, (*prefix, index)))
    return found


def _parent(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path[:-1]:
        value = value[part]
    return value


@st.composite
def mutated_event(draw: st.DrawFn) -> dict[str, Any]:
    """An example event with one to three mutations."""
    event: dict[str, Any] = copy.deepcopy(draw(st.sampled_from(EXAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        places = paths(event)
        operation = draw(st.sampled_from(["replace", "replace", "drop", "add", "type", "nul"]))
        if operation == "type":
            event["type"] = copy.deepcopy(draw(st.sampled_from(TYPE_NAMES)))
            continue
        if operation == "add" or not places:
            containers = [p for p in places if isinstance(_parent(event, (*p, 0)), dict)]
            where = draw(st.sampled_from([(), *[p for p in containers]]))
            target = _parent(event, (*where, None)) if where else event
            if isinstance(target, dict):
                target[
                    draw(
                        st.sampled_from(
                            ["unknown_field", f"{MARK}-extra", f"{MARK}\x00", "x" * 300]
                        )
                    )
                ] = draw(poison)
            continue
        path = draw(st.sampled_from(places))
        parent = _parent(event, path)
        if operation == "drop":
            del parent[path[-1]]
        elif operation == "nul" and isinstance(parent[path[-1]], str):
            text = parent[path[-1]]
            cut = draw(st.integers(min_value=0, max_value=len(text)))
            parent[path[-1]] = text[:cut] + "\x00" + MARK + text[cut:]
        else:
            parent[path[-1]] = draw(poison)
    return event


arbitrary_events = json_values | mutated_event() | st.sampled_from(EXAMPLES).map(copy.deepcopy)


@st.composite
def bad_record(draw: st.DrawFn, message_id: str) -> dict[str, Any]:
    """An SQS record made bad: a field missing or replaced, or a bad body."""
    operation = draw(st.sampled_from(["body", "body", "text", "drop", "replace"]))
    if operation == "body":
        return sqs_record(draw(mutated_event() | json_values), message_id=message_id)
    record = sqs_record(draw(st.sampled_from(EXAMPLES)), message_id=message_id)
    if operation == "text":
        record["body"] = draw(
            st.sampled_from(["", "{", "null", "[]", '{"type": NaN}', "\x00", MARK, "{" * 5000])
        )
    elif operation == "drop":
        del record[draw(st.sampled_from(sorted(record)))]
    else:
        record[draw(st.sampled_from(sorted(record)))] = draw(poison)
    return record


def json_text_can_hold(value: Any) -> bool:
    """The value is a JSON document (no NaN or Infinity, no lone surrogate)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(json_text_can_hold(k) and json_text_can_hold(v) for k, v in value.items())
    if isinstance(value, list):
        return all(json_text_can_hold(v) for v in value)
    return True


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    return 0


@functools.cache
def exported_schemas() -> dict[str, jsonschema.Draft202012Validator]:
    """The exported DataEvent.json and events/<Type>.json, as `alex-data schemas` writes them."""
    validators = {}
    with tempfile.TemporaryDirectory() as out:
        schemas_cmd.run(argparse.Namespace(out=out))
        root = pathlib.Path(out)
        for path in [root / "DataEvent.json", *sorted((root / "events").glob("*.json"))]:
            schema = json.loads(path.read_text())
            validators[path.stem] = jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.FormatChecker()
            )
    return validators


def schema_accepts(event: Any) -> bool:
    """The union's verdict. Each of its branches requires its own `type`, so an event naming
    one is judged by that branch alone, which is the same verdict, sooner."""
    validators = exported_schemas()
    named = event.get("type") if isinstance(event, dict) else None
    branch = validators.get(named) if isinstance(named, str) and named != "DataEvent" else None
    return bool((branch or validators["DataEvent"]).is_valid(event))
