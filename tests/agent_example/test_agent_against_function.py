"""The contract end to end: an agent's DataClient against the real data function (handler,
dispatch, gateway) over the local Data API. What the function writes into its envelopes must
validate as the result models the layer declares, through the same JSON an invoke carries."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from alex_data.gateway import Gateway
from alex_data.handler import build_handler
from alex_data_dev.testing import InProcessTransport, LocalLambdaContext
from alex_schemas import (
    AccountType,
    AssetClass,
    CompleteJob,
    CreateAccount,
    CreateJob,
    Deleted,
    GetJob,
    GetPortfolio,
    InstrumentIn,
    InstrumentType,
    JobView,
    ListJobs,
    NotFoundError,
    Portfolio,
    Region,
    Sector,
    StartJob,
    SummaryPayload,
    UpdateSummary,
    UpsertInstruments,
    UpsertPosition,
    UpsertUser,
    ValidationFailedError,
    parse_event,
)
from alex_schemas.client import DataClient

from tests.agent_example import reporter_agent
from tests.examples import EVENTS_DIR, REPLAY_ORDER

pytestmark = pytest.mark.integration


@pytest.fixture
def gateway(migrated: Gateway) -> Gateway:
    """The session's gateway (tests/conftest.py), on a database with every migration applied."""
    return migrated


@pytest.fixture
def client(gateway: Gateway) -> DataClient:
    handler: Callable[[dict[str, Any], Any], Any] = build_handler(database=lambda: gateway)
    return DataClient(transport=InProcessTransport(handler))


@pytest.fixture
def user(gateway: Gateway) -> Iterator[str]:
    clerk_user_id = f"user_agent_{uuid.uuid4().hex[:10]}"
    yield clerk_user_id
    gateway.session().execute("DELETE FROM users WHERE clerk_user_id = :u", {"u": clerk_user_id})


@pytest.fixture
def symbol(gateway: Gateway) -> Iterator[str]:
    ticker = f"T{uuid.uuid4().hex[:6].upper()}"
    yield ticker
    gateway.session().execute("DELETE FROM positions WHERE symbol = :s", {"s": ticker})
    gateway.session().execute("DELETE FROM instruments WHERE symbol = :s", {"s": ticker})


def test_an_agent_runs_a_job_through_the_real_function(
    client: DataClient, user: str, symbol: str
) -> None:
    # Given a user with one account holding one priced, classified instrument
    client.call(UpsertUser(clerk_user_id=user, display_name="Agent Test"))
    client.call(
        UpsertInstruments(
            instruments=[
                InstrumentIn(
                    symbol=symbol,
                    name="Test Total Market",
                    instrument_type=InstrumentType.ETF,
                    current_price=Decimal("123.4567"),
                    allocation_regions={Region.NORTH_AMERICA: Decimal(100)},
                    allocation_sectors={
                        Sector.TECHNOLOGY: Decimal("33.33"),
                        Sector.OTHER: Decimal("66.67"),
                    },
                    allocation_asset_class={AssetClass.EQUITY: Decimal(100)},
                )
            ]
        )
    )
    account = client.call(
        CreateAccount(
            clerk_user_id=user,
            account_name="Roth IRA",
            account_type=AccountType.ROTH_IRA,
            cash_balance=Decimal("1000.01"),
        )
    )
    client.call(
        UpsertPosition(
            clerk_user_id=user,
            account_id=account.id,
            symbol=symbol,
            quantity=Decimal("12.34567891"),
        )
    )
    job = client.call(CreateJob(clerk_user_id=user, request_payload={"source": "agent test"}))
    client.call(StartJob(clerk_user_id=user, job_id=job.id))

    # When the reporter agent runs, and the planner merges a summary through the queue path
    answer = reporter_agent.lambda_handler(
        {"clerk_user_id": user, "job_id": str(job.id)}, None, client
    )
    client.enqueue(
        UpdateSummary(
            clerk_user_id=user,
            job_id=job.id,
            summary_payload=SummaryPayload(summary="All good"),
        )
    )
    client.call(CompleteJob(clerk_user_id=user, job_id=job.id))

    # Then every answer was the declared, typed model, with exact decimals
    portfolio = client.call(GetPortfolio(clerk_user_id=user))
    assert isinstance(portfolio, Portfolio)
    (position,) = portfolio.accounts[0].positions
    assert portfolio.instrument(position).current_price == Decimal("123.4567")
    assert portfolio.total_value == Decimal("1000.01") + Decimal("12.34567891") * Decimal(
        "123.4567"
    )
    assert answer["total_value"] == str(portfolio.total_value)
    stored = client.call(GetJob(clerk_user_id=user, job_id=job.id))
    assert isinstance(stored, JobView)
    assert stored.status == "completed"
    assert stored.report_payload is not None
    assert f"- {symbol}: 12.34567891 units" in stored.report_payload.content
    assert stored.summary_payload is not None
    assert stored.summary_payload.summary == "All good"
    assert [j.id for j in client.call(ListJobs(clerk_user_id=user)).items] == [job.id]


def test_errors_arrive_as_the_layers_exceptions(client: DataClient, user: str) -> None:
    client.call(UpsertUser(clerk_user_id=user))
    with pytest.raises(NotFoundError):
        client.call(GetJob(clerk_user_id=user, job_id=uuid.uuid4()))
    # another user's job is NotFound too, never data
    job = client.call(CreateJob(clerk_user_id=user))
    with pytest.raises(NotFoundError):
        client.call(GetJob(clerk_user_id=f"{user}_other", job_id=job.id))
    # an event the function refuses (here: a malformed one slipped past the model)
    with pytest.raises(ValidationFailedError):
        client.call(GetPortfolio.model_construct(clerk_user_id="has space"))


def test_the_examples_replay_in_order_through_the_client(
    gateway: Gateway, client: DataClient
) -> None:
    assert sorted(REPLAY_ORDER) == sorted(p.stem for p in EVENTS_DIR.glob("*.json"))
    handler: Callable[[dict[str, Any], Any], Any] = build_handler(database=lambda: gateway)
    try:
        for name in REPLAY_ORDER:
            text = (EVENTS_DIR / f"{name}.json").read_text()
            if name == "sqs_batch":
                # the SQS example as Lambda delivers it: every record commits
                answer = handler(json.loads(text), LocalLambdaContext())
                assert answer == {"batchItemFailures": []}, name
                continue
            event = parse_event(text)
            result = client.call_any(event)
            assert type(result) is event.result_model(), name
            if isinstance(result, Deleted):
                assert result.deleted, name
    finally:
        gateway.session().execute(
            "DELETE FROM users WHERE clerk_user_id = :u", {"u": "user_demo_001"}
        )
        for symbol in ("SPY", "BND", "VXUS", "GLD"):
            gateway.session().execute("DELETE FROM positions WHERE symbol = :s", {"s": symbol})
            gateway.session().execute("DELETE FROM instruments WHERE symbol = :s", {"s": symbol})
