"""Every event the data function understands, and `DataEvent`, their union on `type`.

Each event class names its result model through its base: `GetPortfolio(UserEvent[Portfolio])`
means `DataClient.call(GetPortfolio(...))` is typed `Portfolio`, and
`GetPortfolio.result_model()` is `Portfolio` at run time.

Conventions:
- every event touching a user's data carries `clerk_user_id`; the SQL is scoped by it;
- ids of things an event creates are supplied by the caller (`CreateAccount.account_id`,
  `CreateJob.job_id`, defaulting to a fresh uuid4) so an SQS redelivery of the same message
  carries the same id and the write stays idempotent;
- `None` in an update means "keep what is stored" (on insert: the column's default);
- batches (`UpsertInstruments`, `UpdatePrices`, `GetInstruments`) take 1 to 500 distinct
  symbols: one statement can change a row once only, so duplicates are refused here.
"""

import builtins
import functools
import typing
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Final, Generic, Literal, TypeVar, cast
from uuid import uuid4

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from alex_schemas.limits import within_payload_bytes
from alex_schemas.payloads import (
    ChartsPayload,
    ReportPayload,
    RetirementPayload,
    SummaryPayload,
)
from alex_schemas.results import (
    AccountView,
    Deleted,
    InstrumentList,
    InstrumentPage,
    InstrumentsUpserted,
    JobPage,
    JobSummary,
    JobView,
    Portfolio,
    PositionView,
    PricesUpdated,
    Result,
    UserView,
)
from alex_schemas.vocab import (
    AccountName,
    AccountType,
    AssetClassAllocation,
    ClerkUserId,
    Cursor,
    InstrumentType,
    IntegerOnly,
    IsoDate,
    JobStatus,
    JobType,
    JsonObject,
    Money,
    Name,
    Price,
    Quantity,
    Rate,
    RegionAllocation,
    SectorAllocation,
    StrictInteger,
    Symbol,
    Text,
    Uuid,
)

MAX_BATCH_ROWS: Final = 500
# FailJob messages are cut, not refused: failing to record a failure would lose it.
MAX_ERROR_MESSAGE: Final = 4000

ResultT = TypeVar("ResultT", bound=Result)

# An agent's payload: at most PAYLOAD_BYTES of JSON, so that its write fits one Data API request.
SizedPayload = AfterValidator(within_payload_bytes)


def _type_is_required(schema: dict[str, Any]) -> None:
    # `type` has a default so Python callers need not spell it, but on the wire it is the
    # discriminator: the JSON Schema must demand it.
    if "type" in schema.get("properties", {}):
        required = schema.setdefault("required", [])
        if "type" not in required:
            required.insert(0, "type")


class Event(BaseModel, Generic[ResultT]):
    """Base of every event; `ResultT` is the model the function answers with."""

    model_config = ConfigDict(
        defer_build=True, extra="forbid", frozen=True, json_schema_extra=_type_is_required
    )

    # Declared here so it comes first in every event's JSON; each event narrows it to its
    # own Literal, which is what the union discriminates on.
    type: str

    _result_model: ClassVar[builtins.type[Result] | None] = None

    if not TYPE_CHECKING:

        def __class_getitem__(cls, params: Any) -> Any:
            # `Event[Portfolio]` is typing's alias, not pydantic's parametrised submodel: no
            # field uses ResultT, so a submodel would only cost a class and a schema build of
            # its origin at import. The argument is read back in `__pydantic_init_subclass__`.
            return super(BaseModel, cls).__class_getitem__(params)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        # `class GetPortfolio(UserEvent[Portfolio])` records its bases as written; a subclass
        # naming no Result keeps its parent's.
        for base in cls.__dict__.get("__orig_bases__", ()):
            for arg in typing.get_args(base):
                if isinstance(arg, type) and issubclass(arg, Result):
                    cls._result_model = arg
                    return

    @classmethod
    def result_model(cls) -> builtins.type[ResultT]:
        model = cls._result_model
        if model is None:
            msg = f"{cls.__name__} does not name its result model"
            raise TypeError(msg)
        return model  # type: ignore[return-value]

    def parse_result(self, data: Any) -> ResultT:
        """Validate the `result` of an ok envelope (a dict or JSON text) as this event's result."""
        model = self.result_model()
        if isinstance(data, str | bytes | bytearray):
            return model.model_validate_json(data)
        return model.model_validate(data)


class UserEvent(Event[ResultT], Generic[ResultT]):
    clerk_user_id: ClerkUserId


class JobEvent(UserEvent[ResultT], Generic[ResultT]):
    job_id: Uuid


# --- users -------------------------------------------------------------------------------


class UpsertUser(UserEvent[UserView]):
    """Create the user or update the fields given; omitted (None) fields keep their value,
    or on insert take the column default (targets: equity 70 / fixed_income 30 and
    north_america 50 / international 50)."""

    type: Literal["UpsertUser"] = "UpsertUser"
    display_name: Annotated[Text, StringConstraints(min_length=1, max_length=255)] | None = None
    years_until_retirement: Annotated[int, Field(ge=0, le=100), IntegerOnly] | None = None
    target_retirement_income: Money | None = None
    asset_class_targets: AssetClassAllocation | None = None
    region_targets: RegionAllocation | None = None


class GetUser(UserEvent[UserView]):
    type: Literal["GetUser"] = "GetUser"


# --- instruments (shared reference data, not user-scoped) ---------------------------------


class InstrumentIn(BaseModel):
    """One instrument row of `UpsertInstruments`; an empty allocation map means unknown."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    symbol: Symbol
    name: Name
    instrument_type: InstrumentType
    current_price: Price | None = None
    allocation_regions: RegionAllocation = Field(default_factory=dict)
    allocation_sectors: SectorAllocation = Field(default_factory=dict)
    allocation_asset_class: AssetClassAllocation = Field(default_factory=dict)


class PriceIn(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    symbol: Symbol
    current_price: Price


def _distinct_symbols(symbols: list[str]) -> None:
    # The positions, not the symbols: messages never echo what was sent.
    first: dict[str, int] = {}
    repeated = []
    for index, symbol in enumerate(symbols):
        if symbol in first:
            repeated.append(index)
        first.setdefault(symbol, index)
    if repeated:
        raise PydanticCustomError(
            "repeated_symbol",
            "each symbol may appear once per batch; repeated at {positions}",
            {"positions": ", ".join(str(i) for i in repeated[:10])},
        )


class UpsertInstruments(Event[InstrumentsUpserted]):
    """Insert or replace instruments (the tagger's output). A row without `current_price`
    keeps the stored price."""

    type: Literal["UpsertInstruments"] = "UpsertInstruments"
    instruments: list[InstrumentIn] = Field(min_length=1, max_length=MAX_BATCH_ROWS)

    @field_validator("instruments")
    @classmethod
    def _once_each(cls, rows: list[InstrumentIn]) -> list[InstrumentIn]:
        _distinct_symbols([r.symbol for r in rows])
        return rows


class UpdatePrices(Event[PricesUpdated]):
    """Set current prices of known instruments; unknown symbols are reported, not created."""

    type: Literal["UpdatePrices"] = "UpdatePrices"
    prices: list[PriceIn] = Field(min_length=1, max_length=MAX_BATCH_ROWS)

    @field_validator("prices")
    @classmethod
    def _once_each(cls, rows: list[PriceIn]) -> list[PriceIn]:
        _distinct_symbols([r.symbol for r in rows])
        return rows


class GetInstruments(Event[InstrumentList]):
    type: Literal["GetInstruments"] = "GetInstruments"
    symbols: list[Symbol] = Field(min_length=1, max_length=MAX_BATCH_ROWS)

    @field_validator("symbols")
    @classmethod
    def _once_each(cls, symbols: list[str]) -> list[str]:
        _distinct_symbols(symbols)
        return symbols


class ListInstruments(Event[InstrumentPage]):
    """A page of instruments by symbol; pass the page's `next_cursor` to get the next."""

    type: Literal["ListInstruments"] = "ListInstruments"
    limit: StrictInteger = Field(default=100, ge=1, le=MAX_BATCH_ROWS)
    cursor: Cursor | None = None
    instrument_type: InstrumentType | None = None


# --- accounts and positions ---------------------------------------------------------------


class CreateAccount(UserEvent[AccountView]):
    """Create an account; replaying it with the same `account_id` returns the same account."""

    type: Literal["CreateAccount"] = "CreateAccount"
    account_id: Uuid = Field(default_factory=uuid4)
    account_name: AccountName
    account_purpose: Annotated[Text, StringConstraints(max_length=2000)] | None = None
    account_type: AccountType = AccountType.OTHER
    cash_balance: Money = Decimal(0)
    cash_interest: Rate = Decimal(0)


_UPDATE_KEYS: Final = frozenset({"type", "clerk_user_id", "account_id"})


class UpdateAccount(UserEvent[AccountView]):
    """Change the fields given (at least one); None keeps the stored value."""

    type: Literal["UpdateAccount"] = "UpdateAccount"
    account_id: Uuid
    account_name: AccountName | None = None
    account_purpose: Annotated[Text, StringConstraints(max_length=2000)] | None = None
    account_type: AccountType | None = None
    cash_balance: Money | None = None
    cash_interest: Rate | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> "UpdateAccount":
        changed = {
            name for name in self.model_fields_set - _UPDATE_KEYS if getattr(self, name) is not None
        }
        if not changed:
            msg = "UpdateAccount needs at least one field to change"
            raise ValueError(msg)
        return self


class DeleteAccount(UserEvent[Deleted]):
    """Delete the account and its positions."""

    type: Literal["DeleteAccount"] = "DeleteAccount"
    account_id: Uuid


class UpsertPosition(UserEvent[PositionView]):
    """Set the quantity held of `symbol` in the account (positions are keyed by
    (account_id, symbol)); `as_of_date` defaults to today (UTC) on the server."""

    type: Literal["UpsertPosition"] = "UpsertPosition"
    account_id: Uuid
    symbol: Symbol
    quantity: Quantity
    as_of_date: IsoDate | None = None


class DeletePosition(UserEvent[Deleted]):
    type: Literal["DeletePosition"] = "DeletePosition"
    account_id: Uuid
    symbol: Symbol


class GetPortfolio(UserEvent[Portfolio]):
    """The user, every account with its positions, every instrument held (once): one read."""

    type: Literal["GetPortfolio"] = "GetPortfolio"


# --- jobs --------------------------------------------------------------------------------


class CreateJob(UserEvent[JobView]):
    """Create a pending job; replaying it with the same `job_id` returns the same job."""

    type: Literal["CreateJob"] = "CreateJob"
    job_id: Uuid = Field(default_factory=uuid4)
    job_type: JobType = JobType.PORTFOLIO_ANALYSIS
    request_payload: Annotated[JsonObject, SizedPayload] = Field(default_factory=dict)


class StartJob(JobEvent[JobSummary]):
    """pending -> running (sets `started_at`); repeating it is a no-op success."""

    type: Literal["StartJob"] = "StartJob"


class UpdateReport(JobEvent[JobSummary]):
    """Store the reporter's payload (replacing any earlier one)."""

    type: Literal["UpdateReport"] = "UpdateReport"
    report_payload: Annotated[ReportPayload, SizedPayload]


class UpdateCharts(JobEvent[JobSummary]):
    """Merge charts into the job's charts by key (SQL `||`): a chart with a new key is
    added, one with an existing key replaced, others kept; so the charter can save each
    chart as it makes it."""

    type: Literal["UpdateCharts"] = "UpdateCharts"
    charts_payload: Annotated[ChartsPayload, Field(min_length=1, max_length=20), SizedPayload]


class UpdateRetirement(JobEvent[JobSummary]):
    """Store the retirement specialist's payload (replacing any earlier one)."""

    type: Literal["UpdateRetirement"] = "UpdateRetirement"
    retirement_payload: Annotated[RetirementPayload, SizedPayload]


@functools.cache
def _json_object() -> TypeAdapter[dict[str, JsonValue]]:
    return TypeAdapter(JsonObject)


def _summary_patch_in(value: object) -> object:
    # Whatever the summary is given as, it is checked as the JSON object jsonb will store
    # (finite numbers, storable text, bounded nesting) before its keys are typed.
    patch = value.as_patch() if isinstance(value, SummaryPayload) else value
    return _json_object().validate_python(patch)


class UpdateSummary(JobEvent[JobSummary]):
    """Merge the keys set in `summary_payload` into the job's summary, shallowly (SQL `||`):
    keys given replace stored ones, others are kept, so concurrent writers lose nothing.
    Keys `SummaryPayload` declares must have its types, so the merged summary always reads
    back as a `SummaryPayload`; other keys are kept as given. On the wire the payload is the
    patch: only the keys that were set."""

    type: Literal["UpdateSummary"] = "UpdateSummary"
    summary_payload: Annotated[
        SummaryPayload,
        BeforeValidator(_summary_patch_in),
        Field(json_schema_extra={"minProperties": 1}),
    ]

    @field_validator("summary_payload")
    @classmethod
    def _a_patch(cls, payload: SummaryPayload) -> SummaryPayload:
        patch = payload.as_patch()
        if not patch:
            raise PydanticCustomError("summary_empty", "the summary patch must set a key")
        within_payload_bytes(patch)
        return payload

    @field_serializer("summary_payload")
    def _as_patch(self, payload: SummaryPayload) -> dict[str, JsonValue]:
        return payload.as_patch()


class CompleteJob(JobEvent[JobSummary]):
    """running -> completed (sets `completed_at`); repeating it is a no-op success."""

    type: Literal["CompleteJob"] = "CompleteJob"


def _cut(message: object) -> object:
    if isinstance(message, str) and len(message) > MAX_ERROR_MESSAGE:
        return message[: MAX_ERROR_MESSAGE - 1] + "…"
    return message


class FailJob(JobEvent[JobSummary]):
    """-> failed with `error_message` (sets `completed_at`); messages longer than 4000
    characters are cut, not refused."""

    type: Literal["FailJob"] = "FailJob"
    error_message: Annotated[Text, StringConstraints(min_length=1)]

    @field_validator("error_message", mode="before")
    @classmethod
    def _cut_long(cls, value: object) -> object:
        return _cut(value)


class GetJob(JobEvent[JobView]):
    type: Literal["GetJob"] = "GetJob"


class ListJobs(UserEvent[JobPage]):
    """The user's jobs, newest first, a page at a time."""

    type: Literal["ListJobs"] = "ListJobs"
    limit: StrictInteger = Field(default=20, ge=1, le=100)
    cursor: Cursor | None = None
    status: JobStatus | None = None
    job_type: JobType | None = None


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


@functools.cache
def _event_by_type() -> dict[str, type[Event[Any]]]:
    return {cls.model_fields["type"].default: cls for cls in EVENT_TYPES}


def parse_event(data: Any) -> DataEvent:
    """Validate one event from a dict or JSON text; raises pydantic's ValidationError."""
    if isinstance(data, str | bytes | bytearray):
        return data_event_adapter().validate_json(data)
    # A dict whose `type` names an event is validated by that event's own model: the first call
    # builds one event's validator instead of the union's 22 (~5 ms of a cold start). Anything
    # else, and an event that does not validate, goes through the union for its errors.
    kind = data.get("type") if isinstance(data, dict) else None
    model = _event_by_type().get(kind) if isinstance(kind, str) else None
    if model is not None:
        try:
            return cast(DataEvent, model.model_validate(data))
        except ValidationError:
            pass
    return data_event_adapter().validate_python(data)
