"""Statements on a connection: the SQL scanned and bound, run, and its rows read.

The caller picks the connection (pooled, or a transaction's); this module runs the statement
on it and answers typed results, translating PostgreSQL's errors as Aurora's Data API does.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import psycopg
from alex_schemas.limits import ROW_TOO_LARGE

from alex_data_dev.local_data_api import values
from alex_data_dev.local_data_api.connections import Connection
from alex_data_dev.local_data_api.errors import (
    DataApiError,
    bad_request,
    database_error,
    format_pg_error,
)
from alex_data_dev.local_data_api.messages import Column, ExecuteResult, ResultFormat, ResultSet
from alex_data_dev.local_data_api.metadata import TypeNames, column_metadata
from alex_data_dev.local_data_api.sqlparams import ScannedSql, scan

MULTIPLE_WITH_PARAMETERS = "ERROR: cannot insert multiple commands into a prepared statement"
_DML_TAGS = ("INSERT", "UPDATE", "DELETE", "MERGE")
_SET_TIMEOUT = "SELECT set_config('statement_timeout', %s, false)"

# Callers send the same few statements over and over; scanning them once is enough.
_scan_cached = functools.lru_cache(maxsize=2048)(scan)


def scan_statement(sql: str) -> ScannedSql:
    """The SQL with `$n` placeholders; several statements cannot take parameters."""
    scanned = _scan_cached(sql)
    if scanned.statements > 1 and scanned.names:
        raise DataApiError("DatabaseErrorException", MULTIPLE_WITH_PARAMETERS)
    return scanned


class Execution:
    def __init__(self, statement_timeout: float, row_limit_bytes: int) -> None:
        self._statement_timeout = statement_timeout
        self._row_limit = row_limit_bytes  # Aurora refuses a result row over 64 KB; 0: no limit
        self._type_names = TypeNames()

    def execute(
        self, conn: Connection, scanned: ScannedSql, params: list[object], fmt: ResultFormat
    ) -> ExecuteResult:
        cursor = _run(conn, lambda c: c.execute(scanned.sql, params or None))
        description = cursor.description
        if description is None:
            return ExecuteResult(max(cursor.rowcount, 0), None, fmt)
        rows = cursor.fetchall()
        if self._row_limit and any(values.row_size(row) > self._row_limit for row in rows):
            raise bad_request(ROW_TOO_LARGE)
        tag = (cursor.statusmessage or "").split(" ", 1)[0]
        metadata = None
        if fmt.include_metadata and not fmt.as_json:
            metadata = column_metadata(conn, cursor, self._type_names)
        columns = [Column(c.name, c.type_code) for c in description]
        updated = len(rows) if tag in _DML_TAGS else 0
        return ExecuteResult(updated, ResultSet(columns, rows, metadata), fmt)

    def execute_detached(
        self,
        connection: Callable[[], AbstractContextManager[Connection]],
        scanned: ScannedSql,
        params: list[object],
        fmt: ResultFormat,
    ) -> ExecuteResult:
        """continueAfterTimeout: the call still answers StatementTimeoutException when the
        statement timeout passes, but the statement runs on to its end (AWS advises it for
        DDL, which must not be cut short)."""
        done = threading.Event()
        outcome: dict[str, Any] = {}
        timeout_ms = str(int(self._statement_timeout * 1000))

        def work() -> None:
            try:
                with connection() as conn:
                    conn.execute(_SET_TIMEOUT, ["0"])
                    outcome["conn"] = conn.info.backend_pid
                    try:
                        outcome["result"] = self.execute(conn, scanned, params, fmt)
                    finally:
                        # Fails harmlessly in an aborted transaction, whose rollback restores it.
                        with contextlib.suppress(psycopg.Error):
                            conn.execute(_SET_TIMEOUT, [timeout_ms])
            except psycopg.Error as exc:
                outcome["error"] = database_error(exc)
            except BaseException as exc:
                outcome["error"] = exc
            finally:
                done.set()

        threading.Thread(target=work, name="data-api-detached", daemon=True).start()
        if not done.wait(self._statement_timeout):
            raise DataApiError(
                "StatementTimeoutException",
                "The statement is still running (continueAfterTimeout); the call timed out.",
                dbConnectionId=outcome.get("conn", 0),
            )
        if "error" in outcome:
            raise outcome["error"]
        result: ExecuteResult = outcome["result"]
        return result

    @staticmethod
    def execute_many(
        conn: Connection, scanned: ScannedSql, params: Sequence[list[object]], in_transaction: bool
    ) -> None:
        if in_transaction:
            _run(conn, lambda c: c.executemany(scanned.sql, params))
            return

        def atomic(cursor: psycopg.RawCursor[Any]) -> None:
            # Outside a caller's transaction the batch is all or nothing.
            with conn.transaction():
                cursor.executemany(scanned.sql, params)

        _run(conn, atomic)


def _run(
    conn: Connection, run: Callable[[psycopg.RawCursor[Any]], object]
) -> psycopg.RawCursor[Any]:
    cursor = psycopg.RawCursor(conn)
    try:
        run(cursor)
    except psycopg.errors.QueryCanceled as exc:
        if "statement timeout" in str(exc):
            raise DataApiError(
                "StatementTimeoutException",
                format_pg_error(exc),
                dbConnectionId=conn.info.backend_pid,
            ) from exc
        raise database_error(exc) from exc
    except psycopg.Error as exc:
        raise database_error(exc) from exc
    return cursor
