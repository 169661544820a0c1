"""Accounts, positions and the portfolio: scoping and outcomes."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

import pytest
from alex_data.operations import accounts as ops
from alex_data.repositories import accounts, positions
from alex_schemas.errors import ConflictError, NotFoundError, UnavailableError
from alex_schemas.events import (
    CreateAccount,
    DeleteAccount,
    DeletePosition,
    UpdateAccount,
    UpsertPosition,
)
from alex_schemas.results import Deleted
from alex_schemas.vocab import AccountType

from tests.unit.operations import documents as doc
from tests.unit.operations.fakes import FakeDb

ACCOUNT = UUID(doc.ACCOUNT_ID)


def test_create_account_sends_the_callers_id_and_exact_decimals() -> None:
    db = FakeDb().answer(
        accounts.CREATE_ACCOUNT,
        {"user_found": True, "id_taken": True, "account": doc.account()},
    )
    event = CreateAccount(
        clerk_user_id=doc.USER,
        account_id=ACCOUNT,
        account_name="Roth IRA",
        account_type=AccountType.ROTH_IRA,
        cash_balance=Decimal("1500.00"),
        cash_interest=Decimal("0.045"),
    )
    result = ops.create_account(event, db)
    assert result.id == ACCOUNT
    assert db.params["account_id"] == ACCOUNT
    assert db.params["cash_balance"] == Decimal("1500.00")
    assert isinstance(db.params["cash_interest"], Decimal)


def test_create_account_for_an_unknown_user_is_not_found() -> None:
    db = FakeDb().answer(
        accounts.CREATE_ACCOUNT,
        {"user_found": False, "id_taken": False, "account": None},
    )
    with pytest.raises(NotFoundError, match="no user"):
        ops.create_account(CreateAccount(clerk_user_id=doc.USER, account_name="x"), db)


def test_create_account_with_an_id_another_user_holds_is_a_conflict() -> None:
    db = FakeDb().answer(
        accounts.CREATE_ACCOUNT,
        {"user_found": True, "id_taken": True, "account": None},
    )
    with pytest.raises(ConflictError):
        ops.create_account(CreateAccount(clerk_user_id=doc.USER, account_name="x"), db)


def test_an_id_another_user_took_meanwhile_is_retryable() -> None:
    # Given another user's account with this id committed while the statement ran: its
    # snapshot neither inserted nor sees the row
    db = FakeDb().answer(
        accounts.CREATE_ACCOUNT,
        {"user_found": True, "id_taken": False, "account": None},
    )
    with pytest.raises(UnavailableError) as raised:
        ops.create_account(CreateAccount(clerk_user_id=doc.USER, account_name="x"), db)
    assert raised.value.retryable


def test_update_account_sends_only_the_fields_given() -> None:
    db = FakeDb().answer(accounts.UPDATE_ACCOUNT, doc.account(cash_balance=Decimal("10.00")))
    event = UpdateAccount(clerk_user_id=doc.USER, account_id=ACCOUNT, cash_balance=Decimal("10"))
    ops.update_account(event, db)
    assert db.params["fields"] == {"cash_balance": Decimal("10")}
    assert db.params["clerk_user_id"] == doc.USER


def test_update_account_of_another_user_is_not_found() -> None:
    db = FakeDb().answer(accounts.UPDATE_ACCOUNT, None)
    with pytest.raises(NotFoundError, match="no account"):
        ops.update_account(
            UpdateAccount(clerk_user_id=doc.USER, account_id=ACCOUNT, account_name="x"), db
        )


@pytest.mark.parametrize(("removed", "deleted"), [(1, True), (0, False)])
def test_deletes_are_idempotent_and_say_whether_anything_went(removed: int, deleted: bool) -> None:
    db = (
        FakeDb().answer(accounts.DELETE_ACCOUNT, removed).answer(positions.DELETE_POSITION, removed)
    )
    account = DeleteAccount(clerk_user_id=doc.USER, account_id=ACCOUNT)
    assert ops.delete_account(account, db) == Deleted(deleted=deleted)
    event = DeletePosition(clerk_user_id=doc.USER, account_id=ACCOUNT, symbol="spy")
    assert ops.delete_position(event, db) == Deleted(deleted=deleted)
    # the symbol travels as the instruments table spells it
    assert db.calls[-1].params["symbol"] == "SPY"


def _position_outcome(*, account: bool, instrument: bool) -> FakeDb:
    answer = {
        "account_found": account,
        "instrument_found": instrument,
        "position": doc.position() if account and instrument else None,
    }
    return FakeDb().answer(positions.UPSERT_POSITION, answer)


def _upsert_position() -> UpsertPosition:
    return UpsertPosition(
        clerk_user_id=doc.USER, account_id=ACCOUNT, symbol="SPY", quantity=Decimal("12.5")
    )


def test_upsert_position_answers_the_position() -> None:
    db = _position_outcome(account=True, instrument=True)
    result = ops.upsert_position(_upsert_position(), db)
    assert result.quantity == Decimal("12.50000000")
    assert db.params["as_of_date"] is None  # the server dates it


def test_a_position_in_another_users_account_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="no account"):
        ops.upsert_position(_upsert_position(), _position_outcome(account=False, instrument=True))


def test_a_position_in_an_unknown_instrument_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="no instrument SPY"):
        ops.upsert_position(_upsert_position(), _position_outcome(account=True, instrument=False))
