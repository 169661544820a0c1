"""CreateAccount, UpdateAccount, DeleteAccount, UpsertPosition, DeletePosition, GetPortfolio.

Another user's account is `NotFound`, exactly like a missing one. A position naming an
unknown symbol is `NotFound` too (the instrument must be added first, with
UpsertInstruments); the event itself was well formed, what it points at is absent.
"""

from __future__ import annotations

from alex_schemas.account_events import (
    CreateAccount,
    DeleteAccount,
    DeletePosition,
    GetPortfolio,
    UpdateAccount,
    UpsertPosition,
)
from alex_schemas.envelope import ResultJson
from alex_schemas.errors import ConflictError, InternalError, NotFoundError, UnavailableError
from alex_schemas.results import AccountView, Deleted, Portfolio, PositionView

from alex_data.repositories.accounts import AccountRepository
from alex_data.repositories.portfolio import PortfolioRepository
from alex_data.repositories.positions import PositionRepository
from alex_data.sql_runner import SqlRunner


def create_account(event: CreateAccount, db: SqlRunner) -> AccountView:
    outcome = AccountRepository(db).create(event)
    if outcome is None:
        raise InternalError("the account insert answered nothing")
    if not outcome.user_found:
        raise NotFoundError(f"no user {event.clerk_user_id}")
    if outcome.account is not None:
        # created, or a redelivery that finds the account it created before
        return outcome.account
    if outcome.id_taken:
        # by another user's account: say no more than that
        raise ConflictError(f"account id {event.account_id} is already in use")
    # another user's account committed while this ran (the same uuid twice: not in practice)
    raise UnavailableError(f"account id {event.account_id} is being used concurrently; retry")


def update_account(event: UpdateAccount, db: SqlRunner) -> AccountView:
    account = AccountRepository(db).update(event)
    if account is None:
        raise NotFoundError(f"no account {event.account_id} for this user")
    return account


def delete_account(event: DeleteAccount, db: SqlRunner) -> Deleted:
    return Deleted(deleted=AccountRepository(db).delete(event.clerk_user_id, event.account_id))


def upsert_position(event: UpsertPosition, db: SqlRunner) -> PositionView:
    outcome = PositionRepository(db).upsert(event)
    if outcome is None:
        raise InternalError("the position upsert answered nothing")
    if not outcome.account_found:
        raise NotFoundError(f"no account {event.account_id} for this user")
    if not outcome.instrument_found:
        raise NotFoundError(f"no instrument {event.symbol}: add it with UpsertInstruments first")
    if outcome.position is None:
        raise InternalError("the position upsert answered no position")
    return outcome.position


def delete_position(event: DeletePosition, db: SqlRunner) -> Deleted:
    deleted = PositionRepository(db).delete(event.clerk_user_id, event.account_id, event.symbol)
    return Deleted(deleted=deleted)


def get_portfolio(event: GetPortfolio, db: SqlRunner) -> Portfolio:
    portfolio = PortfolioRepository(db).load(event.clerk_user_id)
    if portfolio is None:
        raise NotFoundError(f"no user {event.clerk_user_id}")
    return portfolio


def answer_portfolio(event: GetPortfolio, db: SqlRunner) -> ResultJson:
    """`get_portfolio` for a direct invoke, whose answer is only written out."""
    answer = PortfolioRepository(db).answer(event.clerk_user_id)
    if answer is None:
        raise NotFoundError(f"no user {event.clerk_user_id}")
    return answer
