"""The five Data API operations over a psycopg connection pool.

A call outside a transaction borrows a pooled connection in autocommit mode, so it commits on
its own as Aurora's does. BeginTransaction takes a connection out of the pool for that
transaction alone until commit, rollback or the idle timeout hands it back.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import logging
import secrets
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from alex_schemas.limits import DATA_API_ROW_BYTES, ROW_TOO_LARGE
from psycopg.conninfo import make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from alex_data_dev.local_data_api import values
from alex_data_dev.local_data_api.errors import STATUS, DataApiError, bad_request
from alex_data_dev.local_data_api.metadata import TypeNames, column_metadata
from alex_data_dev.local_data_api.sqlparams import ScannedSql, scan

log = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 1024 * 1024  # records: "the call is terminated" past 1 MiB
MAX_FORMATTED_BYTES = 10 * 1000 * 1000  # formattedRecords has its own 10 MB limit
TRANSACTION_COMMITTED = "Transaction Committed"
ROLLBACK_COMPLETE = "Rollback Complete"
RESPONSE_TOO_LARGE = "Database returned more than the allowed response size limit"
MULTIPLE_WITH_PARAMETERS = "ERROR: cannot insert multiple commands into a prepared statement"
# The operations whose model lists DatabaseResumingException (commit and rollback do not).
RESUMING_OPERATIONS = frozenset({"ExecuteStatement", "BatchExecuteStatement", "BeginTransaction"})
_ADAPTERS = values.build_adapters()
_DML_TAGS = ("INSERT", "UPDATE", "DELETE", "MERGE")
_SET_TIMEOUT = "SELECT set_config('statement_timeout', %s, false)"


@dataclass
class _Transaction:
    conn: psycopg.Connection[Any]
    pool: ConnectionPool
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_used: float = field(default_factory=time.monotonic)
    started: float = field(default_factory=time.monotonic)


@dataclass(frozen=True)
class EngineConfig:
    dsn: str  # reaches `database`
    database: str
    cluster_arn: str
    secret_arn: str
    transaction_timeout: float = 180.0
    statement_timeout: float = 45.0
    transaction_max_age: float = 24 * 3600.0  # Aurora ends any transaction after 24 hours
    instance_id: str = "alex-local-instance-1"
    pool_max: int = 50  # transactions each hold one; Aurora has no small limit here
    # Aurora refuses a result row over 64 KB; 0 turns the check off
    row_limit_bytes: int = DATA_API_ROW_BYTES


def format_pg_error(error: psycopg.Error) -> str:
    """PostgreSQL's error as Aurora's Data API passes it on: PgJDBC's rendering of the server's
    message (`ERROR: ...` then `  Detail:`/`  Hint:`/`  Position:`/`  Where:` lines), then
    `; SQLState: <code>` (as seen in public clients that parse Aurora's messages)."""
    diag = error.diag
    primary = diag.message_primary
    if primary is None:
        # A refused connection carries libpq's text: keep the server's part of it.
        libpq = str(error).strip()
        fatal = libpq.rfind("FATAL:")
        return " ".join(libpq[fatal:].split()) if fatal >= 0 else libpq
    lines = [f"{diag.severity or 'ERROR'}: {primary}"]
    for label, text in (
        ("Detail", diag.message_detail),
        ("Hint", diag.message_hint),
        ("Position", diag.statement_position),
        ("Where", diag.context),
    ):
        if text:
            lines.append(f"  {label}: {text}")
    message = "\n".join(lines)
    # Aurora appends the SQLSTATE this way, e.g. "...\n  Position: 8; SQLState: 42703".
    return f"{message}; SQLState: {diag.sqlstate}" if diag.sqlstate else message


# Callers send the same few statements over and over; scanning them once is enough.
_scan_cached = functools.lru_cache(maxsize=2048)(scan)


class Engine:
    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self._pools: dict[str, ConnectionPool] = {}
        self._pools_lock = threading.Lock()
        self._transactions: dict[str, _Transaction] = {}
        self._transactions_lock = threading.Lock()
        self._faults: dict[str, int] = {}
        self._faults_lock = threading.Lock()
        self._type_names = TypeNames()
        self._timeout_ms = int(self.config.statement_timeout * 1000)
        self._closed = threading.Event()
        self._pool_for(config.database)
        self._reaper = threading.Thread(target=self._reap, name="data-api-reaper", daemon=True)
        self._reaper.start()

    # --- lifecycle ----------------------------------------------------------------------------

    def _pool_for(self, database: str) -> ConnectionPool:
        with self._pools_lock:
            pool = self._pools.get(database)
            if pool is None:
                timeout_ms = self._timeout_ms
                conninfo = make_conninfo(
                    self.config.dsn,
                    dbname=database,
                    # Aurora's Data API answers timestamptz in UTC.
                    options=f"-c TimeZone=UTC -c statement_timeout={timeout_ms}",
                    application_name="alex-local-data-api",
                )
                if database != self.config.database:
                    # Fail fast on a database that does not exist: a pool would keep
                    # retrying in the background while the caller waits out its timeout.
                    try:
                        psycopg.connect(conninfo, connect_timeout=5).close()
                    except psycopg.OperationalError as exc:
                        raise DataApiError("DatabaseErrorException", format_pg_error(exc)) from exc
                pool = ConnectionPool(
                    conninfo,
                    kwargs={"autocommit": True, "context": _ADAPTERS, "prepare_threshold": None},
                    min_size=2 if database == self.config.database else 1,
                    max_size=self.config.pool_max,
                    timeout=30.0,
                    name=f"data-api-{database}",
                    open=True,
                )
                try:
                    pool.wait(timeout=30.0)
                except PoolTimeout:
                    pool.close()
                    raise
                self._pools[database] = pool
            return pool

    def close(self) -> None:
        self._closed.set()
        with self._transactions_lock:
            transactions = list(self._transactions.values())
            self._transactions.clear()
        for tx in transactions:
            with contextlib.suppress(DataApiError):  # a broken connection is closed anyway
                self._finish(tx, "ROLLBACK")
        with self._pools_lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.close()
        self._reaper.join(timeout=5)

    def _reap(self) -> None:
        config = self.config
        interval = min(1.0, config.transaction_timeout / 4, config.transaction_max_age / 4)
        while not self._closed.wait(interval):
            now = time.monotonic()
            expired: list[_Transaction] = []
            with self._transactions_lock:
                for tx_id, tx in list(self._transactions.items()):
                    idle = now - tx.last_used > config.transaction_timeout
                    too_old = now - tx.started > config.transaction_max_age
                    # A transaction busy with a statement (locked) waits for the next round.
                    if (idle or too_old) and tx.lock.acquire(blocking=False):
                        del self._transactions[tx_id]
                        expired.append(tx)
            for tx in expired:
                log.info("rolling back a transaction idle or open for too long")
                tx.lock.release()
                try:
                    self._finish(tx, "ROLLBACK")
                except DataApiError:
                    log.warning("rolling back an expired transaction failed", exc_info=True)

    # --- faults -------------------------------------------------------------------------------

    def set_faults(self, faults: Mapping[str, int]) -> dict[str, int]:
        for code, count in faults.items():
            if code not in STATUS:
                known = ", ".join(sorted(STATUS))
                raise bad_request(f"unknown fault code {code!r}; the Data API's codes: {known}")
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise bad_request(f"fault count for {code} must be a non-negative integer")
        with self._faults_lock:
            self._faults.update(faults)
            self._faults = {code: n for code, n in self._faults.items() if n > 0}
            return dict(self._faults)

    def clear_faults(self) -> None:
        with self._faults_lock:
            self._faults.clear()

    def faults(self) -> dict[str, int]:
        with self._faults_lock:
            return dict(self._faults)

    def _take_fault(self, operation: str) -> None:
        with self._faults_lock:
            for code, count in self._faults.items():
                if code == "DatabaseResumingException" and operation not in RESUMING_OPERATIONS:
                    continue
                if count > 1:
                    self._faults[code] = count - 1
                else:
                    del self._faults[code]
                break
            else:
                return
        if code == "DatabaseResumingException":
            message = (
                f"The Aurora DB instance {self.config.instance_id} is resuming after being "
                "auto-paused. Please wait a few seconds and try again."
            )
        else:
            message = f"Injected {code}"
        raise DataApiError(code, message)

    # --- common checks ------------------------------------------------------------------------

    def _check_resources(self, request: Mapping[str, Any], operation: str) -> None:
        resource_arn = request.get("resourceArn")
        secret_arn = request.get("secretArn")
        if not isinstance(resource_arn, str) or not isinstance(secret_arn, str):
            raise bad_request("resourceArn and secretArn are required")
        if resource_arn != self.config.cluster_arn:
            raise bad_request(f"HttpEndpoint is not enabled for resource {resource_arn}")
        if secret_arn != self.config.secret_arn:
            raise bad_request(
                f"Error fetching secret {secret_arn} : Secrets Manager can't find the "
                "specified secret. (Service: AWSSecretsManager; Status Code: 400; "
                "Error Code: ResourceNotFoundException)"
            )
        self._take_fault(operation)

    def _transaction(self, tx_id: object) -> _Transaction:
        if not isinstance(tx_id, str):
            raise bad_request("transactionId must be a string")
        with self._transactions_lock:
            tx = self._transactions.get(tx_id)
        if tx is None:
            raise DataApiError("TransactionNotFoundException", f"Transaction {tx_id} is not found")
        return tx

    @contextmanager
    def _connection(
        self, request: Mapping[str, Any]
    ) -> Iterator[tuple[psycopg.Connection[Any], bool]]:
        """The connection a statement runs on, and whether it is inside a caller's transaction."""
        tx_id = request.get("transactionId")
        if tx_id:
            tx = self._transaction(tx_id)
            with tx.lock:
                with self._transactions_lock:
                    if self._transactions.get(tx_id) is not tx:  # finished while we waited
                        raise DataApiError(
                            "TransactionNotFoundException", f"Transaction {tx_id} is not found"
                        )
                try:
                    yield tx.conn, True
                finally:
                    tx.last_used = time.monotonic()
            return
        database = request.get("database") or self.config.database
        try:
            pool = self._pool_for(str(database))
            with pool.connection() as conn:
                yield conn, False
        except PoolTimeout as exc:
            raise DataApiError("DatabaseUnavailableException", str(exc)) from exc
        except psycopg.OperationalError as exc:
            if exc.sqlstate is None:  # could not connect at all
                raise DataApiError("DatabaseErrorException", format_pg_error(exc)) from exc
            raise

    @staticmethod
    def _scan(request: Mapping[str, Any]) -> ScannedSql:
        sql = request.get("sql")
        if not isinstance(sql, str) or not sql.strip():
            raise bad_request("sql is required")
        scanned = _scan_cached(sql)
        if scanned.statements > 1 and scanned.names:
            raise DataApiError("DatabaseErrorException", MULTIPLE_WITH_PARAMETERS)
        return scanned

    def _run(self, conn: psycopg.Connection[Any], run: Any) -> psycopg.RawCursor[Any]:
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
            raise DataApiError("DatabaseErrorException", format_pg_error(exc)) from exc
        except psycopg.Error as exc:
            raise DataApiError("DatabaseErrorException", format_pg_error(exc)) from exc
        return cursor

    # --- operations ---------------------------------------------------------------------------

    def execute_statement(self, request: Mapping[str, Any]) -> bytes:
        self._check_resources(request, "ExecuteStatement")
        scanned = self._scan(request)
        params = values.bind(scanned.names, request.get("parameters"))
        if request.get("continueAfterTimeout"):
            return self._execute_detached(request, scanned, params)
        with self._connection(request) as (conn, _):
            return self._execute_on(conn, request, scanned, params)

    def _execute_detached(
        self, request: Mapping[str, Any], scanned: ScannedSql, params: list[object]
    ) -> bytes:
        """continueAfterTimeout: the call still answers StatementTimeoutException when the
        statement timeout passes, but the statement runs on to its end (AWS advises it for
        DDL, which must not be cut short)."""
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def work() -> None:
            try:
                with self._connection(request) as (conn, _):
                    conn.execute(_SET_TIMEOUT, ["0"])
                    outcome["conn"] = conn.info.backend_pid
                    try:
                        outcome["body"] = self._execute_on(conn, request, scanned, params)
                    finally:
                        # Fails harmlessly in an aborted transaction, whose rollback restores it.
                        with contextlib.suppress(psycopg.Error):
                            conn.execute(_SET_TIMEOUT, [str(self._timeout_ms)])
            except psycopg.Error as exc:
                outcome["error"] = DataApiError("DatabaseErrorException", format_pg_error(exc))
            except BaseException as exc:
                outcome["error"] = exc
            finally:
                done.set()

        threading.Thread(target=work, name="data-api-detached", daemon=True).start()
        if not done.wait(self.config.statement_timeout):
            raise DataApiError(
                "StatementTimeoutException",
                "The statement is still running (continueAfterTimeout); the call timed out.",
                dbConnectionId=outcome.get("conn", 0),
            )
        if "error" in outcome:
            raise outcome["error"]
        body: bytes = outcome["body"]
        return body

    def _execute_on(
        self,
        conn: psycopg.Connection[Any],
        request: Mapping[str, Any],
        scanned: ScannedSql,
        params: list[object],
    ) -> bytes:
        options = request.get("resultSetOptions") or {}
        decimal_as_number = options.get("decimalReturnType") == "DOUBLE_OR_LONG"
        long_as_string = options.get("longReturnType") == "STRING"
        as_json = request.get("formatRecordsAs") == "JSON"
        cursor = self._run(conn, lambda c: c.execute(scanned.sql, params or None))
        description = cursor.description
        if description is None:
            response = {
                "numberOfRecordsUpdated": max(cursor.rowcount, 0),
                "generatedFields": [],
            }
            return json.dumps(response).encode()
        rows = cursor.fetchall()
        self._check_row_sizes(rows)
        tag = (cursor.statusmessage or "").split(" ", 1)[0]
        updated = len(rows) if tag in _DML_TAGS else 0
        if as_json:
            formatted = self._formatted_records(rows, description, options)
            response = {"numberOfRecordsUpdated": updated, "formattedRecords": formatted}
            return json.dumps(response).encode()
        fragments = [
            values.fragment_for(c.type_code, decimal_as_number, long_as_string) for c in description
        ]
        parts = ['{"records":', values.records_json(rows, fragments)]
        parts.append(f',"numberOfRecordsUpdated":{updated}')
        if request.get("includeResultMetadata"):
            metadata = column_metadata(conn, cursor, self._type_names)
            parts.append(f',"columnMetadata":{json.dumps(metadata)}')
        parts.append("}")
        body = "".join(parts).encode()
        if len(body) > MAX_RESPONSE_BYTES:
            raise bad_request(RESPONSE_TOO_LARGE)
        return body

    def _check_row_sizes(self, rows: Sequence[Sequence[Any]]) -> None:
        limit = self.config.row_limit_bytes
        if limit and any(values.row_size(row) > limit for row in rows):
            raise bad_request(ROW_TOO_LARGE)

    @staticmethod
    def _formatted_records(
        rows: Sequence[Sequence[Any]], description: Sequence[Any], options: Mapping[str, Any]
    ) -> str:
        """formatRecordsAs=JSON: one JSON string of objects keyed by column name."""
        converters = [
            values.converter_for(
                c.type_code,
                options.get("decimalReturnType") == "DOUBLE_OR_LONG",
                options.get("longReturnType") == "STRING",
            )
            for c in description
        ]
        names = [c.name for c in description]
        formatted = json.dumps(
            [
                {n: values.field_to_json(f) for n, f in zip(names, row, strict=True)}
                for row in values.convert_rows(rows, converters)
            ]
        )
        if len(formatted) > MAX_FORMATTED_BYTES:
            raise bad_request(RESPONSE_TOO_LARGE)
        return formatted

    def batch_execute_statement(self, request: Mapping[str, Any]) -> bytes:
        self._check_resources(request, "BatchExecuteStatement")
        scanned = self._scan(request)
        sets: Sequence[Any] = request.get("parameterSets") or []
        params = [values.bind(scanned.names, parameter_set) for parameter_set in sets]
        if not params:
            return b'{"updateResults": []}'
        with self._connection(request) as (conn, in_transaction):
            if in_transaction:
                self._run(conn, lambda c: c.executemany(scanned.sql, params))
            else:
                # Outside a caller's transaction the batch is all or nothing.
                self._run(conn, lambda c: self._atomic_many(conn, c, scanned.sql, params))
        return json.dumps({"updateResults": [{"generatedFields": []} for _ in params]}).encode()

    @staticmethod
    def _atomic_many(
        conn: psycopg.Connection[Any], cursor: psycopg.RawCursor[Any], sql: str, params: list[Any]
    ) -> None:
        with conn.transaction():
            cursor.executemany(sql, params)

    def begin_transaction(self, request: Mapping[str, Any]) -> bytes:
        self._check_resources(request, "BeginTransaction")
        database = str(request.get("database") or self.config.database)
        try:
            pool = self._pool_for(database)
            conn = pool.getconn()
        except PoolTimeout as exc:
            raise DataApiError("DatabaseUnavailableException", str(exc)) from exc
        try:
            conn.execute("BEGIN")
        except psycopg.Error as exc:
            pool.putconn(conn)
            raise DataApiError("DatabaseErrorException", format_pg_error(exc)) from exc
        # Aurora's ids are long opaque base64 strings; so are ours.
        tx_id = base64.b64encode(secrets.token_bytes(138)).decode()
        with self._transactions_lock:
            self._transactions[tx_id] = _Transaction(conn, pool)
        return json.dumps({"transactionId": tx_id}).encode()

    def _end(self, request: Mapping[str, Any], operation: str, command: str) -> str:
        self._check_resources(request, operation)
        tx_id = request.get("transactionId")
        tx = self._transaction(tx_id)
        with tx.lock, self._transactions_lock:
            if self._transactions.get(str(tx_id)) is not tx:
                raise DataApiError(
                    "TransactionNotFoundException", f"Transaction {tx_id} is not found"
                )
            del self._transactions[str(tx_id)]
        return self._finish(tx, command)

    def _finish(self, tx: _Transaction, command: str) -> str:
        """COMMIT or ROLLBACK, hand the connection back; PostgreSQL's answering tag."""
        try:
            status = tx.conn.execute(command).statusmessage or ""
        except psycopg.Error as exc:
            tx.conn.close()
            raise DataApiError("DatabaseErrorException", format_pg_error(exc)) from exc
        finally:
            tx.pool.putconn(tx.conn)
        return status

    def commit_transaction(self, request: Mapping[str, Any]) -> bytes:
        status = self._end(request, "CommitTransaction", "COMMIT")
        if status != "COMMIT":
            # PostgreSQL answers COMMIT of a failed transaction with ROLLBACK; say so, as
            # PgJDBC does, rather than claim a commit that did not happen.
            raise DataApiError(
                "DatabaseErrorException",
                "The database returned ROLLBACK, so the transaction cannot be committed.",
            )
        return json.dumps({"transactionStatus": TRANSACTION_COMMITTED}).encode()

    def rollback_transaction(self, request: Mapping[str, Any]) -> bytes:
        self._end(request, "RollbackTransaction", "ROLLBACK")
        return json.dumps({"transactionStatus": ROLLBACK_COMPLETE}).encode()

    def open_transactions(self) -> int:
        with self._transactions_lock:
            return len(self._transactions)
