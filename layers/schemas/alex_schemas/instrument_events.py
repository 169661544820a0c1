"""The instruments' events: shared reference data, not user-scoped (alex_schemas.events lists
every event)."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from alex_schemas.event_base import MAX_BATCH_ROWS, Event
from alex_schemas.results import InstrumentList, InstrumentPage, InstrumentsUpserted, PricesUpdated
from alex_schemas.vocab import (
    AssetClassAllocation,
    Cursor,
    InstrumentType,
    Name,
    Price,
    RegionAllocation,
    SectorAllocation,
    StrictInteger,
    Symbol,
)


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
