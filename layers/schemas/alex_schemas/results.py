"""What the data function answers: one result model per event (see `Event.result_model`).

Results ignore unknown fields, unlike events: the function may learn a new column before
every agent's layer does, and an older agent should keep working. Field names are the
tables' column names (`id`, `clerk_user_id`, `account_name`, ...).
"""

from datetime import date
from decimal import Decimal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from alex_schemas.errors import ANSWER_CONFIG
from alex_schemas.payloads import (
    ChartsPayload,
    ReportPayload,
    RetirementPayload,
    SummaryPayload,
)
from alex_schemas.vocab import (
    AccountType,
    AssetClassAllocation,
    ClerkUserId,
    Cursor,
    InstrumentType,
    JobStatus,
    JobType,
    JsonObject,
    Money,
    Price,
    Quantity,
    Rate,
    RegionAllocation,
    SectorAllocation,
    Symbol,
    Text,
    UtcDatetime,
)

__all__ = [
    "AccountView",
    "Deleted",
    "InstrumentList",
    "InstrumentPage",
    "InstrumentView",
    "InstrumentsUpserted",
    "JobPage",
    "JobSummary",
    "JobView",
    "Portfolio",
    "PortfolioAccount",
    "PortfolioPosition",
    "PositionView",
    "PricesUpdated",
    "Result",
    "UserView",
]


class Result(BaseModel):
    model_config = ANSWER_CONFIG


class UserView(Result):
    clerk_user_id: ClerkUserId
    display_name: Text | None = None
    years_until_retirement: int | None = None
    target_retirement_income: Money | None = None
    asset_class_targets: AssetClassAllocation = Field(default_factory=dict)
    region_targets: RegionAllocation = Field(default_factory=dict)
    created_at: UtcDatetime
    updated_at: UtcDatetime


class InstrumentView(Result):
    symbol: Symbol
    name: Text
    instrument_type: InstrumentType | None = None
    current_price: Price | None = None
    allocation_regions: RegionAllocation = Field(default_factory=dict)
    allocation_sectors: SectorAllocation = Field(default_factory=dict)
    allocation_asset_class: AssetClassAllocation = Field(default_factory=dict)
    created_at: UtcDatetime
    updated_at: UtcDatetime

    @property
    def is_classified(self) -> bool:
        """All three allocation maps are filled in (the planner asks the tagger otherwise)."""
        return bool(
            self.allocation_regions and self.allocation_sectors and self.allocation_asset_class
        )


class InstrumentList(Result):
    """Answer to `GetInstruments`: the symbols found, in request order, and the rest."""

    instruments: list[InstrumentView]
    unknown_symbols: list[Symbol] = Field(default_factory=list)


class InstrumentPage(Result):
    """One page of `ListInstruments`, ordered by symbol."""

    items: list[InstrumentView]
    next_cursor: Cursor | None = None


class InstrumentsUpserted(Result):
    """Answer to `UpsertInstruments`: how many rows were inserted or updated."""

    upserted: int = Field(ge=0)
    symbols: list[Symbol] = Field(default_factory=list)


class PricesUpdated(Result):
    """Answer to `UpdatePrices`: known symbols updated; unknown ones are reported, not created."""

    updated: int = Field(ge=0)
    unknown_symbols: list[Symbol] = Field(default_factory=list)


class AccountView(Result):
    id: UUID
    clerk_user_id: ClerkUserId
    account_name: Text
    account_purpose: Text | None = None
    account_type: AccountType = AccountType.OTHER
    cash_balance: Money = Decimal(0)
    cash_interest: Rate = Decimal(0)
    created_at: UtcDatetime
    updated_at: UtcDatetime


class PositionView(Result):
    id: UUID
    account_id: UUID
    symbol: Symbol
    quantity: Quantity
    as_of_date: date
    created_at: UtcDatetime
    updated_at: UtcDatetime


class Deleted(Result):
    """Answer to a delete. Deletes are idempotent so an SQS redelivery succeeds:
    `deleted` is false when nothing of this user's matched (already gone, never existed,
    or someone else's)."""

    deleted: bool


class PortfolioPosition(Result):
    """A position in a `Portfolio`, as compact as an agent needs it: what is held, how much,
    as of when (the account it is in holds it). Its instrument is
    `Portfolio.instrument(position)`. `UpsertPosition` answers the whole row (`PositionView`)."""

    symbol: Symbol
    quantity: Quantity
    as_of_date: date


class PortfolioAccount(AccountView):
    positions: list[PortfolioPosition] = Field(default_factory=list)


class Portfolio(Result):
    """A user's whole portfolio: the user, each account with its positions, and every
    instrument held, once, keyed by symbol (a position names its instrument by `symbol`)."""

    user: UserView
    accounts: list[PortfolioAccount] = Field(default_factory=list)
    instruments: dict[Symbol, InstrumentView] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _every_position_has_its_instrument(self) -> "Portfolio":
        missing = sorted(
            {p.symbol for a in self.accounts for p in a.positions} - set(self.instruments)
        )
        if missing:
            msg = f"positions name instruments the portfolio does not carry: {missing}"
            raise ValueError(msg)
        return self

    def instrument(self, position: PortfolioPosition) -> InstrumentView:
        """The instrument a position holds."""
        return self.instruments[position.symbol]

    def market_value(self, position: PortfolioPosition) -> Decimal:
        """Quantity times the current price; zero while the instrument has no price."""
        price = self.instrument(position).current_price
        return position.quantity * price if price is not None else Decimal(0)

    def account_value(self, account: PortfolioAccount) -> Decimal:
        """Cash plus the market value of every position."""
        return account.cash_balance + sum(
            (self.market_value(p) for p in account.positions), Decimal(0)
        )

    @property
    def total_value(self) -> Decimal:
        return sum((self.account_value(a) for a in self.accounts), Decimal(0))


class JobSummary(Result):
    """A job without its payloads: what lists and status changes answer."""

    id: UUID
    clerk_user_id: ClerkUserId
    job_type: JobType
    status: JobStatus
    error_message: Text | None = None
    created_at: UtcDatetime
    updated_at: UtcDatetime
    started_at: UtcDatetime | None = None
    completed_at: UtcDatetime | None = None


class JobView(JobSummary):
    """A job with every payload, typed."""

    request_payload: JsonObject = Field(default_factory=dict)
    report_payload: ReportPayload | None = None
    charts_payload: ChartsPayload | None = None
    retirement_payload: RetirementPayload | None = None
    summary_payload: SummaryPayload | None = None


class JobPage(Result):
    """One page of `ListJobs`, newest first."""

    items: list[JobSummary]
    next_cursor: Cursor | None = None
