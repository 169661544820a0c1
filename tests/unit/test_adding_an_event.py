"""docs/function.md's "Adding an event" checklist, kept true.

Every event class is checked against every place the checklist names; a missing one fails
naming the event and the place. The checklist and the checks here are held to the same keys,
so neither can gain a place the other does not know.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import json
import pkgutil
import re
import typing
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import alex_schemas
import pytest
from alex_data.dispatch import OPERATIONS
from alex_data_dev import schemas_cmd
from alex_schemas import results
from alex_schemas.events import DataEvent, Event
from alex_schemas.parsing import DEFINED_IN

from bench import bench_events
from tests.examples import EVENTS_DIR, REPLAY_ORDER
from tests.unit.schemas.test_events import DOMAIN_EVENTS

ROOT = Path(__file__).resolve().parents[2]
FUNCTION_DOC = ROOT / "docs" / "function.md"

EventType = type[Event[Any]]
# A check answers None when the event is in its place, else what is missing.
Check = Callable[[EventType], str | None]


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def section(text: str, heading: str) -> str:
    """The text under a markdown heading, up to the next heading of any level."""
    found = re.search(rf"^#+ {re.escape(heading)}\n(.*?)(?=^#|\Z)", text, re.M | re.S)
    assert found, f"no section {heading!r}"
    return found.group(1)


def table_cells(text: str, column: int | None) -> set[str]:
    """Backquoted names in the markdown table rows of `text`: in one column, or in any."""
    names: set[str] = set()
    for line in text.splitlines():
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        cells = line.strip("|").split("|")
        chosen = cells if column is None else cells[column : column + 1]
        for cell in chosen:
            names.update(re.findall(r"`([A-Za-z]+)`", cell))
    return names


def union_members() -> list[EventType]:
    return list(typing.get_args(typing.get_args(DataEvent)[0]))


def event_modules() -> list[ModuleType]:
    """The layer's modules of events, one per kind (`alex_schemas.*_events`) and the union's."""
    names = [
        m.name for m in pkgutil.iter_modules(alex_schemas.__path__) if m.name.endswith("events")
    ]
    return [importlib.import_module(f"alex_schemas.{name}") for name in names]


def defined_events() -> list[EventType]:
    """Every concrete event class the layer defines (one with its own `type` literal), in the
    union or not, so that one left out of the union is caught too."""
    found = [
        value
        for module in event_modules()
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Event)
        and value.__module__ == module.__name__
        and isinstance(value.model_fields["type"].default, str)
    ]
    return sorted({*found, *union_members()}, key=lambda t: t.__name__)


def _union(event: EventType) -> str | None:
    if event not in union_members():
        return "not in the DataEvent union (alex_schemas/events.py)"
    if event.model_fields["type"].default != event.__name__:
        return f'its type literal is not "{event.__name__}"'
    if DEFINED_IN.get(event.__name__) != event.__module__:
        return f"not in alex_schemas.parsing.DEFINED_IN as defined in {event.__module__}"
    if getattr(alex_schemas, event.__name__, None) is not event:
        return "not exported from alex_schemas"
    return None


def _result(event: EventType) -> str | None:
    try:
        model = event.result_model()
    except TypeError:
        return "its base names no result model"
    if model.__module__ != results.__name__ or model.__name__ not in alex_schemas.__all__:
        return f"{model.__name__} is not a result model of alex_schemas.results, exported"
    return None


def _operation(event: EventType) -> str | None:
    operation = OPERATIONS.get(event)
    if operation is None:
        return "no operation in OPERATIONS (alex_data/dispatch.py)"
    if typing.get_type_hints(operation).get("event") is not event:
        return f"{operation.__name__} does not take a {event.__name__}"
    return None


def _example(event: EventType) -> str | None:
    path = EVENTS_DIR / f"{snake(event.__name__)}.json"
    if not path.is_file():
        return f"no example events/{path.name}"
    if json.loads(path.read_text()).get("type") != event.__name__:
        return f"events/{path.name} is not a {event.__name__}"
    return None


def _replay(event: EventType) -> str | None:
    if snake(event.__name__) not in REPLAY_ORDER:
        return "its example is not in the replay order (events/README.md)"
    return None


def _function_table(event: EventType) -> str | None:
    rows = table_cells(section(FUNCTION_DOC.read_text(), "Events"), column=0)
    return None if event.__name__ in rows else "no row in docs/function.md's event table"


def _schemas_table(event: EventType) -> str | None:
    doc = (ROOT / "docs" / "schemas.md").read_text()
    rows = table_cells(section(doc, "Events and results"), column=0)
    return None if event.__name__ in rows else "no row in docs/schemas.md's events and results"


def _readme(event: EventType) -> str | None:
    rows = table_cells(section((ROOT / "README.md").read_text(), "Events"), column=None)
    return None if event.__name__ in rows else "not in the README's table of events"


def _bench(event: EventType) -> str | None:
    source = inspect.getsource(bench_events.cases)
    if not re.search(rf'Case\(\s*"{event.__name__}"', source):
        return "no Case in bench/bench_events.py cases()"
    return None


def _expected(event: EventType) -> str | None:
    if event.__name__ not in DOMAIN_EVENTS:
        return "not in DOMAIN_EVENTS (tests/unit/schemas/test_events.py)"
    return None


def _json_schema(event: EventType) -> str | None:
    written = {path for path, _ in schemas_cmd.schemas()}
    wanted = {f"events/{event.__name__}.json"}
    with contextlib.suppress(TypeError):  # no result model: "result" reports it
        wanted.add(f"results/{event.result_model().__name__}.json")
    missing = sorted(wanted - written)
    return f"alex-data schemas does not write {missing}" if missing else None


CHECKS: dict[str, Check] = {
    "union": _union,
    "result": _result,
    "operation": _operation,
    "example": _example,
    "replay": _replay,
    "function table": _function_table,
    "schemas table": _schemas_table,
    "readme": _readme,
    "bench": _bench,
    "expected": _expected,
    "json schema": _json_schema,
}


def test_the_checklist_names_exactly_the_places_checked() -> None:
    checklist = section(FUNCTION_DOC.read_text(), "Adding an event")
    keys = re.findall(r"^\d+\. \*\*([a-z ]+)\*\*:", checklist, re.M)
    assert keys == list(CHECKS)


@pytest.mark.parametrize("event", defined_events(), ids=lambda t: t.__name__)
def test_each_event_is_in_every_place_the_checklist_names(event: EventType) -> None:
    missing = {key: problem for key, check in CHECKS.items() if (problem := check(event))}
    assert not missing, f"{event.__name__} (docs/function.md, Adding an event): {missing}"


def test_a_missing_place_is_named() -> None:
    # Given an event class defined but never added anywhere
    class Stray(Event[results.Deleted]):
        type: typing.Literal["Stray"] = "Stray"

    # When it is checked, Then every place it lacks is reported by name, and none it has
    missing = {key for key, check in CHECKS.items() if check(Stray)}
    assert missing == set(CHECKS) - {"result"}
