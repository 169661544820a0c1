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
from typing import Any, cast

from alex_schemas import events
from alex_schemas.errors import InternalError
from alex_schemas.events import DataEvent, Event
from alex_schemas.results import Result

from alex_data.sql_runner import SqlRunner

__all__ = ["OPERATIONS", "Operation", "dispatch", "load_all"]

# (event, db) -> the event's result model; each operation's signature names its own event.
Operation = Callable[[Any, SqlRunner], Result]

# Event type -> "module:function" under alex_data.operations. An operation module (and the
# repositories and row models it brings) is imported when its first event arrives: a cold start
# loads what its first event needs, not the whole function.
_WHERE: Mapping[type[Event[Any]], str] = MappingProxyType(
    {
        events.UpsertUser: "users:upsert_user",
        events.GetUser: "users:get_user",
        events.UpsertInstruments: "instruments:upsert_instruments",
        events.UpdatePrices: "instruments:update_prices",
        events.GetInstruments: "instruments:get_instruments",
        events.ListInstruments: "instruments:list_instruments",
        events.CreateAccount: "accounts:create_account",
        events.UpdateAccount: "accounts:update_account",
        events.DeleteAccount: "accounts:delete_account",
        events.UpsertPosition: "accounts:upsert_position",
        events.DeletePosition: "accounts:delete_position",
        events.GetPortfolio: "accounts:get_portfolio",
        events.CreateJob: "jobs:create_job",
        events.StartJob: "jobs:start_job",
        events.UpdateReport: "jobs:update_report",
        events.UpdateCharts: "jobs:update_charts",
        events.UpdateRetirement: "jobs:update_retirement",
        events.UpdateSummary: "jobs:update_summary",
        events.CompleteJob: "jobs:complete_job",
        events.FailJob: "jobs:fail_job",
        events.GetJob: "jobs:get_job",
        events.ListJobs: "jobs:list_jobs",
    }
)


@cache
def _load(where: str) -> Operation:
    module, function = where.split(":")
    return cast(
        Operation, getattr(importlib.import_module(f"alex_data.operations.{module}"), function)
    )


class _Registry(Mapping[type[Event[Any]], Operation]):
    """The registry as a mapping whose operations are imported on first lookup."""

    def __getitem__(self, event_type: type[Event[Any]]) -> Operation:
        return _load(_WHERE[event_type])

    def __iter__(self) -> Iterator[type[Event[Any]]]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)


OPERATIONS: Mapping[type[Event[Any]], Operation] = _Registry()


def load_all() -> None:
    """Import every operation now (before a SnapStart snapshot, so no restore pays for one)."""
    for where in _WHERE.values():
        _load(where)


def dispatch(event: DataEvent, db: SqlRunner) -> Result:
    """Run the event's operation and answer its result model."""
    operation = OPERATIONS.get(type(event))
    if operation is None:  # the registry test keeps this from happening
        raise InternalError(f"no operation for {type(event).__name__}")
    return operation(event, db)
