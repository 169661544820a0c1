"""The example events (events/*.json) as one story: one Data API call each, and redelivery of
any of them leaves the state as one delivery did.

The examples share one user, account, two jobs and four symbols; each test rewrites those to
fresh values, so it owns its rows and can run beside any other test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
from alex_data.gateway import Gateway
from alex_schemas.errors import DataError
from alex_schemas.events import DataEvent, Event

from tests.examples import Snapshot, Story
from tests.integration.function.conftest import DELETE_INSTRUMENTS, DELETE_USER, run


@pytest.fixture
def story(db: Gateway) -> Iterator[Story]:
    told = Story()
    yield told
    db.session().execute(DELETE_USER, {"clerk_user_id": told.user})
    db.session().execute(DELETE_INSTRUMENTS, {"symbols": list(told.symbols.values())})


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
        return story.state(db.session())

    for name, event in story.events():
        # Given the event delivered once
        _, first = _deliver(db, event)
        assert not isinstance(first, DataError), f"{name}: {first!r}"
        once = state()
        # When SQS delivers it again, Then it succeeds and the state is as it was
        _, second = _deliver(db, event)
        assert not isinstance(second, DataError), f"{name} again: {second!r}"
        assert state() == once, name
