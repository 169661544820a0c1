"""Redelivery: SQS delivers at least once, so every write may arrive twice.

Every write event applied twice through the handler leaves the state (table contents, every
column, `updated_at` included) as one delivery left it; an SQS batch holding each record twice
leaves the same tables as a batch holding each once (twin users, ids and times set aside).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tests.examples import Story
from tests.reliability.conftest import WRITE_TYPES, Function, writes

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Set by the database when the row is written: they differ between two twins, not two deliveries.
_TIMES = {"created_at", "updated_at", "started_at", "completed_at"}


def test_every_write_delivered_twice_leaves_the_state_of_one(
    function: Function, new_story: Callable[[], Story], proves: Callable[[str], None]
) -> None:
    story = new_story()
    twice, same_answer = 0, 0
    covered = set()
    for name, event in writes(story):
        first = function.invoke(event)
        assert first["ok"], (name, first)
        once = story.state(function.gateway.session())
        # When the same event arrives again
        second = function.invoke(event)
        # Then it succeeds and every table is as one delivery left it
        assert second["ok"], (name, second)
        assert story.state(function.gateway.session()) == once, name
        twice += 1
        same_answer += first == second
        covered.add(event.type)
    assert covered == WRITE_TYPES
    proves(
        f"{twice} write events ({len(covered)} types) delivered twice: state identical to one "
        f"delivery {twice}/{twice}; the second answer equal to the first {same_answer}/{twice}"
    )


def _normalized(story: Story, function: Function) -> Any:
    """The story's tables with its user, ids and symbols named by role, times reduced to set
    or not, database-made ids (positions) blanked, rows in an order of their own."""
    state = story.state(function.gateway.session())
    assert state is not None
    text = json.dumps(state.model_dump(mode="json"), sort_keys=True)
    text = text.replace(story.user, "<user>")
    for n, made in enumerate(story.ids.values()):
        text = text.replace(made, f"<id {n}>")
    for role, symbol in story.symbols.items():
        text = text.replace(symbol, f"<{role}>")
    text = _UUID.sub("<made by the database>", text)

    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: (v is not None) if k in _TIMES else strip(v) for k, v in value.items()}
        if isinstance(value, list):  # rows come ordered by id, which differs between twins
            return sorted((strip(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
        return value

    return strip(json.loads(text))


def test_an_sqs_batch_with_every_record_twice_leaves_the_state_of_once(
    function: Function, new_story: Callable[[], Story], proves: Callable[[str], None]
) -> None:
    doubled, single = new_story(), new_story()
    # Given twin users, the same writes as SQS records: each twice in a row for one of them
    bodies = {s.user: [e.model_dump_json() for _, e in writes(s)] for s in (doubled, single)}
    twice = [body for body in bodies[doubled.user] for _ in range(2)]
    # When each batch is handled
    assert function.batch(twice) == []
    assert function.batch(bodies[single.user]) == []
    # Then the tables are the same
    assert _normalized(doubled, function) == _normalized(single, function)
    rows = _normalized(single, function)
    count = sum(len(rows[table] or []) for table in rows)
    proves(
        f"SQS batch of {len(twice)} records, each write twice: {count} rows, identical to the "
        f"batch of {len(bodies[single.user])} records once; duplicates found 0"
    )
