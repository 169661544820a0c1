"""Round trips side by side: ours against the seed's access pattern and against the floor.

One local Data API (a child process, as in bench_events) answers every call LATENCY_MS late,
as the network to Aurora does, so call counts cost wall time here as they do there. Against
the same data and the same endpoint, in one run:

- **seed**: the seed's data layer (xecure-ai/alex `backend/database/src`), its access pattern
  reproduced: the portfolio as its agents read it (the user, the accounts, each account's
  positions, each position's instrument: `find_by_clerk_id`, `find_by_user`,
  `find_by_account`, `find_by_symbol`), the planner's price refresh (per symbol a lookup and an
  update) and the tagger's (per instrument a lookup, then an update or a create); every call
  `ExecuteStatement` with `includeResultMetadata`, rows turned into dicts by column name and
  JSON-looking strings parsed, as its client did. Against ours: `GetPortfolio`,
  `UpdatePrices`, `UpsertInstruments` through the real handler (`lambda_handler` behind the
  in-process transport: the JSON an invoke carries, the envelope, the typed result).
- **floor**: the same requests our gateway sent for the event (recorded, then replayed with a
  plain boto3 client), decoded with `json.loads` and nothing else, against the full handler
  path: at 0 ms added (what the function itself costs) and at LATENCY_MS.
- SQS batches of 10 records through the handler; peak memory (tracemalloc) of the handler per
  portfolio size; bytes on the wire per event (the example story) and per portfolio size
  (`bench_sizes.measure_portfolio`), against the Data API's 1 MiB.

Writes bench/roundtrips.png (calls and wall time against portfolio size, log scales) and
records every figure and ratio in `bench.results.RESULTS`.
"""

from __future__ import annotations

import io
import json
import statistics
import time
import tracemalloc
import uuid
from collections.abc import Callable, Mapping
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar, cast

import boto3
import psycopg
from alex_data.gateway import Gateway
from alex_data.rds_data import DataApiClient
from alex_data_dev.client_tap import ClientTap
from alex_data_dev.environment import activate_endpoint
from alex_data_dev.local_data_api import post_latency
from alex_data_dev.testing import InProcessTransport, LocalLambdaContext, sqs_record
from alex_schemas.client import DataClient
from alex_schemas.events import (
    Event,
    GetPortfolio,
    InstrumentIn,
    PriceIn,
    UpdatePrices,
    UpsertInstruments,
    UpsertPosition,
)
from alex_schemas.limits import DATA_API_RESPONSE_BYTES
from botocore.config import Config

from bench.bench_events import _QUIET, _local_data_api
from bench.bench_sizes import INSTRUMENTS, measure_portfolio, seed_instruments, seed_portfolio
from bench.results import RESULTS

T = TypeVar("T")


LATENCY_MS = 20.0
# positions -> accounts of at most 100 positions (bench_sizes' shape). The schemas bound no
# count of positions per user; 2,000 is the largest case the size tier (issue 9) holds.
PORTFOLIOS = {1: 1, 10: 1, 100: 1, 1000: 10, 2000: 20}
# UpdatePrices / UpsertInstruments rows; the seed's side of 500 rows would add a minute each
BATCH_SIZES = (1, 10, 100)
SQS_BATCHES = 8
PNG = Path(__file__).resolve().parent / "roundtrips.png"


def _runs(calls: int) -> int:
    """Repetitions for a measurement of about `calls` round trips: a few, not minutes."""
    return 5 if calls <= 20 else 3 if calls <= 200 else 1


# --- the seed's data layer, its access pattern --------------------------------------------


class SeedPattern:
    """The seed's `DataAPIClient` + model classes, as far as these three paths use them."""

    def __init__(self, client: Any, arns: Mapping[str, str]) -> None:
        self._client = client
        self._arns = dict(arns)
        self.calls = 0

    def _execute(self, sql: str, **params: object) -> dict[str, Any]:
        self.calls += 1
        answer: dict[str, Any] = self._client.execute_statement(
            **self._arns,
            sql=sql,
            includeResultMetadata=True,
            parameters=[{"name": k, "value": _seed_value(v)} for k, v in params.items()],
        )
        return answer

    def _query(self, sql: str, **params: object) -> list[dict[str, Any]]:
        answer = self._execute(sql, **params)
        names = [column["name"] for column in answer.get("columnMetadata", [])]
        return [
            {name: _seed_field(value) for name, value in zip(names, record, strict=True)}
            for record in answer.get("records", [])
        ]

    def _query_one(self, sql: str, **params: object) -> dict[str, Any] | None:
        rows = self._query(sql, **params)
        return rows[0] if rows else None

    def portfolio(self, clerk_user_id: str) -> dict[str, Any]:
        user = self._query_one(
            "SELECT * FROM users WHERE clerk_user_id = :clerk_id", clerk_id=clerk_user_id
        )
        accounts = self._query(
            "SELECT * FROM accounts WHERE clerk_user_id = :user_id ORDER BY created_at DESC",
            user_id=clerk_user_id,
        )
        loaded = []
        for account in accounts:
            positions = self._query(
                "SELECT p.*, i.name as instrument_name, i.instrument_type, i.current_price "
                "FROM positions p JOIN instruments i ON p.symbol = i.symbol "
                "WHERE p.account_id = CAST(:account_id AS uuid) ORDER BY p.symbol",
                account_id=account["id"],
            )
            held = []
            for position in positions:
                instrument = self._query_one(
                    "SELECT * FROM instruments WHERE symbol = :symbol", symbol=position["symbol"]
                )
                held.append({**position, "instrument": instrument})
            loaded.append({**account, "positions": held})
        return {"user": user, "accounts": loaded}

    def refresh_prices(self, prices: Mapping[str, float]) -> None:
        for symbol, price in prices.items():
            if self._query_one("SELECT * FROM instruments WHERE symbol = :symbol", symbol=symbol):
                self._execute(
                    "UPDATE instruments SET current_price = :current_price WHERE symbol = :symbol",
                    current_price=price,
                    symbol=symbol,
                )

    def tag(self, instruments: list[dict[str, Any]]) -> None:
        for instrument in instruments:
            values = {k: v for k, v in instrument.items() if k != "symbol"}
            if self._query_one(
                "SELECT * FROM instruments WHERE symbol = :symbol", symbol=instrument["symbol"]
            ):
                self._execute(
                    "UPDATE instruments SET name = :name, instrument_type = :instrument_type, "
                    "allocation_regions = CAST(:allocation_regions AS jsonb), "
                    "allocation_sectors = CAST(:allocation_sectors AS jsonb), "
                    "allocation_asset_class = CAST(:allocation_asset_class AS jsonb) "
                    "WHERE symbol = :symbol",
                    symbol=instrument["symbol"],
                    **values,
                )
            else:
                self._execute(
                    "INSERT INTO instruments (symbol, name, instrument_type, allocation_regions,"
                    " allocation_sectors, allocation_asset_class) VALUES (:symbol, :name,"
                    " :instrument_type, CAST(:allocation_regions AS jsonb),"
                    " CAST(:allocation_sectors AS jsonb), CAST(:allocation_asset_class AS jsonb))"
                    " RETURNING symbol",
                    symbol=instrument["symbol"],
                    **values,
                )


def _seed_value(value: object) -> dict[str, Any]:
    if value is None:
        return {"isNull": True}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, dict | list):
        return {"stringValue": json.dumps(value)}
    return {"stringValue": str(value)}


def _seed_field(value: Mapping[str, Any]) -> Any:
    if value.get("isNull"):
        return None
    for kind in ("booleanValue", "longValue", "doubleValue", "blobValue"):
        if kind in value:
            return value[kind]
    text = value.get("stringValue")
    if text and text[0] in "{[":
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


# --- the floor: the same requests, plain boto3, json.loads ---------------------------------


class _Recorder(ClientTap):
    """The gateway's client, keeping each ExecuteStatement request it passes on."""

    def __init__(self, inner: DataApiClient) -> None:
        super().__init__(inner)
        self.requests: list[dict[str, Any]] | None = None

    def around(self, operation: str, request: Mapping[str, object], send: Callable[[], T]) -> T:
        if operation == "execute_statement" and self.requests is not None:
            self.requests.append(dict(request))
        return send()


def _floor(client: Any, requests: list[dict[str, Any]]) -> Any:
    """The recorded requests again through plain boto3; a chunked document's chunks (its second
    column, bytes) joined and `json.loads`-ed, any other answer left as boto3 parsed it."""
    answers = [client.execute_statement(**request) for request in requests]
    if "alex_chunks(" in requests[0]["sql"]:  # (digest, bytes) rows of one document
        chunks = [r[1]["blobValue"] for a in answers for r in a.get("records", [])]
        return json.loads(b"".join(chunks))
    return answers


# --- the bench ------------------------------------------------------------------------------


@dataclass
class Side:
    calls: int
    ms: float


@dataclass
class Curve:
    """One side's calls and wall time per portfolio size, for the plot."""

    label: str
    sizes: list[int] = field(default_factory=list)
    calls: list[int] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)

    def add(self, size: int, side: Side) -> None:
        self.sizes.append(size)
        self.calls.append(side.calls)
        self.ms.append(side.ms)


class Bench:
    def __init__(self, env: Mapping[str, str], dsn: str, gateway: Gateway) -> None:
        from alex_data.handler import lambda_handler

        self.endpoint = env["AWS_ENDPOINT_URL_RDS_DATA"]
        self.plain = boto3.client(
            "rds-data",
            config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
        )
        self.arns = {
            "resourceArn": env["AURORA_CLUSTER_ARN"],
            "secretArn": env["AURORA_SECRET_ARN"],
            "database": env["AURORA_DATABASE"],
        }
        self.seed = SeedPattern(self.plain, self.arns)
        self.gateway = gateway
        self.recorder = _Recorder(gateway.client)
        gateway.client = self.recorder
        self.handler = lambda_handler
        self.client = DataClient(transport=InProcessTransport(self.handle))
        self.conn = psycopg.connect(dsn, autocommit=True)
        seed_instruments(self.conn)
        self.tag = uuid.uuid4().hex[:8]

    def handle(self, event: dict[str, Any], context: Any) -> Any:
        with redirect_stdout(io.StringIO()):  # Powertools' EMF metrics
            return self.handler(event, context)

    def latency(self, ms: float) -> None:
        post_latency(self.endpoint, ms)

    def ours(self, make: Callable[[int], Event[Any]], runs: int) -> Side:
        calls, seconds = 0, []
        for i in range(runs):
            event = make(i)
            before = self.gateway.calls
            started = time.perf_counter()
            self.client.call(event)
            seconds.append(time.perf_counter() - started)
            calls = self.gateway.calls - before
        return Side(calls, statistics.median(seconds) * 1000)

    def theirs(self, run: Callable[[int], object], runs: int) -> Side:
        calls, seconds = 0, []
        for i in range(runs):
            before = self.seed.calls
            started = time.perf_counter()
            run(i)
            seconds.append(time.perf_counter() - started)
            calls = self.seed.calls - before
        return Side(calls, statistics.median(seconds) * 1000)

    def recorded(self, event: Event[Any]) -> list[dict[str, Any]]:
        """The requests the gateway sends for `event`."""
        self.recorder.requests = []
        try:
            self.client.call(event)
            return self.recorder.requests
        finally:
            self.recorder.requests = None

    def user(self, positions: int) -> str:
        user = f"bench_rt_{self.tag}_{positions}"
        seed_portfolio(self.conn, user, positions, PORTFOLIOS[positions])
        return user

    def close(self) -> None:
        self.conn.execute(
            "DELETE FROM users WHERE clerk_user_id LIKE %s", [f"bench_rt_{self.tag}_%"]
        )
        self.conn.execute("DELETE FROM instruments WHERE symbol LIKE %s", [f"T{self.tag[:4]}%"])
        self.conn.close()


def _ratio(name: str, ours: Side, theirs: Side, **context: Any) -> None:
    RESULTS.ratio(f"{name} wall", ours.ms, theirs.ms, "ms", **context)
    RESULTS.ratio(f"{name} calls", ours.calls, theirs.calls, "calls", **context)


def _seed_table(bench: Bench, users: dict[int, str], curves: dict[str, Curve]) -> None:
    print(
        f"\nseed's access pattern vs ours, {LATENCY_MS:g} ms a call: calls, median ms"
        f"\n  {'what':<34} {'seed calls':>10} {'ours':>5} {'seed ms':>9} {'ours ms':>8}"
        f" {'ours/seed':>9}"
    )

    def row(what: str, seed: Side, ours: Side) -> None:
        print(
            f"  {what:<34} {seed.calls:>10,} {ours.calls:>5} {seed.ms:>9,.0f} {ours.ms:>8,.1f}"
            f" {ours.ms / seed.ms:>9.3f}",
            flush=True,
        )

    for positions, user in users.items():
        event = GetPortfolio(clerk_user_id=user)

        def read(i: int, user: str = user) -> object:
            return bench.seed.portfolio(user)

        def same(i: int, event: GetPortfolio = event) -> GetPortfolio:
            return event

        seed = bench.theirs(read, _runs(positions))
        ours = bench.ours(same, _runs(positions))
        row(f"GetPortfolio, {positions:,} positions", seed, ours)
        curves["seed"].add(positions, seed)
        curves["ours"].add(positions, ours)
        _ratio(f"vs seed: GetPortfolio {positions} positions", ours, seed, positions=positions)
    symbols = [f"SYM{n}" for n in range(1, INSTRUMENTS + 1)]
    for rows in BATCH_SIZES:
        chosen = symbols[:rows]

        def refresh(i: int, chosen: list[str] = chosen) -> None:
            bench.seed.refresh_prices({x: 100.0 + i % 2 for x in chosen})

        def prices(i: int, chosen: list[str] = chosen) -> UpdatePrices:
            price = Decimal(101 + i % 2)
            return UpdatePrices(prices=[PriceIn(symbol=x, current_price=price) for x in chosen])

        seed = bench.theirs(refresh, _runs(2 * rows))
        ours = bench.ours(prices, _runs(2 * rows))
        row(f"price refresh, {rows} symbols", seed, ours)
        _ratio(f"vs seed: price refresh {rows} symbols", ours, seed, rows=rows)
    for rows in BATCH_SIZES:

        def tag(i: int, rows: int = rows) -> None:
            bench.seed.tag(_tagged(bench.tag, rows, i, "s"))

        def upsert(i: int, rows: int = rows) -> UpsertInstruments:
            tagged = _tagged(bench.tag, rows, i, "u")
            return UpsertInstruments(instruments=[InstrumentIn.model_validate(d) for d in tagged])

        seed = bench.theirs(tag, _runs(2 * rows))
        ours = bench.ours(upsert, _runs(2 * rows))
        row(f"instrument tagging, {rows} instruments", seed, ours)
        _ratio(f"vs seed: tagging {rows} instruments", ours, seed, rows=rows)


def _tagged(tag: str, rows: int, i: int, side: str) -> list[dict[str, Any]]:
    """`rows` classified instruments: half of them already known (an update), half new on the
    first run (a create), as the planner sends the tagger what lacks allocations."""
    prefix = f"T{tag[:4]}{side}{rows}"
    return [
        {
            "symbol": prefix + (str(n) if n < rows // 2 else f"N{i}x{n}"),
            "name": f"Tagged fund {n}",
            "instrument_type": "etf",
            "allocation_regions": {"north_america": 60, "europe": 40},
            "allocation_sectors": {"technology": 50 + i % 2, "financials": 50 - i % 2},
            "allocation_asset_class": {"equity": 100},
        }
        for n in range(rows)
    ]


def _floor_table(bench: Bench, users: dict[int, str], curves: dict[str, Curve]) -> None:
    print(
        "\nfloor: the same requests through plain boto3 + json.loads vs the full handler path,"
        " median ms"
        f"\n  {'what':<34} {'calls':>5} {'floor 0':>8} {'ours 0':>8} {'x':>6}"
        f" {'floor 20':>9} {'ours 20':>8} {'x':>6}"
    )
    account = _account_of(bench, users[10])
    writes = [
        UpsertPosition(
            clerk_user_id=users[10], account_id=account, symbol="SYM7", quantity=Decimal(q)
        )
        for q in ("10.5", "11.5")
    ]
    cases: list[tuple[str, int, list[Event[Any]]]] = [
        (f"GetPortfolio, {p:,} positions", p, [GetPortfolio(clerk_user_id=u)])
        for p, u in users.items()
    ]
    cases.append(("UpsertPosition (a small write)", 0, cast(list[Event[Any]], writes)))
    for what, positions, events in cases:
        requests = [bench.recorded(e) for e in events]
        runs = 4 * _runs(positions) + 1
        figures: list[float] = []
        for latency in (0.0, LATENCY_MS):
            bench.latency(latency)

            def plain(i: int, requests: list[list[dict[str, Any]]] = requests) -> object:
                return _floor(bench.plain, requests[i % len(requests)])

            def handled(i: int, events: list[Event[Any]] = events) -> object:
                return bench.client.call(events[i % len(events)])

            floor, ours = _side_by_side(plain, handled, runs)
            figures += [floor, ours]
            RESULTS.ratio(
                f"vs floor: {what}, {latency:g} ms latency",
                ours,
                floor,
                "ms",
                calls=len(requests[0]),
                latency_ms=latency,
            )
            if latency and positions:
                curves["floor"].add(positions, Side(len(requests[0]), floor))
        f0, o0, f20, o20 = figures
        print(
            f"  {what:<34} {len(requests[0]):>5} {f0:>8.2f} {o0:>8.2f} {o0 / f0:>6.2f}"
            f" {f20:>9.2f} {o20:>8.2f} {o20 / f20:>6.2f}",
            flush=True,
        )


def _side_by_side(
    first: Callable[[int], object], second: Callable[[int], object], runs: int
) -> tuple[float, float]:
    """Median ms of each, run by run in turn, so a burst of load on this shared machine hits
    both alike."""
    first(0), second(0)  # warm: the first run of a statement plans it
    seconds: tuple[list[float], list[float]] = ([], [])
    for i in range(runs):
        for run, spent in zip((first, second), seconds, strict=True):
            started = time.perf_counter()
            run(i)
            spent.append(time.perf_counter() - started)
    return statistics.median(seconds[0]) * 1000, statistics.median(seconds[1]) * 1000


def _account_of(bench: Bench, user: str) -> uuid.UUID:
    row = bench.conn.execute(
        "SELECT id FROM accounts WHERE clerk_user_id = %s ORDER BY created_at LIMIT 1", [user]
    ).fetchone()
    assert row is not None
    return uuid.UUID(str(row[0]))


def _sqs_throughput(bench: Bench, user: str) -> None:
    """Batches of 10 UpsertPosition records through the handler at LATENCY_MS."""
    account = _account_of(bench, user)
    seconds = []
    for b in range(SQS_BATCHES):
        bodies = [
            UpsertPosition(
                clerk_user_id=user,
                account_id=account,
                symbol=f"SYM{1 + n}",
                quantity=Decimal(f"{5 + b % 2}.25"),
            ).model_dump_json()
            for n in range(10)
        ]
        event = {"Records": [sqs_record(body) for body in bodies]}
        started = time.perf_counter()
        answer = bench.handle(event, LocalLambdaContext())
        seconds.append(time.perf_counter() - started)
        if answer["batchItemFailures"]:
            raise RuntimeError(f"an SQS batch failed: {answer}")
    batch_ms = statistics.median(seconds) * 1000
    floor_ms = 10 * LATENCY_MS
    print(
        f"\nSQS batches of 10 UpsertPosition at {LATENCY_MS:g} ms a call: median {batch_ms:.0f} ms"
        f" a batch, {10_000 / batch_ms:.0f} records/s ({SQS_BATCHES} batches; the records of a"
        f" batch run one after another: at least {floor_ms:.0f} ms of latency)"
    )
    RESULTS.figure("SQS batch of 10, wall", batch_ms, "ms", latency_ms=LATENCY_MS)
    RESULTS.figure("SQS throughput", 10_000 / batch_ms, "records/s", latency_ms=LATENCY_MS)
    RESULTS.ratio("SQS batch of 10 vs 10 round trips of latency", batch_ms, floor_ms, "ms")


def _memory(bench: Bench, users: dict[int, str]) -> None:
    print("\npeak memory of the handler (tracemalloc, max of 2 runs) per portfolio size")
    for positions, user in users.items():
        event = GetPortfolio(clerk_user_id=user).model_dump(mode="json")
        peaks = []
        tracemalloc.start()
        try:
            for _ in range(2):
                tracemalloc.reset_peak()
                base = tracemalloc.get_traced_memory()[0]
                bench.handle(event, LocalLambdaContext())
                peaks.append(tracemalloc.get_traced_memory()[1] - base)
        finally:
            tracemalloc.stop()
        peak = max(peaks) / 2**20
        print(f"  GetPortfolio, {positions:>5,} positions: {peak:7.2f} MiB")
        RESULTS.figure(f"peak memory: GetPortfolio {positions} positions", peak, "MiB")


class _Meter:
    """Bytes of every request and response body through one boto3 client."""

    def __init__(self, client: Any) -> None:
        self.sent = self.received = 0
        client.meta.events.register("before-send.rds-data", self._before)
        client.meta.events.register("after-call.rds-data", self._after)

    def _before(self, request: Any, **_: Any) -> None:
        self.sent += len(request.body or b"")

    def _after(self, http_response: Any, **_: Any) -> None:
        self.received += len(http_response.content)


def _bytes_per_event(bench: Bench) -> None:
    """The example story (events/*.json on a fresh user) through the handler, metered."""
    from tests.examples import Story

    meter = _Meter(cast(Any, bench.recorder.inner))
    story = Story()
    print(
        "\nbytes on the wire per event (the example story): Data API request and response,"
        " the answer; share of the 1 MiB response limit"
        f"\n  {'event':<22} {'calls':>5} {'request B':>10} {'response B':>11} {'answer B':>9}"
        f" {'of 1 MiB':>9}"
    )
    try:
        for name, event in story.events():
            calls, sent, received = bench.gateway.calls, meter.sent, meter.received
            raw = bench.handle(event.model_dump(mode="json"), LocalLambdaContext())
            # A direct invoke's answer is JSON bytes already; an SQS answer a dict.
            text = raw if isinstance(raw, bytes) else json.dumps(raw).encode()
            if not json.loads(text).get("ok"):
                raise RuntimeError(f"{name} failed: {text[:300]!r}")
            response = meter.received - received
            answered = len(text)
            share = response / DATA_API_RESPONSE_BYTES
            print(
                f"  {name:<22} {bench.gateway.calls - calls:>5} {meter.sent - sent:>10,}"
                f" {response:>11,} {answered:>9,} {share:>9.2%}"
            )
            RESULTS.figure(f"bytes: {name} response", response, "bytes", share_of_1mib=share)
    finally:
        bench.conn.execute("DELETE FROM users WHERE clerk_user_id = %s", [story.user])
        bench.conn.execute(
            "DELETE FROM instruments WHERE symbol = ANY(%s)", [list(story.symbols.values())]
        )


def _bytes_per_size() -> None:
    sizes = [(accounts, -(-p // accounts)) for p, accounts in PORTFOLIOS.items()]
    print(
        "\nbytes per portfolio size (bench_sizes.measure_portfolio, its own endpoint, no"
        " latency)\n  positions  calls  rows  data api B  of 1 MiB  result B"
    )
    for size in measure_portfolio(sizes):
        share = size.response_bytes / size.calls / DATA_API_RESPONSE_BYTES
        print(
            f"  {size.positions:>9,} {size.calls:>6} {size.rows:>5} {size.response_bytes:>11,}"
            f" {share:>9.2%} {size.result_bytes:>9,}"
        )
        RESULTS.figure(
            f"bytes: GetPortfolio {size.positions} positions, Data API",
            size.response_bytes,
            "bytes",
            calls=size.calls,
            rows=size.rows,
            per_call_share_of_1mib=share,
            result_bytes=size.result_bytes,
        )


def plot(curves: dict[str, Curve], path: Path = PNG) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (calls, wall) = plt.subplots(1, 2, figsize=(11, 4.2))
    styles = {"seed": ("o-", "tab:red"), "ours": ("s-", "tab:blue"), "floor": ("^--", "tab:gray")}
    names = {
        "seed": "seed's access pattern",
        "ours": "ours (full handler)",
        "floor": "floor (boto3 + json.loads)",
    }
    for key, curve in curves.items():
        marker, color = styles[key]
        calls.plot(curve.sizes, curve.calls, marker, color=color, label=names[key])
        wall.plot(curve.sizes, curve.ms, marker, color=color, label=names[key])
    for axis, title, unit in ((calls, "Data API calls", "calls"), (wall, "wall time", "ms")):
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("positions in the portfolio")
        axis.set_ylabel(unit)
        axis.set_title(f"GetPortfolio: {title}, {LATENCY_MS:g} ms a call")
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def main() -> None:
    started = time.perf_counter()
    curves = {key: Curve(key) for key in ("seed", "ours", "floor")}
    with (
        _local_data_api() as (env, dsn),
        activate_endpoint(env | _QUIET) as gateway,
    ):
        from alex_data.migrate import apply_migrations

        apply_migrations(gateway.session())
        bench = Bench(env, dsn, gateway)
        try:
            users = {positions: bench.user(positions) for positions in PORTFOLIOS}
            bench.latency(LATENCY_MS)
            _seed_table(bench, users, curves)
            _floor_table(bench, users, curves)
            bench.latency(LATENCY_MS)
            _sqs_throughput(bench, users[10])
            bench.latency(0)
            _memory(bench, users)
            _bytes_per_event(bench)
        finally:
            bench.close()
    _bytes_per_size()
    took = time.perf_counter() - started
    print(f"\nwrote {plot(curves).name}; bench_roundtrips took {took:.0f} s")


if __name__ == "__main__":
    main()
