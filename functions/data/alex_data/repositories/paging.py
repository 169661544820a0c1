"""Opaque page cursors: the keyset position after a page's last row.

Keyset paging (not OFFSET) keeps each page one index range scan however deep the caller goes,
and a row inserted meanwhile neither repeats nor skips one. Callers pass `next_cursor` back
verbatim. A cursor is base64url JSON `[kind, *position]` and a checksum of it: one that was
altered, belongs to another listing, or holds a position no row could have is the caller's
mistake, `ValidationFailedError("invalid cursor")`, never reinterpreted. (The checksum finds
corruption and hand-made cursors; it is no secret: a cursor grants nothing, every listing is
scoped by the caller's user.)
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import json
from datetime import datetime
from typing import Any, Final
from uuid import UUID

from alex_schemas.errors import ValidationFailedError
from alex_schemas.vocab import Symbol, UtcDatetime, Uuid
from pydantic import TypeAdapter, ValidationError

INVALID: Final = "invalid cursor"
_CHECK_BYTES: Final = 8


def _check(text: bytes) -> str:
    digest = hashlib.sha256(b"alex-data cursor\x00" + text).digest()[:_CHECK_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def encode_cursor(kind: str, *position: str) -> str:
    text = json.dumps([kind, *position], separators=(",", ":")).encode()
    return f"{_b64(text)}.{_check(text)}"


def decode_cursor(cursor: str, kind: str, parts: int) -> list[str]:
    """The position `encode_cursor(kind, ...)` wrote, as `parts` strings."""
    body, _, check = cursor.partition(".")
    try:
        text = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        decoded = json.loads(text)
    except (binascii.Error, UnicodeDecodeError, ValueError, RecursionError):
        raise ValidationFailedError(INVALID) from None
    if (
        check != _check(text)
        or not isinstance(decoded, list)
        or len(decoded) != parts + 1
        or decoded[0] != kind
        or not all(isinstance(p, str) and "\x00" not in p for p in decoded[1:])
    ):
        raise ValidationFailedError(INVALID)
    return decoded[1:]


@functools.cache
def _adapter(kind: Any) -> TypeAdapter[Any]:
    return TypeAdapter(kind)


def _as(kind: Any, value: str) -> Any:
    # the same rules as the events' fields: an aware, in-range timestamp, a canonical UUID, ...
    try:
        return _adapter(kind).validate_python(value)
    except ValidationError:
        raise ValidationFailedError(INVALID) from None


def time_and_id_after(cursor: str, kind: str) -> tuple[datetime, UUID]:
    """A (timestamp, id) position, as `encode_cursor(kind, ts.isoformat(), str(id))` wrote."""
    at, row_id = decode_cursor(cursor, kind, 2)
    return _as(UtcDatetime, at), _as(Uuid, row_id)


def symbol_after(cursor: str, kind: str) -> str:
    """A symbol position, as `encode_cursor(kind, symbol)` wrote."""
    (after,) = decode_cursor(cursor, kind, 1)
    value: str = _as(Symbol, after)
    return value
