"""The example events under events/, shared by every tier that replays them."""

from __future__ import annotations

import re
from pathlib import Path

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
