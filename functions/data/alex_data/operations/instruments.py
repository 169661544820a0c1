"""UpsertInstruments, UpdatePrices, GetInstruments, ListInstruments: shared reference data."""

from __future__ import annotations

from alex_schemas.instrument_events import (
    GetInstruments,
    ListInstruments,
    UpdatePrices,
    UpsertInstruments,
)
from alex_schemas.results import InstrumentList, InstrumentPage, InstrumentsUpserted, PricesUpdated

from alex_data.repositories.instruments import InstrumentRepository
from alex_data.sql_runner import SqlRunner


def upsert_instruments(event: UpsertInstruments, db: SqlRunner) -> InstrumentsUpserted:
    return InstrumentRepository(db).upsert_many(event.instruments)


def update_prices(event: UpdatePrices, db: SqlRunner) -> PricesUpdated:
    return InstrumentRepository(db).update_prices(event.prices)


def get_instruments(event: GetInstruments, db: SqlRunner) -> InstrumentList:
    return InstrumentRepository(db).get_many(event.symbols)


def list_instruments(event: ListInstruments, db: SqlRunner) -> InstrumentPage:
    items, next_cursor = InstrumentRepository(db).list_page(
        event.limit, event.cursor, event.instrument_type
    )
    return InstrumentPage(items=items, next_cursor=next_cursor)
