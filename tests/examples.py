"""The example events under events/, shared by every tier that replays them."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alex_data.sql_runner import SqlRunner
from alex_schemas.events import DataEvent, parse_event
from pydantic import BaseModel

EVENTS_DIR = Path(__file__).resolve().parents[1] / "events"
README = EVENTS_DIR / "README.md"


def replay_order(readme: str) -> list[str]:
    """The examples named (`like_this`) in the README's numbered list, in its order.

    The README is where the order is written, with why; this reads it so that no second
    copy can drift. A name that is not an example under events/ is refused.
    """
    steps = re.search(r"^1\. .*?(?=\n\n)", readme, re.MULTILINE | re.DOTALL)
    if steps is None:
        msg = f"{README} has no numbered replay order"
        raise ValueError(msg)
    names = re.findall(r"`([a-z_]+)`", steps.group(0))
    unknown = [n for n in names if not (EVENTS_DIR / f"{n}.json").is_file()]
    if unknown:
        msg = f"{README}: the replay order names no example {unknown}"
        raise ValueError(msg)
    return names


# the order in which the examples replay against an empty database, each step succeeding
REPLAY_ORDER = replay_order(README.read_text())

USER = "user_demo_001"
IDS = [
    "3f2a9c1e-5b7d-4e8a-9f10-2c4d6e8a0b11",  # the account
    "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d61",  # the analysis job
    "4e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a772",  # the job the SQS batch creates
]
SYMBOLS = ["SPY", "BND", "VXUS", "GLD"]

# Everything the story's user owns, and its instruments: "the same state" is this, equal.
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
    """The examples, rewritten to a fresh user, fresh ids and fresh symbols, so that a test owns
    its rows and can run beside any other test."""

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

    def restore(self, text: str) -> str:
        """The inverse of the rewrite: this story's values back to the examples' own."""
        text = text.replace(self.user, USER)
        for old, new in self.ids.items():
            text = text.replace(new, old)
        for old, new in self.symbols.items():
            text = text.replace(new, old)
        return text

    def raw(self) -> Iterator[tuple[str, Any]]:
        """Each example file as sent to the function (the SQS batch whole), rewritten."""
        for name in REPLAY_ORDER:
            yield name, json.loads(self._rewrite((EVENTS_DIR / f"{name}.json").read_text()))

    def events(self) -> Iterator[tuple[str, DataEvent]]:
        for name in REPLAY_ORDER:
            text = self._rewrite((EVENTS_DIR / f"{name}.json").read_text())
            if name == "sqs_batch":
                for n, record in enumerate(json.loads(text)["Records"]):
                    yield f"sqs_batch[{n}]", parse_event(record["body"])
            else:
                yield name, parse_event(text)

    def state(self, db: SqlRunner) -> Snapshot | None:
        """What the story's user owns and its instruments, as stored now."""
        params = {"clerk_user_id": self.user, "symbols": list(self.symbols.values())}
        return db.document(SNAPSHOT, params, Snapshot)
