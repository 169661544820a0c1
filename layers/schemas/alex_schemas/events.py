"""Every event the data function understands, and `DataEvent`, their union on `type`.

Each event is defined with its kind (`user_events`, `instrument_events`, `account_events`,
`job_events`, on the bases of `event_base`) so that the first event of a cold start imports its
own kind only (`alex_schemas.parsing`); this module imports them all, for the union. Each event
class names its result model through its base: `GetPortfolio(UserEvent[Portfolio])` means
`DataClient.call(GetPortfolio(...))` is typed `Portfolio`, and `GetPortfolio.result_model()` is
`Portfolio` at run time.

Conventions:
- every event touching a user's data carries `clerk_user_id`; the SQL is scoped by it;
- ids of things an event creates are supplied by the caller (`CreateAccount.account_id`,
  `CreateJob.job_id`, defaulting to a fresh uuid4) so an SQS redelivery of the same message
  carries the same id and the write stays idempotent;
- `None` in an update means "keep what is stored" (on insert: the column's default);
- batches (`UpsertInstruments`, `UpdatePrices`, `GetInstruments`) take 1 to 500 distinct
  symbols: one statement can change a row once only, so duplicates are refused here.
"""

import functools
import typing
from typing import TYPE_CHECKING, Annotated, Any, Final

from pydantic import Field, TypeAdapter

# The events, each defined with its kind; imported here to be listed once, in the union.
from alex_schemas.account_events import CreateAccount as CreateAccount
from alex_schemas.account_events import DeleteAccount as DeleteAccount
from alex_schemas.account_events import DeletePosition as DeletePosition
from alex_schemas.account_events import GetPortfolio as GetPortfolio
from alex_schemas.account_events import UpdateAccount as UpdateAccount
from alex_schemas.account_events import UpsertPosition as UpsertPosition
from alex_schemas.event_base import MAX_BATCH_ROWS as MAX_BATCH_ROWS
from alex_schemas.event_base import MAX_ERROR_MESSAGE as MAX_ERROR_MESSAGE
from alex_schemas.event_base import Event as Event
from alex_schemas.event_base import JobEvent as JobEvent
from alex_schemas.event_base import ResultT as ResultT
from alex_schemas.event_base import UserEvent as UserEvent
from alex_schemas.instrument_events import GetInstruments as GetInstruments
from alex_schemas.instrument_events import InstrumentIn as InstrumentIn
from alex_schemas.instrument_events import ListInstruments as ListInstruments
from alex_schemas.instrument_events import PriceIn as PriceIn
from alex_schemas.instrument_events import UpdatePrices as UpdatePrices
from alex_schemas.instrument_events import UpsertInstruments as UpsertInstruments
from alex_schemas.job_events import CompleteJob as CompleteJob
from alex_schemas.job_events import CreateJob as CreateJob
from alex_schemas.job_events import FailJob as FailJob
from alex_schemas.job_events import GetJob as GetJob
from alex_schemas.job_events import ListJobs as ListJobs
from alex_schemas.job_events import StartJob as StartJob
from alex_schemas.job_events import UpdateCharts as UpdateCharts
from alex_schemas.job_events import UpdateReport as UpdateReport
from alex_schemas.job_events import UpdateRetirement as UpdateRetirement
from alex_schemas.job_events import UpdateSummary as UpdateSummary
from alex_schemas.parsing import parse_event as parse_event
from alex_schemas.user_events import GetUser as GetUser
from alex_schemas.user_events import UpsertUser as UpsertUser

# --- the union ----------------------------------------------------------------------------

DataEvent = Annotated[
    UpsertUser
    | GetUser
    | UpsertInstruments
    | UpdatePrices
    | GetInstruments
    | ListInstruments
    | CreateAccount
    | UpdateAccount
    | DeleteAccount
    | UpsertPosition
    | DeletePosition
    | GetPortfolio
    | CreateJob
    | StartJob
    | UpdateReport
    | UpdateCharts
    | UpdateRetirement
    | UpdateSummary
    | CompleteJob
    | FailJob
    | GetJob
    | ListJobs,
    Field(discriminator="type"),
]

# Every list of events (the registry's test, the JSON Schema export, the package's exports)
# reads this one: adding an event to the union is adding it everywhere it is listed.
EVENT_TYPES: Final[tuple[type[Event[Any]], ...]] = typing.get_args(typing.get_args(DataEvent)[0])

if not TYPE_CHECKING:
    # mypy reads a literal `__all__` only; without one it exports every public name this
    # module defines, which is what this list holds, the events read off the union.
    __all__ = sorted(
        [
            "EVENT_TYPES",
            "MAX_BATCH_ROWS",
            "MAX_ERROR_MESSAGE",
            "DataEvent",
            "Event",
            "InstrumentIn",
            "JobEvent",
            "PriceIn",
            "ResultT",
            "UserEvent",
            "data_event_adapter",
            "parse_event",
            *(event.__name__ for event in EVENT_TYPES),
        ]
    )


@functools.cache
def data_event_adapter() -> TypeAdapter[DataEvent]:
    """Built on first use, not at import: importing the layer stays cheap."""
    return TypeAdapter(DataEvent)
