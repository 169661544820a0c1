"""The registry from event type to operation, and `dispatch`, the one way in.

The handler parses an event (direct invoke or SQS record) into the `DataEvent` union and calls
`dispatch(event, db)`; errors propagate as the domain exceptions for the handler to translate.
A unit test holds the registry to the union: every event type has exactly one operation.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from functools import cache
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from alex_schemas.envelope import ResultJson
from alex_schemas.errors import InternalError
from alex_schemas.event_base import Event
from alex_schemas.parsing import event_model
from alex_schemas.results import Result

from alex_data.sql_runner import SqlRunner

if TYPE_CHECKING:
    from alex_schemas.events import DataEvent

__all__ = ["OPERATIONS", "Operation", "answer", "dispatch", "load_all"]

# (event, db) -> the event's result model; each operation's signature names its own event.
Operation = Callable[[Any, SqlRunner], Result]

# Event type -> "module:function" under alex_data.operations. An operation module (and the
# repositories and row models it brings) is imported when its first event arrives, and the
# registry names events rather than holding their classes: a cold start loads what its first
# event needs, not the whole function nor every event.
_WHERE: Mapping[str, str] = MappingProxyType(
    {
        "UpsertUser": "users:upsert_user",
        "GetUser": "users:get_user",
        "UpsertInstruments": "instruments:upsert_instruments",
        "UpdatePrices": "instruments:update_prices",
        "GetInstruments": "instruments:get_instruments",
        "ListInstruments": "instruments:list_instruments",
        "CreateAccount": "accounts:create_account",
        "UpdateAccount": "accounts:update_account",
        "DeleteAccount": "accounts:delete_account",
        "UpsertPosition": "accounts:upsert_position",
        "DeletePosition": "accounts:delete_position",
        "GetPortfolio": "accounts:get_portfolio",
        "CreateJob": "jobs:create_job",
        "StartJob": "jobs:start_job",
        "UpdateReport": "jobs:update_report",
        "UpdateCharts": "jobs:update_charts",
        "UpdateRetirement": "jobs:update_retirement",
        "UpdateSummary": "jobs:update_summary",
        "CompleteJob": "jobs:complete_job",
        "FailJob": "jobs:fail_job",
        "GetJob": "jobs:get_job",
        "ListJobs": "jobs:list_jobs",
    }
)
# Operations whose result a direct invoke only writes out, answered as it is written
# (`ResultJson`): the same rules, without the Python objects no one reads.
_WRITTEN: Mapping[str, str] = MappingProxyType({"GetPortfolio": "accounts:answer_portfolio"})


@cache
def _load(where: str) -> Operation:
    module, function = where.split(":")
    return cast(
        Operation, getattr(importlib.import_module(f"alex_data.operations.{module}"), function)
    )


class _Registry(Mapping[type[Event[Any]], Operation]):
    """The registry as a mapping whose operations are imported on first lookup."""

    def __getitem__(self, event_type: type[Event[Any]]) -> Operation:
        name = event_type.__name__
        if name not in _WHERE or event_model(name) is not event_type:
            raise KeyError(event_type)
        return _load(_WHERE[name])

    def __iter__(self) -> Iterator[type[Event[Any]]]:
        for name in _WHERE:
            event_type = event_model(name)
            if event_type is None:  # the registry test keeps this from happening
                raise InternalError(f"{name} is not an event of alex_schemas")
            yield event_type

    def __len__(self) -> int:
        return len(_WHERE)


OPERATIONS: Mapping[type[Event[Any]], Operation] = _Registry()


def load_all() -> None:
    """Import every operation now (before a SnapStart snapshot, so no restore pays for one)."""
    for where in (*_WHERE.values(), *_WRITTEN.values()):
        _load(where)


def dispatch(event: DataEvent, db: SqlRunner) -> Result:
    """Run the event's operation and answer its result model."""
    operation = OPERATIONS.get(type(event))
    if operation is None:  # the registry test keeps this from happening
        raise InternalError(f"no operation for {type(event).__name__}")
    return operation(event, db)


def answer(event: DataEvent, db: SqlRunner) -> Result | ResultJson:
    """`dispatch` for a direct invoke's answer, which may come already written."""
    name = type(event).__name__
    if name not in _WRITTEN or event_model(name) is not type(event):
        return dispatch(event, db)
    run = cast(Callable[[Any, SqlRunner], ResultJson], _load(_WRITTEN[name]))
    return run(event, db)
