"""`SqlRunner`: what repositories need from the database, and nothing about how it is reached.

Static SQL with named `:params`, answered as typed documents (one json/jsonb column per row,
validated as the model the caller names). A statement whose answer may pass the Data API's
1 MiB response takes `:page_start` and `:page_rows`, and is read with `paged_documents`, or
with `chunked_document` when it cuts one document into ordered (digest, chunk) rows; a statement
that writes every decimal as a JSON string (numeric's text) says `text_decimals=True`, and its
document is validated straight from its JSON text. `chunked_answer` reads such a document to
the JSON its model writes for it (`ResultJson`), for an answer that is only written out.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from typing import Protocol, TypeVar

from alex_schemas.envelope import ResultJson
from alex_schemas.results import Result
from pydantic import BaseModel

__all__ = ["M", "Params", "SqlRunner"]

M = TypeVar("M", bound=BaseModel)
Params = Mapping[str, object] | None


class SqlRunner(Protocol):
    """Static SQL, named parameters, typed documents; every method is one statement."""

    def documents(
        self, sql: str, params: Params, model: type[M], *, text_decimals: bool = False
    ) -> list[M]: ...

    def document(
        self, sql: str, params: Params, model: type[M], *, text_decimals: bool = False
    ) -> M | None: ...

    def paged_documents(self, sql: str, params: Params, model: type[M]) -> list[M]: ...

    def chunked_document(
        self, sql: str, params: Params, model: type[M], *, text_decimals: bool = False
    ) -> M | None: ...

    def chunked_answer(self, sql: str, params: Params, model: type[Result]) -> ResultJson | None:
        """`chunked_document` of a `text_decimals` statement, as the JSON `model` writes."""
        ...

    def execute(self, sql: str, params: Params = None) -> int: ...

    def transaction(self) -> AbstractContextManager[SqlRunner]: ...
