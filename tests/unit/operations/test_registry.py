"""The registry covers the union exactly, and every operation answers its declared result."""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any

import pytest
from alex_data.dispatch import OPERATIONS, dispatch
from alex_data.repositories import accounts, instruments, jobs, portfolio, positions, users
from alex_schemas.events import EVENT_TYPES, DataEvent, Event, parse_event

from tests.examples import EVENTS_DIR as EXAMPLES
from tests.unit.operations import documents as doc
from tests.unit.operations.fakes import FakeDb


def _union_members() -> list[type[Event[Any]]]:
    union = typing.get_args(DataEvent)[0]
    return list(typing.get_args(union))


def test_every_event_of_the_union_has_exactly_one_operation() -> None:
    members = _union_members()
    # Given the union and the registry, When compared, Then they name the same event types
    assert len(members) == len(set(members))
    assert set(OPERATIONS) == set(members)
    assert set(EVENT_TYPES) == set(members)


@pytest.mark.parametrize("event_type", _union_members(), ids=lambda t: t.__name__)
def test_each_operation_declares_its_events_result_model(event_type: type[Event[Any]]) -> None:
    operation = OPERATIONS[event_type]
    hints = typing.get_type_hints(operation)
    # Then the operation takes that event and returns (a subclass of) its result model
    assert hints["event"] is event_type
    assert issubclass(hints["return"], event_type.result_model())


def _happy_database() -> FakeDb:
    """Every statement answers what a database holding the user's data would."""
    running = doc.job("running")
    return (
        FakeDb()
        .answer(users.UPSERT_USER, doc.user())
        .answer(users.GET_USER, doc.user())
        .answer(instruments.UPSERT_INSTRUMENTS, {"upserted": 4, "symbols": ["BND", "SPY"]})
        .answer(instruments.UPDATE_PRICES, {"updated": 2, "unknown_symbols": []})
        .answer(
            instruments.GET_INSTRUMENTS,
            [{"symbol": "SPY", "instrument": doc.instrument()}],
        )
        .answer(instruments.LIST_INSTRUMENTS, [doc.instrument("BND"), doc.instrument("SPY")])
        .answer(
            accounts.CREATE_ACCOUNT,
            {"user_found": True, "id_taken": True, "account": doc.account()},
        )
        .answer(accounts.UPDATE_ACCOUNT, doc.account())
        .answer(accounts.DELETE_ACCOUNT, 1)
        .answer(
            positions.UPSERT_POSITION,
            {"account_found": True, "instrument_found": True, "position": doc.position()},
        )
        .answer(positions.DELETE_POSITION, 1)
        .answer(
            portfolio.GET_PORTFOLIO,
            {
                "user": doc.user(),
                "accounts": [doc.account(positions=[doc.position()])],
                "instruments": {"SPY": doc.instrument()},
            },
        )
        .answer(
            jobs.CREATE_JOB,
            {"user_found": True, "id_taken": True, "job": doc.job(), "same_request": True},
        )
        .answer(
            jobs.TRANSITION_JOB,
            lambda p: doc.job_change(
                "pending", changed=True, same=False, job_doc=doc.job(p["to_status"])
            ),
        )
        .answer(
            jobs.WRITE_JOB_PAYLOAD,
            doc.job_change("running", changed=True, same=False, job_doc=running),
        )
        .answer(jobs.GET_JOB, doc.job("completed"))
        .answer(jobs.LIST_JOBS, [doc.job("completed")])
    )


def _examples() -> list[Path]:
    return sorted(p for p in EXAMPLES.glob("*.json") if p.name != "sqs_batch.json")


def test_there_is_an_example_of_every_event() -> None:
    kinds = {json.loads(p.read_text())["type"] for p in _examples()}
    assert kinds == {t.__name__ for t in _union_members()}


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.stem)
def test_each_example_event_answers_its_result_model_in_one_statement(path: Path) -> None:
    # Given an example event and a database that holds its data
    event = parse_event(path.read_text())
    db = _happy_database()
    # When it is dispatched
    result = dispatch(event, db)
    # Then the answer is the declared result model, from one statement (one Data API call)
    assert isinstance(result, type(event).result_model())
    assert len(db.calls) == 1
    assert db.transactions == 0
