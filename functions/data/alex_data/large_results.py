"""Answers larger than one Data API response: pages of one static statement, chunks joined.

A statement whose answer may pass the Data API's 1 MiB response takes `:page_start` (rows
already read) and `:page_rows`; the reader asks for pages until one comes back short, halving a
page the Data API refuses as too large. The statement text never changes: paging is
parameters, never SQL built from strings.

A document of any size is cut in SQL by `alex_chunks` into ordered (digest, bytes) rows, so no
row passes the row budget; the bytes are joined before they are decoded (a chunk may end inside
a character), and the document is read again from the start if the digest changed between
pages.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from alex_schemas.errors import InternalError, UnavailableError
from alex_schemas.event_base import MAX_BATCH_ROWS

from alex_data.codec import FieldValue, Record, field_value
from alex_data.sql_runner import Params
from alex_data.translation import ResponseTooLarge

__all__ = ["CHUNK_PAGE_ROWS", "FIRST_PAGE_ROWS", "read_chunked_text", "read_pages"]

log = logging.getLogger(__name__)

# A page of documents asks for more rows than any list statement returns (a batch of
# MAX_BATCH_ROWS, plus the row a page looks ahead to know a next one exists), so a list within
# 1 MiB comes back short in one call; a page the Data API refuses is halved. A page of chunks is
# 30 rows: 30 x (24,000 bytes as 32,000 of base64, and the digest) is about 962 KB, under 1 MiB
# whatever the text, so it is never refused.
FIRST_PAGE_ROWS = MAX_BATCH_ROWS + 2
CHUNK_PAGE_ROWS = 30
# A document is joined only from chunks that all name the same digest; one that changed in
# between is read again from the start, this many times.
_CHUNKED_READ_ATTEMPTS = 3

# One request of the statement with these parameters: its records.
Statement = Callable[[Mapping[str, object]], list[Record]]


def read_pages(
    statement: Statement, params: Params, first_page: int = FIRST_PAGE_ROWS
) -> list[Record]:
    """Every row of a paged statement, in as few responses of at most 1 MiB as it takes."""
    records: list[Record] = []
    page = first_page
    while True:
        try:
            batch = statement({**(params or {}), "page_start": len(records), "page_rows": page})
        except ResponseTooLarge:
            if page == 1:
                raise
            page = max(1, page // 2)
            continue
        records.extend(batch)
        if len(batch) < page:
            return records


def read_chunked_text(statement: Statement, params: Params) -> str | None:
    """The document a chunked statement cuts into (digest, bytes) rows, joined; None for no rows."""
    for _ in range(_CHUNKED_READ_ATTEMPTS):
        records = read_pages(statement, params, CHUNK_PAGE_ROWS)
        if not records:
            return None
        digests = {field_value(record[0]) for record in records}
        if len(digests) == 1:
            return b"".join(_chunk_bytes(record[1]) for record in records).decode()
        log.info("a document changed while read in pages: reading it again")
    raise UnavailableError("the data kept changing while it was read; try again")


def _chunk_bytes(field: FieldValue) -> bytes:
    value = field_value(field)
    if not isinstance(value, bytes):
        raise InternalError(f"a document chunk must be bytes, not {type(value).__name__}")
    return value
