"""GetPortfolio by size: what one read costs in bytes, rows and Data API calls.

What it does: starts the embedded default (`LocalDataApi`, every limit on: 64 KB rows, 1 MiB
responses, 4 MiB requests), applies the migrations over the Data API, seeds each portfolio
straight into PostgreSQL (500 instruments with allocation maps; up to 100 positions per
account, one per symbol), then reads it with `GetPortfolio` through the operation, the
repository and the gateway (a real boto3 client) and prints per size:

  positions  accounts x positions per account, and their product
  result     bytes of the `Portfolio` as the function answers it (JSON of the result model)
  data api   bytes of the Data API's response bodies, all calls together
  rows       result rows received; largest row, bytes (its values: UTF-8 text, base64 blobs)
  calls      Data API requests (the gateway's `calls` counter)
  ms         wall time of the read, median of a few runs

then the largest portfolio answered in one call (accounts of 100 positions and a last,
partial one), found by bisection.

`measure_portfolio(sizes)` does the measuring and returns one `PortfolioSize` per size, for
other tools (it starts and stops its own endpoint).
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3
import psycopg
from alex_data.dispatch import dispatch
from alex_data.gateway import Gateway
from alex_data.migrate import apply_migrations
from alex_data.settings import Settings
from alex_data_dev.local_data_api import LocalDataApi
from alex_schemas.events import GetPortfolio
from alex_schemas.results import Portfolio

__all__ = ["PortfolioSize", "largest_in_one_call", "main", "measure_portfolio"]

SIZES: tuple[tuple[int, int], ...] = ((1, 5), (10, 50), (50, 100), (20, 100))
INSTRUMENTS = 500
PER_ACCOUNT = 100  # one position per symbol per account, 100 symbols per account at most
RUNS = 3

_INSTRUMENTS = """
INSERT INTO instruments (symbol, name, instrument_type, current_price, allocation_regions,
                         allocation_sectors, allocation_asset_class)
SELECT 'SYM' || n, 'Benchmark Total Market Index Fund ' || n, 'etf', 100 + n / 7.0,
       '{"north_america": 60, "europe": 25, "asia": 15}',
       '{"technology": 30, "healthcare": 20, "financials": 20, "industrials": 30}',
       '{"equity": 90, "fixed_income": 10}'
FROM generate_series(1, %(count)s) AS n
ON CONFLICT (symbol) DO NOTHING
"""
_USER = """
INSERT INTO users (clerk_user_id, display_name, years_until_retirement, target_retirement_income)
VALUES (%(user)s, 'Benchmark User', 25, 85000)
"""
_ACCOUNTS = """
INSERT INTO accounts (id, clerk_user_id, account_name, account_type, account_purpose,
                      cash_balance, cash_interest, created_at)
SELECT gen_random_uuid(), %(user)s, 'Account ' || a, 'taxable', 'Long-term growth', 1000.50,
       0.0425, now() + a * interval '1 ms'
FROM generate_series(1, %(accounts)s) AS a
"""
# Account k (in creation order) holds `positions` symbols, starting at a different offset each.
_POSITIONS = """
INSERT INTO positions (account_id, symbol, quantity, as_of_date)
SELECT a.id, 'SYM' || (1 + (a.k * 37 + p) %% %(instruments)s), 12.34567891, DATE '2026-11-30'
FROM (SELECT id, row_number() OVER (ORDER BY created_at, id) - 1 AS k
      FROM accounts WHERE clerk_user_id = %(user)s) AS a,
     generate_series(0, %(per_account)s - 1) AS p
WHERE a.k * %(per_account)s + p < %(positions)s
"""


def seed_instruments(conn: psycopg.Connection[Any]) -> None:
    """The INSTRUMENTS every seeded portfolio holds (SYM1..SYM500)."""
    conn.execute(_INSTRUMENTS, {"count": INSTRUMENTS})


def seed_portfolio(conn: psycopg.Connection[Any], user: str, positions: int, accounts: int) -> None:
    """`user` with `accounts` accounts holding `positions` positions in all, spread evenly over
    the INSTRUMENTS seeded by `_INSTRUMENTS`, written straight into PostgreSQL."""
    per_account = -(-positions // accounts) if accounts else 0
    conn.execute(_USER, {"user": user})
    conn.execute(_ACCOUNTS, {"user": user, "accounts": accounts})
    conn.execute(
        _POSITIONS,
        {
            "user": user,
            "positions": positions,
            "per_account": per_account,
            "instruments": INSTRUMENTS,
        },
    )


@dataclass(frozen=True)
class PortfolioSize:
    """One GetPortfolio measured."""

    accounts: int
    positions: int
    result_bytes: int
    response_bytes: int
    rows: int
    largest_row_bytes: int
    calls: int
    milliseconds: float

    @property
    def label(self) -> str:
        per = -(-self.positions // self.accounts) if self.accounts else 0
        return f"{self.accounts}x{per}"


def _value_size(value: object) -> int:
    """As the local Data API's row limit counts: UTF-8 of text, base64 of a blob."""
    if isinstance(value, bytes):
        return 4 * ((len(value) + 2) // 3)
    return len(str(value).encode())


class _Meter:
    """Response bodies and rows of the Data API calls made through one boto3 client."""

    def __init__(self, client: Any) -> None:
        self.response_bytes = 0
        self.rows = 0
        self.largest_row = 0
        client.meta.events.register("after-call.rds-data.ExecuteStatement", self._after)

    def _after(self, http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
        self.response_bytes += len(http_response.content)
        for record in parsed.get("records", []):
            self.rows += 1
            size = sum(_value_size(next(iter(f.values()))) for f in record)
            self.largest_row = max(self.largest_row, size)

    def reset(self) -> None:
        self.response_bytes = self.rows = self.largest_row = 0


class _Bench:
    def __init__(self, api: LocalDataApi, conn: psycopg.Connection[Any]) -> None:
        env = api.env()
        client = boto3.client(
            "rds-data",
            endpoint_url=api.endpoint_url,
            region_name=api.region,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
        )
        self.meter = _Meter(client)
        settings = Settings.from_environment(api.env())
        self.gateway = Gateway.from_settings(client, settings)
        self.conn = conn
        apply_migrations(self.gateway.session())
        seed_instruments(conn)

    def seed(self, positions: int, accounts: int) -> str:
        user = f"bench_sizes_{uuid.uuid4().hex[:12]}"
        seed_portfolio(self.conn, user, positions, accounts)
        return user

    def drop(self, user: str) -> None:
        self.conn.execute("DELETE FROM users WHERE clerk_user_id = %(user)s", {"user": user})

    def measure(self, accounts: int, positions: int, runs: int = RUNS) -> PortfolioSize:
        user = self.seed(positions, accounts)
        try:
            event = GetPortfolio(clerk_user_id=user)
            seconds: list[float] = []
            for _ in range(runs):
                self.meter.reset()
                calls = self.gateway.calls
                started = time.perf_counter()
                portfolio = dispatch(event, self.gateway.session())
                seconds.append(time.perf_counter() - started)
                calls = self.gateway.calls - calls
            assert isinstance(portfolio, Portfolio)
            held = sum(len(a.positions) for a in portfolio.accounts)
            if held != positions or len(portfolio.accounts) != accounts:
                msg = f"read {len(portfolio.accounts)} accounts, {held} positions"
                raise AssertionError(msg)
            return PortfolioSize(
                accounts=accounts,
                positions=positions,
                result_bytes=len(json.dumps(portfolio.model_dump(mode="json")).encode()),
                response_bytes=self.meter.response_bytes,
                rows=self.meter.rows,
                largest_row_bytes=self.meter.largest_row,
                calls=calls,
                milliseconds=statistics.median(seconds) * 1000,
            )
        finally:
            self.drop(user)


@contextmanager
def _bench() -> Iterator[_Bench]:
    with LocalDataApi() as api, psycopg.connect(api.dsn, autocommit=True) as conn:
        yield _Bench(api, conn)


def _shape(accounts: int, per_account: int) -> tuple[int, int]:
    return accounts, accounts * per_account


def measure_portfolio(sizes: Sequence[tuple[int, int]] = SIZES) -> list[PortfolioSize]:
    """GetPortfolio measured at each (accounts, positions per account)."""
    with _bench() as bench:
        return [bench.measure(*_shape(a, p)) for a, p in sizes]


def largest_in_one_call(bench: _Bench, low: int = 100, high: int = 20_000) -> PortfolioSize:
    """The most positions (accounts of 100) whose GetPortfolio is still one Data API call."""

    def at(positions: int) -> PortfolioSize:
        return bench.measure(-(-positions // PER_ACCOUNT), positions, runs=1)

    best = at(low)
    if best.calls != 1:
        return best
    while high - low > 25:
        middle = (low + high) // 2
        found = at(middle)
        if found.calls == 1:
            low, best = middle, found
        else:
            high = middle
    return best


def _row(size: PortfolioSize) -> str:
    return (
        f"{size.label:>8} {size.positions:>9,} {size.result_bytes:>12,} "
        f"{size.response_bytes:>12,} {size.rows:>6} {size.largest_row_bytes:>9,} "
        f"{size.calls:>5} {size.milliseconds:>8.1f}"
    )


def main() -> None:
    header = (
        f"{'size':>8} {'positions':>9} {'result B':>12} {'data api B':>12} {'rows':>6} "
        f"{'max row B':>9} {'calls':>5} {'ms':>8}"
    )
    with _bench() as bench:
        print("GetPortfolio by size (every Data API limit on)")
        print(header)
        for accounts, per_account in SIZES:
            print(_row(bench.measure(*_shape(accounts, per_account))), flush=True)
        largest = largest_in_one_call(bench)
        print(
            f"largest portfolio answered in one call: {largest.positions:,} positions "
            f"({largest.label}), {largest.result_bytes:,} B of result, "
            f"{largest.response_bytes:,} B from the Data API (bisection to 25 positions)"
        )


if __name__ == "__main__":
    main()
