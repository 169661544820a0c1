"""Data API transactions: each `transactionId` holds one connection until it ends.

BeginTransaction takes a connection out of the pool for that transaction alone; commit,
rollback, or the reaper (idle past the transaction timeout, or open past the maximum age, as
on Aurora) hands it back. One statement at a time runs on a transaction's connection.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from psycopg_pool import ConnectionPool

from alex_data_dev.local_data_api.connections import Connection, Pools
from alex_data_dev.local_data_api.errors import DataApiError, database_error

log = logging.getLogger(__name__)


@dataclass
class _Transaction:
    conn: Connection
    pool: ConnectionPool
    lock: threading.Lock = field(default_factory=threading.Lock)
    last_used: float = field(default_factory=time.monotonic)
    started: float = field(default_factory=time.monotonic)


def _not_found(tx_id: object) -> DataApiError:
    return DataApiError("TransactionNotFoundException", f"Transaction {tx_id} is not found")


class Transactions:
    def __init__(self, pools: Pools, idle_timeout: float, max_age: float) -> None:
        self._pools = pools
        self._idle_timeout = idle_timeout
        self._max_age = max_age
        self._open: dict[str, _Transaction] = {}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._reaper = threading.Thread(target=self._reap, name="data-api-reaper", daemon=True)
        self._reaper.start()

    def begin(self, database: str | None) -> str:
        pool, conn = self._pools.take(database)
        try:
            conn.execute("BEGIN")
        except psycopg.Error as exc:
            pool.putconn(conn)
            raise database_error(exc) from exc
        # Aurora's ids are long opaque base64 strings; so are ours.
        tx_id = base64.b64encode(secrets.token_bytes(138)).decode()
        with self._lock:
            self._open[tx_id] = _Transaction(conn, pool)
        return tx_id

    @contextmanager
    def connection(self, tx_id: str) -> Iterator[Connection]:
        """The transaction's connection, held for one statement."""
        tx = self._get(tx_id)
        with tx.lock:
            with self._lock:
                if self._open.get(tx_id) is not tx:  # finished while we waited
                    raise _not_found(tx_id)
            try:
                yield tx.conn
            finally:
                tx.last_used = time.monotonic()

    def end(self, tx_id: str, command: str) -> str:
        """COMMIT or ROLLBACK the transaction; PostgreSQL's answering tag."""
        tx = self._get(tx_id)
        with tx.lock, self._lock:
            if self._open.get(tx_id) is not tx:
                raise _not_found(tx_id)
            del self._open[tx_id]
        return self._finish(tx, command)

    def count(self) -> int:
        with self._lock:
            return len(self._open)

    def close(self) -> None:
        """Roll back every open transaction and stop the reaper."""
        self._closed.set()
        with self._lock:
            transactions = list(self._open.values())
            self._open.clear()
        for tx in transactions:
            with contextlib.suppress(DataApiError):  # a broken connection is closed anyway
                self._finish(tx, "ROLLBACK")
        self._reaper.join(timeout=5)

    def _get(self, tx_id: str) -> _Transaction:
        with self._lock:
            tx = self._open.get(tx_id)
        if tx is None:
            raise _not_found(tx_id)
        return tx

    @staticmethod
    def _finish(tx: _Transaction, command: str) -> str:
        try:
            status = tx.conn.execute(command).statusmessage or ""
        except psycopg.Error as exc:
            tx.conn.close()
            raise database_error(exc) from exc
        finally:
            tx.pool.putconn(tx.conn)
        return status

    def _reap(self) -> None:
        interval = min(1.0, self._idle_timeout / 4, self._max_age / 4)
        while not self._closed.wait(interval):
            now = time.monotonic()
            expired: list[_Transaction] = []
            with self._lock:
                for tx_id, tx in list(self._open.items()):
                    idle = now - tx.last_used > self._idle_timeout
                    too_old = now - tx.started > self._max_age
                    # A transaction busy with a statement (locked) waits for the next round.
                    if (idle or too_old) and tx.lock.acquire(blocking=False):
                        del self._open[tx_id]
                        expired.append(tx)
            for tx in expired:
                log.info("rolling back a transaction idle or open for too long")
                tx.lock.release()
                try:
                    self._finish(tx, "ROLLBACK")
                except DataApiError:
                    log.warning("rolling back an expired transaction failed", exc_info=True)
