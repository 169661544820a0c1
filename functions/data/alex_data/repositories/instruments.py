"""Instruments: shared reference data (not user-scoped), written in batches of up to 500."""

from __future__ import annotations

from collections.abc import Sequence

from alex_schemas.errors import InternalError
from alex_schemas.instrument_events import InstrumentIn, PriceIn
from alex_schemas.results import (
    InstrumentList,
    InstrumentsUpserted,
    InstrumentView,
    PricesUpdated,
)
from alex_schemas.vocab import InstrumentType

from alex_data.repositories.paging import encode_cursor, symbol_after
from alex_data.rows import InstrumentLookup
from alex_data.sql_runner import SqlRunner

# One statement for the whole batch: the rows travel as one JSON array. A row without a price
# keeps the stored price, and an empty allocation map ("not known") keeps the stored map, so
# a caller that knows less than the tagger did cannot erase what it found. Rows are inserted
# in symbol order so concurrent batches lock shared rows in the same order (no deadlock).
UPSERT_INSTRUMENTS = """
WITH upserted AS (
    INSERT INTO instruments AS i (
        symbol, name, instrument_type, current_price,
        allocation_regions, allocation_sectors, allocation_asset_class
    )
    SELECT r.symbol, r.name, r.instrument_type, r.current_price,
           coalesce(r.allocation_regions, '{}'), coalesce(r.allocation_sectors, '{}'),
           coalesce(r.allocation_asset_class, '{}')
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(
        symbol varchar, name varchar, instrument_type varchar, current_price numeric,
        allocation_regions jsonb, allocation_sectors jsonb, allocation_asset_class jsonb
    )
    ORDER BY r.symbol
    ON CONFLICT (symbol) DO UPDATE SET
        name = EXCLUDED.name,
        instrument_type = EXCLUDED.instrument_type,
        current_price = coalesce(EXCLUDED.current_price, i.current_price),
        allocation_regions = CASE WHEN EXCLUDED.allocation_regions = '{}'
            THEN i.allocation_regions ELSE EXCLUDED.allocation_regions END,
        allocation_sectors = CASE WHEN EXCLUDED.allocation_sectors = '{}'
            THEN i.allocation_sectors ELSE EXCLUDED.allocation_sectors END,
        allocation_asset_class = CASE WHEN EXCLUDED.allocation_asset_class = '{}'
            THEN i.allocation_asset_class ELSE EXCLUDED.allocation_asset_class END
    RETURNING i.symbol
)
SELECT jsonb_build_object(
    'upserted', count(*),
    'symbols', coalesce(jsonb_agg(upserted.symbol ORDER BY upserted.symbol), '[]')
)
FROM upserted
"""

# Known symbols are locked in symbol order first (concurrent batches then queue instead of
# deadlocking), updated, and the unknown ones reported back.
UPDATE_PRICES = """
WITH given AS (
    SELECT r.symbol, r.current_price
    FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(symbol varchar, current_price numeric)
), locked AS (
    SELECT i.symbol FROM instruments AS i JOIN given AS g ON g.symbol = i.symbol
    ORDER BY i.symbol
    FOR UPDATE OF i
), updated AS (
    UPDATE instruments AS i SET current_price = g.current_price
    FROM given AS g JOIN locked AS l ON l.symbol = g.symbol
    WHERE i.symbol = g.symbol
    RETURNING i.symbol
)
SELECT jsonb_build_object(
    'updated', (SELECT count(*) FROM updated),
    'unknown_symbols', coalesce(
        (SELECT jsonb_agg(g.symbol ORDER BY g.symbol) FROM given AS g
         WHERE NOT EXISTS (SELECT FROM instruments AS i WHERE i.symbol = g.symbol)),
        '[]'
    )
)
"""

# One row per symbol asked, in request order: the instrument, or null for a symbol not stored.
# 500 instruments pass one row's budget and may pass 1 MiB, so the gateway reads it in pages.
GET_INSTRUMENTS = """
SELECT jsonb_build_object('symbol', w.symbol, 'instrument', to_jsonb(i))
FROM jsonb_array_elements_text(CAST(:symbols AS jsonb)) WITH ORDINALITY AS w(symbol, n)
LEFT JOIN instruments AS i ON i.symbol = w.symbol
ORDER BY w.n
OFFSET CAST(:page_start AS integer) LIMIT CAST(:page_rows AS integer)
"""

# Keyset page by symbol; one row more than asked says whether another page follows. The
# gateway reads the caller's page :page_rows at a time (500 instruments may pass 1 MiB).
LIST_INSTRUMENTS = """
SELECT to_jsonb(i)
FROM instruments AS i
WHERE (CAST(:after_symbol AS varchar) IS NULL OR i.symbol > CAST(:after_symbol AS varchar))
  AND (CAST(:instrument_type AS varchar) IS NULL
       OR i.instrument_type = CAST(:instrument_type AS varchar))
ORDER BY i.symbol
OFFSET CAST(:page_start AS integer)
LIMIT greatest(0, least(
    CAST(:page_rows AS integer), CAST(:limit AS integer) + 1 - CAST(:page_start AS integer)
))
"""


class InstrumentRepository:
    def __init__(self, db: SqlRunner) -> None:
        self._db = db

    def upsert_many(self, rows: Sequence[InstrumentIn]) -> InstrumentsUpserted:
        done = self._db.document(UPSERT_INSTRUMENTS, {"rows": list(rows)}, InstrumentsUpserted)
        if done is None:  # an aggregate always answers one row
            raise InternalError("the instrument upsert returned nothing")
        return done

    def update_prices(self, prices: Sequence[PriceIn]) -> PricesUpdated:
        done = self._db.document(UPDATE_PRICES, {"rows": list(prices)}, PricesUpdated)
        if done is None:
            raise InternalError("the price update returned nothing")
        return done

    def get_many(self, symbols: Sequence[str]) -> InstrumentList:
        found = self._db.paged_documents(
            GET_INSTRUMENTS, {"symbols": list(symbols)}, InstrumentLookup
        )
        return InstrumentList(
            instruments=[f.instrument for f in found if f.instrument is not None],
            unknown_symbols=[f.symbol for f in found if f.instrument is None],
        )

    def list_page(
        self, limit: int, cursor: str | None, instrument_type: InstrumentType | None
    ) -> tuple[list[InstrumentView], str | None]:
        """One page in symbol order and the cursor of the next (None on the last page)."""
        after = symbol_after(cursor, "instruments") if cursor is not None else None
        rows = self._db.paged_documents(
            LIST_INSTRUMENTS,
            {"after_symbol": after, "instrument_type": instrument_type, "limit": limit},
            InstrumentView,
        )
        if len(rows) <= limit:
            return rows, None
        page = rows[:limit]
        return page, encode_cursor("instruments", page[-1].symbol)
