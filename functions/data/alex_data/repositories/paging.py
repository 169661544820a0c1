"""Opaque page cursors: the keyset position after a page's last row, base64url JSON.

Keyset paging (not OFFSET) keeps each page one index range scan however deep the caller goes,
and a row inserted meanwhile neither repeats nor skips one. Callers pass `next_cursor` back
verbatim; a cursor that does not decode is the caller's mistake (`ValidationFailedError`).
"""

from __future__ import annotations

import base64
import binascii
import json

from alex_schemas.errors import ValidationFailedError


def encode_cursor(*position: str) -> str:
    text = json.dumps(list(position), separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, parts: int) -> list[str]:
    """The position `encode_cursor` wrote, as `parts` strings."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        position = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValidationFailedError("cursor is not one this function returned") from exc
    if (
        not isinstance(position, list)
        or len(position) != parts
        or not all(isinstance(p, str) for p in position)
    ):
        raise ValidationFailedError("cursor is not one this function returned")
    return position
