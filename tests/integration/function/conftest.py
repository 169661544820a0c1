"""Function tier: every event through `dispatch` and the real gateway, against the local Data API.

Each test makes its own user (a fresh clerk_user_id) and, when it needs instruments, its own
symbols; both are removed afterwards, so tests neither see nor disturb each other's rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pytest
from alex_data.dispatch import answer, dispatch
from alex_data.gateway import Gateway
from alex_data.sql_runner import SqlRunner
from alex_data_dev.local_data_api import LocalDataApi
from alex_schemas.envelope import ResultJson
from alex_schemas.events import Event, GetPortfolio, UpsertUser
from alex_schemas.results import Portfolio, Result

if TYPE_CHECKING:
    pass

R = TypeVar("R", bound=Result)

DELETE_USER = "DELETE FROM users WHERE clerk_user_id = :clerk_user_id"
DELETE_INSTRUMENTS = """
WITH doomed AS (SELECT jsonb_array_elements_text(CAST(:symbols AS jsonb)) AS symbol),
held AS (DELETE FROM positions WHERE symbol IN (SELECT symbol FROM doomed))
DELETE FROM instruments WHERE symbol IN (SELECT symbol FROM doomed)
"""


def make_gateway(api: LocalDataApi) -> Gateway:
    """A gateway on the endpoint, as the Lambda builds it (its own client: thread-safe use)."""
    return Gateway(
        api.client(),
        resource_arn=api.cluster_arn,
        secret_arn=api.secret_arn,
        database=api.database,
    )


@pytest.fixture(scope="session")
def db(migrated: Gateway) -> Gateway:
    """The session's gateway, on a database with every migration applied."""
    return migrated


def run(db: Gateway | SqlRunner, event: Event[R]) -> R:
    """Dispatch `event` (in a session of its own, given the gateway) and answer its result,
    typed as the event declares."""
    result = dispatch(cast(Any, event), db.session() if isinstance(db, Gateway) else db)
    assert isinstance(result, type(event).result_model())
    return result


def answered_as_the_model_writes(db: Gateway, user: str) -> Portfolio:
    """The portfolio `dispatch` reads; a direct invoke's answer to the same GetPortfolio
    (`answer`, never building it) is, byte for byte, the JSON `Portfolio` writes for it."""
    event = GetPortfolio(clerk_user_id=user)
    written = answer(event, db.session())
    portfolio = run(db, event)
    assert isinstance(written, ResultJson)
    assert written.model is Portfolio
    assert written.json == portfolio.__pydantic_serializer__.to_json(portfolio)
    assert written.json == portfolio.model_dump_json().encode()
    return portfolio


def calls_of(db: Gateway, event: Event[Any]) -> int:
    """How many Data API requests dispatching `event` took."""
    before = db.calls
    run(db, event)
    return db.calls - before


@pytest.fixture
def new_user(db: Gateway) -> Iterator[Callable[[], str]]:
    """Makes users (UpsertUser with defaults); each is deleted, with all it owns, afterwards."""
    made: list[str] = []

    def make() -> str:
        clerk_user_id = f"user_it_{uuid.uuid4().hex[:12]}"
        made.append(clerk_user_id)
        run(db, UpsertUser(clerk_user_id=clerk_user_id, display_name="Integration Investor"))
        return clerk_user_id

    yield make
    for clerk_user_id in made:
        db.session().execute(DELETE_USER, {"clerk_user_id": clerk_user_id})


@pytest.fixture
def user(new_user: Callable[[], str]) -> str:
    return new_user()


@pytest.fixture
def symbols(db: Gateway) -> Iterator[Callable[[str], str]]:
    """Makes unique symbols (`symbols("SPY")` -> "SPY.1A2B3C") and deletes their instruments
    (and any position still holding them) afterwards."""
    made: list[str] = []

    def make(base: str) -> str:
        symbol = f"{base}.{uuid.uuid4().hex[:6].upper()}"
        made.append(symbol)
        return symbol

    yield make
    if made:
        db.session().execute(DELETE_INSTRUMENTS, {"symbols": made})
