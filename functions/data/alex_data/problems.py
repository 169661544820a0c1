"""What a refused event is told, and what is logged of it: the fields and the problems, never
the values sent.

A message names each field by its path (`report_payload.generated_at`), says what is wrong in
the words of the rule, and stays under `MAX_MESSAGE` characters whatever was sent: a key the
caller invented is shown only if it looks like a field name, and an unknown `type` is answered
with the closest event type or the list of them, never with the value itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

from alex_schemas.errors import ValidationFailedError
from pydantic import ValidationError

__all__ = [
    "MAX_MESSAGE",
    "InvalidEvent",
    "describe_validation",
    "event_type_name",
    "unknown_event_type",
]

MAX_MESSAGE: Final = 1000
# At most this many field problems are listed; the rest are counted.
_MAX_PROBLEMS: Final = 8
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
# pydantic errors whose text quotes part of the input; they get these words instead.
_OWN_WORDS: Final = {
    "uuid_parsing": "Input should be a valid UUID",
    "uuid_type": "Input should be a valid UUID",
    "uuid_version": "Input should be a valid UUID",
}
_UNKNOWN_TAG: Final = frozenset({"union_tag_invalid", "union_tag_not_found"})


def _event_type_names() -> tuple[str, ...]:
    from alex_schemas.events import EVENT_TYPES

    return tuple(event.__name__ for event in EVENT_TYPES)


def event_type_name(value: object) -> str | None:
    """`value` if it is the name of an event type (safe to log), else None."""
    return value if isinstance(value, str) and value in _event_type_names() else None


def unknown_event_type(value: object) -> str:
    """'unknown event type', then the closest type ("did you mean GetUser?") or all of them."""
    names = _event_type_names()
    if value is None:
        return f"a `type` is required: one of {', '.join(names)}"
    if isinstance(value, str) and len(value) <= 64:
        import difflib  # for a mistyped type only: not part of a cold start's imports

        folded = {name.lower(): name for name in names}
        close = folded.get(value.lower().replace("_", "").replace("-", "")) or next(
            iter(difflib.get_close_matches(value, names, n=1, cutoff=0.8)), None
        )
        if close is not None:
            return f"unknown event type; did you mean {close}?"
    return f"unknown event type; valid types: {', '.join(names)}"


def _where(loc: Iterable[int | str]) -> str:
    parts = []
    for part in loc:
        if isinstance(part, int):
            parts.append(str(part))
        elif _FIELD_NAME.match(part):
            parts.append(part)
        else:
            parts.append("<key>")
    return ".".join(parts) or "event"


def _problem(item: Any) -> str:
    kind = item["type"]
    if kind in _UNKNOWN_TAG:
        # the input of a discriminator error is the event itself
        event = item.get("input")
        sent = event.get("type") if isinstance(event, dict) else None
        where = _where(item["loc"])
        return f"{where + '.' if where != 'event' else ''}type: {unknown_event_type(sent)}"
    message = _OWN_WORDS.get(kind, item["msg"])
    value = item.get("input")
    # A last guard for pydantic texts that quote the input (no type listed above does).
    if isinstance(value, str | int | float) and len(str(value)) >= 3 and str(value) in message:
        message = f"invalid value ({kind})"
    return f"{_where(item['loc'])}: {message}"


def describe_validation(error: ValidationError) -> str:
    """`field.path: problem; ...`, at most MAX_MESSAGE characters, quoting no value sent."""
    problems: list[str] = []
    seen: set[str] = set()
    items = error.errors(include_url=False)
    length = 0
    shown = 0
    for item in items:
        problem = _problem(item)
        if problem in seen:
            shown += 1
            continue
        if problems and (
            len(problems) == _MAX_PROBLEMS or length + len(problem) + 2 > MAX_MESSAGE - 40
        ):
            break
        problems.append(problem)
        seen.add(problem)
        length += len(problem) + 2
        shown += 1
    more = len(items) - shown
    if more > 0:
        problems.append(f"and {more} more")
    text = "; ".join(problems)
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


class InvalidEvent(ValidationFailedError):
    """The event or SQS record is not a valid one, the sender's fault; `problems` is what the
    sender is told (`describe_validation`)."""

    def __init__(self, problems: str) -> None:
        super().__init__(problems, retryable=False)
        self.problems = problems
