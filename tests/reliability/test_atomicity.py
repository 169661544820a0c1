"""Atomicity: a failure injected between the statements of a multi-statement path leaves
nothing partial.

Which paths have more than one statement is measured, not assumed: every event of the story
is counted (one call each: a single statement, atomic in PostgreSQL). The paths that take
several calls are the migrations (each file in one transaction) and a read over 1 MiB (pages);
each gets a failure at every call (`--long`) or at a spread of them, both as an error the
gateway sees (it rolls back) and as a crash (nothing more reaches the endpoint, which rolls the
abandoned transaction back after its idle timeout).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any, TypeVar, cast

import psycopg
import pytest
from alex_data.gateway import Gateway, RetryPolicy
from alex_data.migrate import apply_migrations, load_migrations
from alex_data.rds_data import DataApiClient
from alex_data_dev.client_tap import ClientTap
from alex_data_dev.local_data_api import LocalDataApi
from alex_schemas.errors import DataError
from alex_schemas.events import GetPortfolio
from botocore.exceptions import ClientError

from tests.examples import Story
from tests.reliability.conftest import Function, Scale, make_client

T = TypeVar("T")

# A catalog fingerprint of the public schema: tables, columns, constraints, indexes, functions.
_CATALOG = """
SELECT string_agg(item, E'\n' ORDER BY item) FROM (
    SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type AS item
    FROM information_schema.columns WHERE table_schema = 'public'
    UNION ALL SELECT 'constraint ' || conname FROM pg_constraint c
        JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = 'public'
    UNION ALL SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT 'function ' || proname FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'
    UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND NOT t.tgisinternal
) AS catalog
"""
_RECORDED = "SELECT coalesce(max(version), 0) FROM schema_migrations"


class Injected(Exception):
    """The function died here (a crash: nothing after it is sent)."""


class FailAt(ClientTap):
    """The Data API client, failing its `at`-th call (1-based): as an error the caller sees
    (`crash=False`, later calls go through) or as a crash (every later call fails too)."""

    def __init__(self, inner: DataApiClient, at: int, crash: bool) -> None:
        super().__init__(inner)
        self.at, self.crash = at, crash
        self.calls = 0

    def around(self, operation: str, request: Mapping[str, object], send: Callable[[], T]) -> T:
        self.calls += 1
        if self.calls == self.at or (self.crash and self.calls > self.at):
            if self.crash:
                raise Injected(operation)
            error = {"Error": {"Code": "BadRequestException", "Message": "injected failure"}}
            raise ClientError(cast(Any, error), operation)
        return send()


def _points(calls: int, scale: Scale) -> list[int]:
    """Where to fail: every call (--long) or about twelve spread over the path, ends included."""
    if scale.long or calls <= 12:
        return list(range(1, calls + 1))
    step = calls / 11
    return sorted({1, calls, *(round(1 + n * step) for n in range(12))})


def test_every_event_is_one_statement(
    function: Function, new_story: Callable[[], Story], proves: Callable[[str], None]
) -> None:
    story = new_story()
    counts = {}
    for name, event in story.events():
        calls = function.gateway.calls
        assert function.invoke(event)["ok"] is True, name
        counts[name] = function.gateway.calls - calls
    # Then no event of the story has statements to fail between
    assert set(counts.values()) == {1}, counts
    proves(f"{len(counts)} events of the story: each one Data API call, one statement")


@pytest.fixture
def scratch(local_data_api: LocalDataApi) -> Iterator[LocalDataApi]:
    """An endpoint on a database of its own (dropped afterwards) whose abandoned transactions
    end after 0.5 s idle, so a crash's leftovers are visible and then gone."""
    name = f"atomic_{uuid.uuid4().hex[:8]}"
    with LocalDataApi(dsn=local_data_api.dsn, database=name, transaction_timeout=0.5) as api:
        yield api


def _gateway(api: LocalDataApi, client: DataApiClient) -> Gateway:
    return Gateway(
        client,
        resource_arn=api.cluster_arn,
        secret_arn=api.secret_arn,
        database=api.database,
        retry=RetryPolicy(base_seconds=0.01, cap_seconds=0.05, budget_seconds=2.0),
    )


def _wait_for_no_transactions(api: LocalDataApi) -> None:
    deadline = time.monotonic() + 10
    while api.open_transactions() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert api.open_transactions() == 0


def test_a_failure_inside_a_migration_leaves_none_of_it(
    scratch: LocalDataApi, scale: Scale, proves: Callable[[str], None]
) -> None:
    client = make_client(scratch)
    with psycopg.connect(scratch.dsn, autocommit=True) as conn:

        def reset() -> None:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")

        def catalog() -> str:
            row = conn.execute(_CATALOG).fetchone()
            return str(row[0] if row else "")

        # The catalog after each whole prefix of the migrations, and the calls a run takes
        migrations = load_migrations()
        expected = {0: catalog()}
        for n in range(1, len(migrations) + 1):
            apply_migrations(_gateway(scratch, client).session(), migrations[:n])
            expected[n] = catalog()
        reset()
        counting = FailAt(client, at=0, crash=False)
        apply_migrations(_gateway(scratch, counting).session())
        calls = counting.calls
        checked = 0
        for crash in (False, True):
            for at in _points(calls, scale):
                reset()
                # When the run fails at call `at`
                failing = FailAt(client, at, crash)
                try:
                    apply_migrations(_gateway(scratch, failing).session())
                except (Injected, DataError):
                    checked += 1
                else:  # a retried call made this run shorter than the counted one
                    assert failing.calls < at
                _wait_for_no_transactions(scratch)
                # Then the database holds exactly the migrations recorded as applied
                recorded = conn.execute(_RECORDED).fetchone() if _has_table(conn) else (0,)
                assert recorded is not None
                assert catalog() == expected[int(recorded[0])], f"at call {at}, crash={crash}"
    proves(
        f"{len(migrations)} migrations, {calls} calls: failed at {checked} points (error and "
        "crash): each time the schema held exactly the migrations recorded, nothing of the rest"
    )


def _has_table(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT to_regclass('public.schema_migrations') IS NOT NULL").fetchone()
    return bool(row and row[0])


# A user whose portfolio is over 1 MiB: `accounts` accounts of 100 positions.
_LARGE = """
WITH u AS (INSERT INTO users (clerk_user_id, display_name) VALUES (%(user)s, 'Large')),
i AS (
    INSERT INTO instruments (symbol, name, instrument_type, current_price)
    SELECT %(prefix)s || n, 'Large portfolio fund number ' || n, 'etf', 10 + n
    FROM generate_series(1, 100) AS n
),
a AS (
    INSERT INTO accounts (id, clerk_user_id, account_name, account_type, created_at)
    SELECT gen_random_uuid(), %(user)s, 'Account ' || k, 'taxable', now() + k * interval '1 ms'
    FROM generate_series(1, %(accounts)s) AS k
    RETURNING id
)
INSERT INTO positions (account_id, symbol, quantity)
SELECT a.id, %(prefix)s || n, 1.5 FROM a, generate_series(1, 100) AS n
"""


def test_a_failure_between_the_pages_of_a_large_read_answers_no_partial_portfolio(
    function: Function,
    local_data_api: LocalDataApi,
    scale: Scale,
    proves: Callable[[str], None],
) -> None:
    user, prefix = f"user_large_{uuid.uuid4().hex[:8]}", f"LG{uuid.uuid4().hex[:4].upper()}."
    event = GetPortfolio(clerk_user_id=user)
    with psycopg.connect(local_data_api.dsn, autocommit=True) as conn:
        try:
            # Given a portfolio read in several pages (grown until it is: a position takes
            # about 70 bytes of the compact document)
            accounts = 160
            while True:
                conn.execute("DELETE FROM users WHERE clerk_user_id = %s", [user])
                conn.execute("DELETE FROM instruments WHERE symbol LIKE %s", [prefix + "%"])
                conn.execute(_LARGE, {"user": user, "prefix": prefix, "accounts": accounts})
                calls = function.gateway.calls
                whole = function.invoke(event)
                calls = function.gateway.calls - calls
                if calls > 1 or accounts >= 640:
                    break
                accounts *= 2
            assert whole["ok"] is True
            assert calls > 1, f"{accounts * 100} positions still came back in one call"
            inner = function.gateway.client
            failures = 0
            try:
                for at in _points(calls, scale):
                    # When a call of the read fails
                    function.gateway.client = FailAt(inner, at, crash=False)
                    answer = function.invoke(event, timeout_seconds=3.0)
                    # Then the answer is an error, never part of the portfolio
                    assert answer["ok"] is False, f"a partial answer at call {at}"
                    failures += 1
                # And when the data changes between two pages, the answer is one version
                function.gateway.client = _WriteBetweenPages(inner, conn, user)
                changed = function.invoke(event)
            finally:
                function.gateway.client = inner
            assert changed["ok"] is True
            after = function.invoke(event)
            assert changed == after
            quantities = {
                Decimal(p["quantity"])
                for a in changed["result"]["accounts"]
                for p in a["positions"]
            }
            assert quantities == {Decimal("2.5")}
        finally:
            conn.execute("DELETE FROM users WHERE clerk_user_id = %s", [user])
            conn.execute("DELETE FROM instruments WHERE symbol LIKE %s", [prefix + "%"])
    proves(
        f"GetPortfolio of {accounts * 100:,} positions in {calls} calls: a failure at "
        f"{failures} points answered an error each time, never a partial portfolio; a write "
        "between pages gave one consistent version"
    )


class _WriteBetweenPages(ClientTap):
    """After the first page, every position of the user changes quantity (another writer)."""

    def __init__(self, inner: DataApiClient, conn: psycopg.Connection[Any], user: str) -> None:
        super().__init__(inner)
        self.conn, self.user = conn, user
        self.calls = 0

    def around(self, operation: str, request: Mapping[str, object], send: Callable[[], T]) -> T:
        if operation != "execute_statement":
            return send()
        self.calls += 1
        if self.calls == 2:
            self.conn.execute(
                "UPDATE positions SET quantity = %s WHERE account_id IN "
                "(SELECT id FROM accounts WHERE clerk_user_id = %s)",
                [Decimal("2.5"), self.user],
            )
        return send()
