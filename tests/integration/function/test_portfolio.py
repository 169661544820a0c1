"""Users, instruments, accounts, positions and the portfolio against the database."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar
from uuid import uuid4

import pytest
from alex_data.codec import loads_exact
from alex_data.gateway import Gateway
from alex_data.large_results import read_chunked_text
from alex_data.repositories.portfolio import GET_PORTFOLIO
from alex_data_dev.local_data_api import LocalDataApi
from alex_schemas.errors import ConflictError, NotFoundError, ValidationFailedError
from alex_schemas.events import (
    CreateAccount,
    DeleteAccount,
    DeletePosition,
    Event,
    GetInstruments,
    GetPortfolio,
    GetUser,
    InstrumentIn,
    ListInstruments,
    PriceIn,
    UpdateAccount,
    UpdatePrices,
    UpsertInstruments,
    UpsertPosition,
    UpsertUser,
)
from alex_schemas.results import Portfolio, Result
from alex_schemas.vocab import AccountType, AssetClass, InstrumentType, Region, Sector

from tests.integration.function.conftest import (
    answered_as_the_model_writes,
    calls_of,
    make_gateway,
    run,
)

Symbols = Callable[[str], str]
R = TypeVar("R", bound=Result)


def _instrument(symbol: str, price: str | None = "100.0000", **extra: object) -> InstrumentIn:
    return InstrumentIn.model_validate(
        {
            "symbol": symbol,
            "name": f"{symbol} fund",
            "instrument_type": "etf",
            "current_price": price,
        }
        | extra
    )


def test_upsert_user_changes_only_the_fields_given(db: Gateway, user: str) -> None:
    run(db, UpsertUser(clerk_user_id=user, years_until_retirement=25))
    targets = {AssetClass.EQUITY: Decimal("60"), AssetClass.FIXED_INCOME: Decimal("40")}
    run(db, UpsertUser(clerk_user_id=user, asset_class_targets=targets))
    stored = run(db, GetUser(clerk_user_id=user))
    assert stored.display_name == "Integration Investor"  # from the fixture's upsert
    assert stored.years_until_retirement == 25
    assert stored.asset_class_targets == targets
    assert stored.region_targets == {Region.NORTH_AMERICA: 50, Region.INTERNATIONAL: 50}


def test_an_unknown_user_is_not_found(db: Gateway) -> None:
    with pytest.raises(NotFoundError):
        run(db, GetUser(clerk_user_id=f"nobody_{uuid4().hex}"))
    with pytest.raises(NotFoundError):
        run(db, GetPortfolio(clerk_user_id=f"nobody_{uuid4().hex}"))


@pytest.mark.filterwarnings("ignore::UserWarning")  # the unvalidated map serialises as is
def test_the_database_refuses_what_the_models_would_have(db: Gateway, user: str) -> None:
    # model_construct skips validation: the CHECK constraints are the last line of defence
    wrong: Any = {"equity": Decimal(70), "gold": Decimal(30)}
    bad = UpsertUser.model_construct(clerk_user_id=user, asset_class_targets=wrong)
    with pytest.raises(ValidationFailedError):
        run(db, bad)
    assert run(db, GetUser(clerk_user_id=user)).asset_class_targets[AssetClass.EQUITY] == 70


def test_500_instruments_are_one_statement_and_redelivery_is_harmless(
    db: Gateway, symbols: Symbols
) -> None:
    rows = [_instrument(symbols("B")) for _ in range(500)]
    event = UpsertInstruments(instruments=rows)
    assert calls_of(db, event) == 1
    again = run(db, event)
    assert again.upserted == 500
    found = run(db, GetInstruments(symbols=[r.symbol for r in rows]))
    assert [i.symbol for i in found.instruments] == [r.symbol for r in rows]
    prices = UpdatePrices(
        prices=[PriceIn(symbol=r.symbol, current_price=Decimal("7.1234")) for r in rows]
    )
    assert calls_of(db, prices) == 1


def test_a_batch_with_one_bad_row_writes_nothing(db: Gateway, symbols: Symbols) -> None:
    good, bad = symbols("OK"), symbols("BAD")
    # Given a batch whose second row breaks an allocation CHECK (it sums to 90)
    broken = InstrumentIn.model_construct(
        symbol=bad,
        name="Broken",
        instrument_type=InstrumentType.ETF,
        current_price=None,
        allocation_regions={Region.EUROPE: Decimal(90)},
        allocation_sectors={},
        allocation_asset_class={},
    )
    event = UpsertInstruments.model_construct(instruments=[_instrument(good), broken])
    # When it is written, Then it fails as a whole: the good row was rolled back too
    with pytest.raises(ValidationFailedError):
        run(db, event)
    assert run(db, GetInstruments(symbols=[good, bad])).unknown_symbols == [good, bad]


def test_an_upsert_that_knows_less_keeps_what_was_known(db: Gateway, symbols: Symbols) -> None:
    symbol = symbols("TAG")
    tagged = _instrument(
        symbol,
        price="412.5000",
        allocation_regions={"north_america": 60, "europe": 40},
        allocation_sectors={"technology": "33.333333", "healthcare": "66.666667"},
        allocation_asset_class={"equity": 100},
    )
    run(db, UpsertInstruments(instruments=[tagged]))
    # a renaming without price or allocations
    run(db, UpsertInstruments(instruments=[_instrument(symbol, price=None, name="Renamed")]))
    (stored,) = run(db, GetInstruments(symbols=[symbol])).instruments
    assert stored.name == "Renamed"
    assert stored.current_price == Decimal("412.5")
    assert stored.allocation_sectors == {
        Sector.TECHNOLOGY: Decimal("33.333333"),
        Sector.HEALTHCARE: Decimal("66.666667"),
    }
    assert stored.is_classified


def test_update_prices_reports_unknown_symbols_and_creates_none(
    db: Gateway, symbols: Symbols
) -> None:
    known, unknown = symbols("K"), symbols("U")
    run(db, UpsertInstruments(instruments=[_instrument(known)]))
    event = UpdatePrices(
        prices=[
            PriceIn(symbol=known, current_price=Decimal("1.2345")),
            PriceIn(symbol=unknown, current_price=Decimal("2")),
        ]
    )
    done = run(db, event)
    assert (done.updated, done.unknown_symbols) == (1, [unknown])
    found = run(db, GetInstruments(symbols=[unknown, known]))
    assert [i.current_price for i in found.instruments] == [Decimal("1.2345")]
    assert found.unknown_symbols == [unknown]


def test_list_instruments_walks_every_page(db: Gateway, symbols: Symbols) -> None:
    mine = sorted(symbols("ZZPAGE") for _ in range(5))
    run(db, UpsertInstruments(instruments=[_instrument(s) for s in mine]))
    seen: list[str] = []
    cursor = None
    while True:
        page = run(db, ListInstruments(limit=2, cursor=cursor))
        seen.extend(i.symbol for i in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen))
    assert set(mine) <= set(seen)


def test_accounts_and_positions_make_one_portfolio_in_one_call(
    db: Gateway, user: str, symbols: Symbols
) -> None:
    held = [symbols("P") for _ in range(6)]
    run(db, UpsertInstruments(instruments=[_instrument(s, price="10.5000") for s in held]))
    accounts = [
        run(db, CreateAccount(clerk_user_id=user, account_name=f"Account {n}")) for n in range(3)
    ]
    quantity = Decimal("123456789012.12345678")  # 20 digits: exact, never a float
    for account in accounts:
        for symbol in held:
            holding = UpsertPosition(
                clerk_user_id=user, account_id=account.id, symbol=symbol, quantity=quantity
            )
            run(db, holding)
    load = GetPortfolio(clerk_user_id=user)
    assert calls_of(db, load) == 1
    portfolio = run(db, load)
    assert [a.id for a in portfolio.accounts] == [a.id for a in accounts]
    for account in portfolio.accounts:
        assert [p.symbol for p in account.positions] == sorted(held)
        assert {p.quantity for p in account.positions} == {quantity}
        assert portfolio.instrument(account.positions[0]).current_price == Decimal("10.5")
    assert portfolio.total_value == 3 * 6 * quantity * Decimal("10.5")


def test_create_account_is_idempotent_and_scoped(db: Gateway, new_user: Callable[[], str]) -> None:
    owner, other = new_user(), new_user()
    event = CreateAccount(
        clerk_user_id=owner,
        account_name="401k",
        account_type=AccountType.K401,
        cash_balance=Decimal("2500.50"),
    )
    first = run(db, event)
    assert run(db, event) == first
    assert first.cash_balance == Decimal("2500.50")
    with pytest.raises(ConflictError):
        run(db, CreateAccount(clerk_user_id=other, account_id=event.account_id, account_name="x"))
    with pytest.raises(NotFoundError):
        run(db, CreateAccount(clerk_user_id=f"nobody_{uuid4().hex}", account_name="x"))


def test_another_users_account_is_not_found_and_untouched(
    db: Gateway, new_user: Callable[[], str], symbols: Symbols
) -> None:
    owner, intruder = new_user(), new_user()
    symbol = symbols("SCOPE")
    run(db, UpsertInstruments(instruments=[_instrument(symbol)]))
    account = run(db, CreateAccount(clerk_user_id=owner, account_name="Mine"))
    position = UpsertPosition(
        clerk_user_id=owner, account_id=account.id, symbol=symbol, quantity=Decimal(5)
    )
    run(db, position)
    theirs: dict[str, Any] = {"clerk_user_id": intruder, "account_id": account.id}
    with pytest.raises(NotFoundError):
        run(db, UpdateAccount(**theirs, account_name="Stolen"))
    with pytest.raises(NotFoundError, match="no account"):
        run(db, UpsertPosition(**theirs, symbol=symbol, quantity=Decimal(1)))
    assert run(db, DeletePosition(**theirs, symbol=symbol)).deleted is False
    assert run(db, DeleteAccount(**theirs)).deleted is False
    (kept,) = run(db, GetPortfolio(clerk_user_id=owner)).accounts
    assert kept.account_name == "Mine"
    assert [p.quantity for p in kept.positions] == [Decimal(5)]
    assert run(db, GetPortfolio(clerk_user_id=intruder)).accounts == []


def test_positions_upsert_update_and_delete(db: Gateway, user: str, symbols: Symbols) -> None:
    symbol = symbols("POS")
    run(db, UpsertInstruments(instruments=[_instrument(symbol)]))
    account = run(db, CreateAccount(clerk_user_id=user, account_name="Taxable"))
    key: dict[str, Any] = {"clerk_user_id": user, "account_id": account.id, "symbol": symbol}
    first = run(db, UpsertPosition(**key, quantity=Decimal("1.5")))
    assert run(db, UpsertPosition(**key, quantity=Decimal("1.5"))) == first  # redelivery
    moved = run(db, UpsertPosition(**key, quantity=Decimal("2")))
    assert (moved.id, moved.quantity) == (first.id, Decimal(2))
    with pytest.raises(NotFoundError, match="no instrument"):
        run(db, UpsertPosition(**(key | {"symbol": symbols("NONE")}), quantity=Decimal(1)))
    assert run(db, DeletePosition(**key)).deleted is True
    assert run(db, DeletePosition(**key)).deleted is False


def test_update_and_delete_account_cascades_to_positions(
    db: Gateway, user: str, symbols: Symbols
) -> None:
    symbol = symbols("DEL")
    run(db, UpsertInstruments(instruments=[_instrument(symbol)]))
    account = run(db, CreateAccount(clerk_user_id=user, account_name="Old"))
    ids: dict[str, Any] = {"clerk_user_id": user, "account_id": account.id}
    run(db, UpsertPosition(**ids, symbol=symbol, quantity=Decimal(3)))
    updated = run(db, UpdateAccount(**ids, cash_interest=Decimal("0.0425")))
    assert (updated.account_name, updated.cash_interest) == ("Old", Decimal("0.0425"))
    assert run(db, DeleteAccount(**ids)).deleted is True
    assert run(db, DeleteAccount(**ids)).deleted is False
    assert run(db, GetPortfolio(clerk_user_id=user)).accounts == []


def _at_once(local_data_api: LocalDataApi, event: Event[R], times: int = 4) -> list[R]:
    """Deliver `event` `times` times at the same moment, each on its own connection."""
    barrier = threading.Barrier(times)
    answers: list[R] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        gateway = make_gateway(local_data_api)
        barrier.wait()
        try:
            answers.append(run(gateway, event))
        except BaseException as exc:  # reported by the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=deliver) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return answers


def test_the_same_creation_delivered_at_once_makes_one_row_and_answers_it_to_all(
    db: Gateway, local_data_api: LocalDataApi, user: str, symbols: Symbols
) -> None:
    # Given one CreateAccount delivered four times at the same moment (at-least-once SQS):
    # each delivery's snapshot may predate the one that inserts the row
    account = CreateAccount(clerk_user_id=user, account_name="Raced")
    # Then every delivery answers the one account
    assert {a.id for a in _at_once(local_data_api, account)} == {account.account_id}
    assert len(run(db, GetPortfolio(clerk_user_id=user)).accounts) == 1
    # and the same holds for a first position
    symbol = symbols("RACE")
    run(db, UpsertInstruments(instruments=[_instrument(symbol)]))
    position = UpsertPosition(
        clerk_user_id=user, account_id=account.account_id, symbol=symbol, quantity=Decimal(3)
    )
    assert len({p.id for p in _at_once(local_data_api, position)}) == 1


def test_the_portfolio_reads_as_its_model_reads_the_same_document(
    db: Gateway, user: str, symbols: Symbols
) -> None:
    # Allocations as an agent sends them (floats, integers, a decimal string with trailing
    # zeros), an unpriced instrument, a price and a quantity with every digit their columns hold.
    split = {"north_america": 33.33, "europe": 33.33, "asia": "33.340"}
    priced, unpriced = symbols("R"), symbols("R")
    run(
        db,
        UpsertInstruments(
            instruments=[
                _instrument(
                    priced,
                    price="99999999.9999",
                    allocation_regions=split,
                    allocation_sectors={"technology": 100},
                    allocation_asset_class={"equity": 60.5, "fixed_income": 39.5},
                ),
                _instrument(unpriced, price=None),
            ]
        ),
    )
    run(db, UpsertUser(clerk_user_id=user, target_retirement_income=Decimal("1234567890.10")))
    account = run(
        db,
        CreateAccount(
            clerk_user_id=user,
            account_name="Brokerage",
            account_purpose="Long-term growth, ünïcödé",
            cash_balance=Decimal("0.50"),
            cash_interest=Decimal("0.0450"),
        ),
    )
    for symbol, quantity in ((priced, "123456789012.12345678"), (unpriced, "0.00000001")):
        run(
            db,
            UpsertPosition(
                clerk_user_id=user, account_id=account.id, symbol=symbol, quantity=Decimal(quantity)
            ),
        )

    portfolio = answered_as_the_model_writes(db, user)

    session = db.session()
    text = read_chunked_text(
        lambda page: session._records(GET_PORTFOLIO, page), {"clerk_user_id": user}
    )
    assert text is not None
    theirs = Portfolio.model_validate(loads_exact(text))
    assert portfolio == theirs
    # An allocation share is a jsonb number, read through its float: its value is exact (a share
    # has at most 10 digits), its trailing zeros are not kept.
    assert portfolio.instruments[priced].allocation_regions[Region.ASIA] == Decimal("33.34")
    assert str(portfolio.instruments[priced].allocation_regions[Region.ASIA]) == "33.34"
    assert str(theirs.instruments[priced].allocation_regions[Region.ASIA]) == "33.340"
    # every instrument as GetInstruments answers it: the document names every column
    listed = run(db, GetInstruments(symbols=[priced, unpriced]))
    assert {i.symbol: i for i in listed.instruments} == portfolio.instruments
    # a decimal column comes as its text: every digit and the column's scale
    assert str(portfolio.accounts[0].cash_interest) == "0.0450"
    assert str(portfolio.accounts[0].cash_balance) == "0.50"
    assert str(portfolio.user.target_retirement_income) == "1234567890.10"
    assert str(portfolio.instruments[priced].current_price) == "99999999.9999"
    quantities = {p.symbol: str(p.quantity) for p in portfolio.accounts[0].positions}
    assert quantities == {priced: "123456789012.12345678", unpriced: "1E-8"}


def test_the_answer_is_written_as_the_model_writes_the_portfolio_at_every_edge(
    db: Gateway, user: str, symbols: Symbols
) -> None:
    # Values whose text the model writes otherwise than the database (a Decimal's exponent
    # below 1e-6), zeros at the columns' scales, every digit a column holds, empty allocation
    # maps, allocation shares as integers, floats and strings, one held twice across accounts.
    held = [symbols("E") for _ in range(4)]
    run(
        db,
        UpsertInstruments(
            instruments=[
                _instrument(held[0], price="0.0001", allocation_regions={"asia": 100}),
                _instrument(
                    held[1],
                    price="99999999.9999",
                    allocation_regions={"europe": 12.5, "asia": "87.500000"},
                    allocation_sectors={"technology": 99.999999, "energy": 0.000001},
                    allocation_asset_class={"equity": 100},
                ),
                _instrument(held[2], price=None),
                _instrument(held[3], price="1.0000", instrument_type="bond"),
            ]
        ),
    )
    run(db, UpsertUser(clerk_user_id=user, target_retirement_income=Decimal("0.00")))
    quantities = [
        ["0.00000001", "0.0000001", "0.000001", "99999999999.99999999"],
        ["1.00000000", "123456789012.12345678", "0.10000000", "0.00000010"],
    ]
    for n, row in enumerate(quantities):
        account = run(
            db,
            CreateAccount(
                clerk_user_id=user,
                account_name=f"Edge {n}",
                cash_balance=Decimal("0.00") if n else Decimal("9999999999.99"),
                cash_interest=Decimal("0.0000") if n else Decimal("1.0000"),
            ),
        )
        for symbol, quantity in zip(held, row, strict=True):
            position = UpsertPosition(
                clerk_user_id=user, account_id=account.id, symbol=symbol, quantity=Decimal(quantity)
            )
            run(db, position)
    # an account with no positions
    run(db, CreateAccount(clerk_user_id=user, account_name="Empty"))

    portfolio = answered_as_the_model_writes(db, user)

    # numeric's text at the column's scale, as Decimal's str writes it
    written = {str(p.quantity) for a in portfolio.accounts for p in a.positions}
    assert written >= {"1E-8", "1.0E-7", "0.00000100", "99999999999.99999999"}
    assert portfolio.instruments[held[2]].allocation_regions == {}
    assert len(portfolio.accounts) == 3


def test_a_user_with_nothing_is_answered_as_the_model_writes_them(db: Gateway, user: str) -> None:
    portfolio = answered_as_the_model_writes(db, user)
    assert (portfolio.accounts, portfolio.instruments) == ([], {})
