"""PostgreSQL connections for Data API calls: one psycopg pool per database reached.

Every connection runs in UTC (Aurora's Data API answers timestamptz in UTC), with the
statement timeout, autocommit (a call outside a transaction commits on its own, as on
Aurora) and the Data API's type adapters (`binding.build_adapters`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo
from psycopg_pool import ConnectionPool, PoolTimeout

from alex_data_dev.local_data_api import binding
from alex_data_dev.local_data_api.errors import DataApiError, format_pg_error

_ADAPTERS = binding.build_adapters()

Connection = psycopg.Connection[Any]


class Pools:
    def __init__(self, dsn: str, database: str, statement_timeout_ms: int, pool_max: int) -> None:
        self._dsn = dsn  # reaches `database`, the default one
        self.database = database
        self.statement_timeout_ms = statement_timeout_ms
        self._pool_max = pool_max  # transactions each hold one; Aurora has no small limit here
        self._pools: dict[str, ConnectionPool] = {}
        self._lock = threading.Lock()
        self.pool_for(database)

    def pool_for(self, database: str) -> ConnectionPool:
        with self._lock:
            pool = self._pools.get(database)
            if pool is None:
                pool = self._open(database)
                self._pools[database] = pool
            return pool

    def _open(self, database: str) -> ConnectionPool:
        conninfo = make_conninfo(
            self._dsn,
            dbname=database,
            options=f"-c TimeZone=UTC -c statement_timeout={self.statement_timeout_ms}",
            application_name="alex-local-data-api",
        )
        if database != self.database:
            # Fail fast on a database that does not exist: a pool would keep retrying in the
            # background while the caller waits out its timeout.
            try:
                psycopg.connect(conninfo, connect_timeout=5).close()
            except psycopg.OperationalError as exc:
                raise DataApiError("DatabaseErrorException", format_pg_error(exc)) from exc
        pool = ConnectionPool(
            conninfo,
            kwargs={"autocommit": True, "context": _ADAPTERS, "prepare_threshold": None},
            min_size=2 if database == self.database else 1,
            max_size=self._pool_max,
            timeout=30.0,
            name=f"data-api-{database}",
            open=True,
        )
        try:
            pool.wait(timeout=30.0)
        except PoolTimeout:
            pool.close()
            raise
        return pool

    @contextmanager
    def connection(self, database: str | None) -> Iterator[Connection]:
        """A pooled connection for one call outside a transaction."""
        try:
            with self.pool_for(database or self.database).connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise DataApiError("DatabaseUnavailableException", str(exc)) from exc
        except psycopg.OperationalError as exc:
            if exc.sqlstate is None:  # could not connect at all
                raise DataApiError("DatabaseErrorException", format_pg_error(exc)) from exc
            raise

    def take(self, database: str | None) -> tuple[ConnectionPool, Connection]:
        """A connection out of the pool, for a transaction to hold until `pool.putconn`."""
        try:
            pool = self.pool_for(database or self.database)
            return pool, pool.getconn()
        except PoolTimeout as exc:
            raise DataApiError("DatabaseUnavailableException", str(exc)) from exc

    def close(self) -> None:
        with self._lock:
            pools = list(self._pools.values())
            self._pools.clear()
        for pool in pools:
            pool.close()
