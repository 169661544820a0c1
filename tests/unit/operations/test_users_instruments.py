"""Users and instruments: what the operations send, and what they make of the answers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from alex_data.operations import instruments as instrument_ops
from alex_data.operations import users as user_ops
from alex_data.repositories import instruments, users
from alex_schemas.errors import NotFoundError, ValidationFailedError
from alex_schemas.events import GetUser, ListInstruments, UpdatePrices, UpsertUser
from alex_schemas.vocab import AssetClass, InstrumentType

from tests.unit.operations import documents as doc
from tests.unit.operations.fakes import FakeDb


def test_upsert_user_sends_only_the_fields_given() -> None:
    # Given an upsert naming the display name and the asset targets only
    db = FakeDb().answer(users.UPSERT_USER, doc.user())
    event = UpsertUser.model_validate(
        {
            "clerk_user_id": doc.USER,
            "display_name": "Ann",
            "asset_class_targets": {"equity": "60", "fixed_income": "40"},
        }
    )
    user_ops.upsert_user(event, db)
    # Then the other columns are not sent, so the stored values stay
    assert db.params["fields"] == {
        "display_name": "Ann",
        "asset_class_targets": {
            AssetClass.EQUITY: Decimal("60"),
            AssetClass.FIXED_INCOME: Decimal("40"),
        },
    }


def test_get_user_of_an_unknown_user_is_not_found() -> None:
    db = FakeDb().answer(users.GET_USER, None)
    with pytest.raises(NotFoundError):
        user_ops.get_user(GetUser(clerk_user_id=doc.USER), db)


def test_update_prices_sends_the_batch_in_one_statement() -> None:
    db = FakeDb().answer(instruments.UPDATE_PRICES, {"updated": 1, "unknown_symbols": ["ZZZ"]})
    event = UpdatePrices.model_validate(
        {
            "prices": [
                {"symbol": "SPY", "current_price": "589.42"},
                {"symbol": "ZZZ", "current_price": "1"},
            ]
        }
    )
    result = instrument_ops.update_prices(event, db)
    assert result.unknown_symbols == ["ZZZ"]
    assert [row.symbol for row in db.params["rows"]] == ["SPY", "ZZZ"]


def test_list_instruments_pages_by_symbol() -> None:
    db = FakeDb().answer(
        instruments.LIST_INSTRUMENTS, [doc.instrument("BND"), doc.instrument("SPY")]
    )
    page = instrument_ops.list_instruments(
        ListInstruments(limit=1, instrument_type=InstrumentType.ETF), db
    )
    assert [i.symbol for i in page.items] == ["BND"]
    assert db.params["instrument_type"] == "etf"
    follow = FakeDb().answer(instruments.LIST_INSTRUMENTS, [doc.instrument("SPY")])
    last = instrument_ops.list_instruments(
        ListInstruments(limit=1, cursor=page.next_cursor), follow
    )
    assert follow.params["after_symbol"] == "BND"
    assert last.next_cursor is None


def test_a_foreign_instrument_cursor_is_invalid_input() -> None:
    with pytest.raises(ValidationFailedError):
        instrument_ops.list_instruments(ListInstruments(cursor="%%%"), FakeDb())
