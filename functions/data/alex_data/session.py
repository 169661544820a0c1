"""`Session`: the one `SqlRunner`, a deadline and, inside a transaction, its id.

A session sends every statement through the gateway's one request method, with the session's
deadline (retries end there) and transaction id. `transaction()` begins a transaction, hands
the block a session bound to it, commits only if the block completes (checking the status
text), and rolls back otherwise; a block inside a transaction joins it (the Data API has no
savepoints).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

from alex_schemas.envelope import ResultJson
from alex_schemas.errors import DataError, InternalError
from alex_schemas.results import Result

from alex_data.codec import (
    Record,
    answer_text_decimals_document,
    decode_document,
    decode_documents,
    encode_parameters,
)
from alex_data.large_results import read_chunked_text, read_pages
from alex_data.sql_runner import M, Params, SqlRunner

if TYPE_CHECKING:
    from mypy_boto3_rds_data.type_defs import ExecuteStatementResponseTypeDef

    from alex_data.gateway import Gateway

__all__ = ["Session"]

log = logging.getLogger(__name__)


class Session:
    """`SqlRunner` over the gateway: retries end at `deadline` (the clock's time)."""

    def __init__(
        self, gateway: Gateway, deadline: float, transaction_id: str | None = None
    ) -> None:
        self._gateway = gateway
        self._deadline = deadline
        self._transaction_id = transaction_id

    def documents(
        self, sql: str, params: Params, model: type[M], *, text_decimals: bool = False
    ) -> list[M]:
        return decode_documents(self._records(sql, params), model, text_decimals=text_decimals)

    def document(
        self, sql: str, params: Params, model: type[M], *, text_decimals: bool = False
    ) -> M | None:
        found = self.documents(sql, params, model, text_decimals=text_decimals)
        return found[0] if found else None

    def paged_documents(self, sql: str, params: Params, model: type[M]) -> list[M]:
        """`documents` of a paged statement: one document per row, pages of at most 1 MiB."""
        return decode_documents(read_pages(lambda page: self._records(sql, page), params), model)

    def chunked_document(
        self, sql: str, params: Params, model: type[M], *, text_decimals: bool = False
    ) -> M | None:
        """One document that the statement returns in ordered chunks; None for no rows."""
        text = read_chunked_text(lambda page: self._records(sql, page), params)
        return None if text is None else decode_document(text, model, text_decimals=text_decimals)

    def chunked_answer(self, sql: str, params: Params, model: type[Result]) -> ResultJson | None:
        text = read_chunked_text(lambda page: self._records(sql, page), params)
        return None if text is None else answer_text_decimals_document(text, model)

    def execute(self, sql: str, params: Params = None) -> int:
        return self._statement(sql, params).get("numberOfRecordsUpdated", 0)

    def transaction(self) -> AbstractContextManager[SqlRunner]:
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[SqlRunner]:
        if self._transaction_id is not None:
            yield self
            return
        begun = self._gateway.request("begin_transaction", self._deadline)
        transaction_id = begun["transactionId"]
        try:
            yield Session(self._gateway, self._deadline, transaction_id)
        except BaseException:
            self._rollback(transaction_id)
            raise
        try:
            ended = self._gateway.request(
                "commit_transaction", self._deadline, transaction_id=transaction_id
            )
        except DataError:
            self._rollback(transaction_id)
            raise
        status = ended.get("transactionStatus", "")
        if status != "Transaction Committed":
            raise InternalError(f"the commit answered {status!r}, not 'Transaction Committed'")

    def _rollback(self, transaction_id: str) -> None:
        # Best effort: the error that got us here is the one to report. A transaction left open
        # is rolled back by the Data API after its timeout anyway.
        try:
            ended = self._gateway.request(
                "rollback_transaction", self._deadline, transaction_id=transaction_id
            )
        except DataError as exc:
            log.warning("rollback of a failed transaction failed: %s", exc)
            return
        status = ended.get("transactionStatus", "")
        if status != "Rollback Complete":
            log.warning("rollback answered %r", status)

    def _statement(self, sql: str, params: Params) -> ExecuteStatementResponseTypeDef:
        return self._gateway.request(
            "execute_statement",
            self._deadline,
            sql=sql,
            parameters=encode_parameters(params),
            transaction_id=self._transaction_id,
        )

    def _records(self, sql: str, params: Params) -> list[Record]:
        return list(self._statement(sql, params).get("records", []))
