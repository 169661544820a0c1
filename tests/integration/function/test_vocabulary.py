"""The schema's CHECK lists and the layer's vocabularies are the same sets: every value the
models accept, the database stores; a value outside them, the database refuses."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from alex_data.gateway import Gateway
from alex_schemas.errors import ValidationFailedError
from alex_schemas.events import CreateAccount, CreateJob, InstrumentIn, UpsertInstruments
from alex_schemas.vocab import AccountType, AssetClass, InstrumentType, JobType, Region, Sector

from tests.integration.function.conftest import run

HUNDRED = Decimal(100)


def test_every_account_type_and_job_type_is_stored(db: Gateway, user: str) -> None:
    for account_type in AccountType:
        event = CreateAccount(clerk_user_id=user, account_name="x", account_type=account_type)
        assert run(db, event).account_type == account_type
    for job_type in JobType:
        assert run(db, CreateJob(clerk_user_id=user, job_type=job_type)).job_type == job_type


def test_every_instrument_type_and_allocation_key_is_stored(
    db: Gateway, symbols: Callable[[str], str]
) -> None:
    # one instrument per type, and per allocation key (each holding 100 % of its map)
    rows = [
        InstrumentIn(symbol=symbols("T"), name="t", instrument_type=kind) for kind in InstrumentType
    ]
    rows += [
        InstrumentIn(
            symbol=symbols("R"),
            name="r",
            instrument_type=InstrumentType.ETF,
            allocation_regions={region: HUNDRED},
        )
        for region in Region
    ]
    rows += [
        InstrumentIn(
            symbol=symbols("S"),
            name="s",
            instrument_type=InstrumentType.ETF,
            allocation_sectors={sector: HUNDRED},
        )
        for sector in Sector
    ]
    rows += [
        InstrumentIn(
            symbol=symbols("A"),
            name="a",
            instrument_type=InstrumentType.ETF,
            allocation_asset_class={asset: HUNDRED},
        )
        for asset in AssetClass
    ]
    assert run(db, UpsertInstruments(instruments=rows)).upserted == len(rows)


@pytest.mark.filterwarnings("ignore::UserWarning")  # unvalidated values serialise as they are
@pytest.mark.parametrize(
    "wrong",
    [
        {"instrument_type": "crypto"},
        {"allocation_regions": {"atlantis": HUNDRED}},
        {"allocation_sectors": {"technology": Decimal(60)}},
        {"allocation_asset_class": {"equity": Decimal(-10), "cash": Decimal(110)}},
        {"current_price": Decimal(0)},
    ],
)
def test_a_value_outside_them_is_refused(
    db: Gateway, symbols: Callable[[str], str], wrong: dict[str, Any]
) -> None:
    fields: dict[str, Any] = {
        "symbol": symbols("BAD"),
        "name": "bad",
        "instrument_type": InstrumentType.ETF,
        "current_price": None,
        "allocation_regions": {},
        "allocation_sectors": {},
        "allocation_asset_class": {},
    }
    row = InstrumentIn.model_construct(**(fields | wrong))
    with pytest.raises(ValidationFailedError):
        run(db, UpsertInstruments.model_construct(instruments=[row]))
