"""The largest batches the schemas allow are still one Data API call each."""

from __future__ import annotations

from collections.abc import Callable

from alex_data.gateway import Gateway
from alex_schemas.events import (
    MAX_BATCH_ROWS,
    GetInstruments,
    InstrumentIn,
    ListInstruments,
    UpsertInstruments,
)
from alex_schemas.vocab import InstrumentType

from tests.integration.function.conftest import calls_of, run


def test_the_largest_batches_and_pages_take_one_call_each(
    db: Gateway, symbols: Callable[[str], str]
) -> None:
    batch = [
        InstrumentIn(symbol=symbols("B"), name="Batch fund", instrument_type=InstrumentType.ETF)
        for _ in range(MAX_BATCH_ROWS)
    ]
    assert calls_of(db, UpsertInstruments(instruments=batch)) == 1

    wanted = [instrument.symbol for instrument in batch]
    assert calls_of(db, GetInstruments(symbols=wanted)) == 1
    assert {found.symbol for found in run(db, GetInstruments(symbols=wanted)).instruments} == set(
        wanted
    )

    # More instruments exist than either page holds, so each page also looks one row ahead.
    for limit in (100, MAX_BATCH_ROWS - 1):
        assert calls_of(db, ListInstruments(limit=limit)) == 1
        page = run(db, ListInstruments(limit=limit))
        assert len(page.items) == limit
        assert page.next_cursor is not None
