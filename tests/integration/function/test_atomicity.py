"""Several events in one `gateway.transaction()`: all of them, or none."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from alex_data.gateway import Gateway
from alex_schemas.errors import ValidationFailedError
from alex_schemas.events import (
    CreateAccount,
    GetPortfolio,
    InstrumentIn,
    UpsertInstruments,
    UpsertPosition,
    UpsertUser,
)
from alex_schemas.vocab import InstrumentType

from tests.integration.function.conftest import run


def _seed(db: Gateway, symbols: Callable[[str], str]) -> str:
    symbol = symbols("TX")
    instrument = InstrumentIn(symbol=symbol, name="Tx fund", instrument_type=InstrumentType.ETF)
    run(db, UpsertInstruments(instruments=[instrument]))
    return symbol


class Abandoned(Exception):
    pass


def test_a_transaction_that_raises_leaves_nothing(
    db: Gateway, user: str, symbols: Callable[[str], str]
) -> None:
    symbol = _seed(db, symbols)

    def half_made() -> None:
        with db.session().transaction() as tx:
            account = run(tx, CreateAccount(clerk_user_id=user, account_name="Half-made"))
            event = UpsertPosition(
                clerk_user_id=user, account_id=account.id, symbol=symbol, quantity=Decimal(1)
            )
            run(tx, event)
            # the transaction sees its own writes
            assert len(run(tx, GetPortfolio(clerk_user_id=user)).accounts) == 1
            raise Abandoned

    # Given an account and a position written in one transaction, When the block raises
    with pytest.raises(Abandoned):
        half_made()
    # Then neither was kept
    assert run(db, GetPortfolio(clerk_user_id=user)).accounts == []


@pytest.mark.filterwarnings("ignore::UserWarning")  # the unvalidated map serialises as is
def test_a_statement_failing_in_a_transaction_rolls_back_the_earlier_ones(
    db: Gateway, user: str
) -> None:
    wrong: Any = {"equity": Decimal(50)}  # sums to 50: the CHECK refuses it

    def account_then_bad_targets() -> None:
        with db.session().transaction() as tx:
            run(tx, CreateAccount(clerk_user_id=user, account_name="Before the failure"))
            run(tx, UpsertUser.model_construct(clerk_user_id=user, asset_class_targets=wrong))

    with pytest.raises(ValidationFailedError):
        account_then_bad_targets()
    assert run(db, GetPortfolio(clerk_user_id=user)).accounts == []


def test_a_transaction_that_completes_keeps_everything(
    db: Gateway, user: str, symbols: Callable[[str], str]
) -> None:
    symbol = _seed(db, symbols)
    with db.session().transaction() as tx:
        account = run(tx, CreateAccount(clerk_user_id=user, account_name="Whole"))
        event = UpsertPosition(
            clerk_user_id=user, account_id=account.id, symbol=symbol, quantity=Decimal(2)
        )
        run(tx, event)
    (kept,) = run(db, GetPortfolio(clerk_user_id=user)).accounts
    assert [p.symbol for p in kept.positions] == [symbol]
