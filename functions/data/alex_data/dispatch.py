"""The registry from event type to operation, and `dispatch`, the one way in.

The handler parses an event (direct invoke or SQS record) into the `DataEvent` union and calls
`dispatch(event, db)`; errors propagate as the domain exceptions for the handler to translate.
A unit test holds the registry to the union: every event type has exactly one operation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from alex_schemas import events
from alex_schemas.errors import InternalError
from alex_schemas.events import DataEvent, Event
from alex_schemas.results import Result

from alex_data.gateway import SqlRunner
from alex_data.operations import accounts, instruments, jobs, users

__all__ = ["OPERATIONS", "Operation", "dispatch"]

# (event, db) -> the event's result model; each operation's signature names its own event.
Operation = Callable[[Any, SqlRunner], Result]

OPERATIONS: Mapping[type[Event[Any]], Operation] = MappingProxyType(
    {
        events.UpsertUser: users.upsert_user,
        events.GetUser: users.get_user,
        events.UpsertInstruments: instruments.upsert_instruments,
        events.UpdatePrices: instruments.update_prices,
        events.GetInstruments: instruments.get_instruments,
        events.ListInstruments: instruments.list_instruments,
        events.CreateAccount: accounts.create_account,
        events.UpdateAccount: accounts.update_account,
        events.DeleteAccount: accounts.delete_account,
        events.UpsertPosition: accounts.upsert_position,
        events.DeletePosition: accounts.delete_position,
        events.GetPortfolio: accounts.get_portfolio,
        events.CreateJob: jobs.create_job,
        events.StartJob: jobs.start_job,
        events.UpdateReport: jobs.update_report,
        events.UpdateCharts: jobs.update_charts,
        events.UpdateRetirement: jobs.update_retirement,
        events.UpdateSummary: jobs.update_summary,
        events.CompleteJob: jobs.complete_job,
        events.FailJob: jobs.fail_job,
        events.GetJob: jobs.get_job,
        events.ListJobs: jobs.list_jobs,
    }
)


def dispatch(event: DataEvent, db: SqlRunner) -> Result:
    """Run the event's operation and answer its result model."""
    operation = OPERATIONS.get(type(event))
    if operation is None:  # the registry test keeps this from happening
        raise InternalError(f"no operation for {type(event).__name__}")
    return operation(event, db)
