"""The example events (events/*.json) as one story: one Data API call each, and redelivery of
any of them leaves the state as one delivery did.

The examples share one user, account, two jobs and four symbols; each test rewrites those to
fresh values, so it owns its rows and can run beside any other test.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from typing import Any, cast

import pytest
from alex_data.gateway import Gateway
from alex_schemas.errors import DataError
from alex_schemas.events import DataEvent, Event, parse_event
from pydantic import BaseModel

from tests.examples import EVENTS_DIR, REPLAY_ORDER
from tests.integration.function.conftest import DELETE_INSTRUMENTS, DELETE_USER, run

USER = "user_demo_001"
IDS = [
    "3f2a9c1e-5b7d-4e8a-9f10-2c4d6e8a0b11",  # the account
    "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d61",  # the analysis job
    "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a772",  # the job the SQS batch creates
]
SYMBOLS = ["SPY", "BND", "VXUS", "GLD"]

SNAPSHOT = """
SELECT jsonb_build_object(
    'users', (SELECT jsonb_agg(to_jsonb(u)) FROM users AS u
              WHERE u.clerk_user_id = :clerk_user_id),
    'accounts', (SELECT jsonb_agg(to_jsonb(a) ORDER BY a.id) FROM accounts AS a
                 WHERE a.clerk_user_id = :clerk_user_id),
    'positions', (SELECT jsonb_agg(to_jsonb(p) ORDER BY p.id)
                  FROM positions AS p JOIN accounts AS a ON a.id = p.account_id
                  WHERE a.clerk_user_id = :clerk_user_id),
    'jobs', (SELECT jsonb_agg(to_jsonb(j) ORDER BY j.id) FROM jobs AS j
             WHERE j.clerk_user_id = :clerk_user_id),
    'instruments', (SELECT jsonb_agg(to_jsonb(i) ORDER BY i.symbol)
                    FROM instruments AS i
                    WHERE i.symbol IN (SELECT jsonb_array_elements_text(CAST(:symbols AS jsonb))))
)
"""


class Snapshot(BaseModel):
    users: Any
    accounts: Any
    positions: Any
    jobs: Any
    instruments: Any


class Story:
    """The examples, rewritten to a fresh user, fresh ids and fresh symbols."""

    def __init__(self) -> None:
        suffix = uuid.uuid4().hex[:6].upper()
        self.user = f"user_it_{suffix.lower()}"
        self.symbols = {s: f"{s}.{suffix}" for s in SYMBOLS}
        self.ids = {old: str(uuid.uuid4()) for old in IDS}

    def _rewrite(self, text: str) -> str:
        text = text.replace(USER, self.user)
        for old, new in self.ids.items():
            text = text.replace(old, new)
        for old, new in self.symbols.items():
            text = re.sub(rf"\b{old}\b", new, text)
        return text

    def events(self) -> Iterator[tuple[str, DataEvent]]:
        for name in REPLAY_ORDER:
            text = self._rewrite((EVENTS_DIR / f"{name}.json").read_text())
            if name == "sqs_batch":
                for n, record in enumerate(json.loads(text)["Records"]):
                    yield f"sqs_batch[{n}]", parse_event(record["body"])
            else:
                yield name, parse_event(text)


@pytest.fixture
def story(db: Gateway) -> Iterator[Story]:
    told = Story()
    yield told
    db.execute(DELETE_USER, {"clerk_user_id": told.user})
    db.execute(DELETE_INSTRUMENTS, {"symbols": list(told.symbols.values())})


def _deliver(db: Gateway, event: DataEvent) -> tuple[int, Any]:
    """Dispatch once: the Data API calls it took and its result (or the error it raised)."""
    before = db.calls
    try:
        outcome: Any = run(db, cast(Event[Any], event))
    except DataError as exc:
        outcome = exc
    return db.calls - before, outcome


def test_every_event_is_one_data_api_call(db: Gateway, story: Story) -> None:
    counts = {}
    for name, event in story.events():
        calls, outcome = _deliver(db, event)
        assert not isinstance(outcome, DataError), f"{name}: {outcome!r}"
        counts[name] = calls
    assert counts == dict.fromkeys(counts, 1)
    assert len(counts) == 26  # 22 event types, the batch carrying 4 records


def test_redelivering_any_event_leaves_the_state_one_delivery_left(
    db: Gateway, story: Story
) -> None:
    def state() -> Snapshot | None:
        params = {"clerk_user_id": story.user, "symbols": list(story.symbols.values())}
        return db.document(SNAPSHOT, params, Snapshot)

    for name, event in story.events():
        # Given the event delivered once
        _, first = _deliver(db, event)
        assert not isinstance(first, DataError), f"{name}: {first!r}"
        once = state()
        # When SQS delivers it again, Then it succeeds and the state is as it was
        _, second = _deliver(db, event)
        assert not isinstance(second, DataError), f"{name} again: {second!r}"
        assert state() == once, name
