"""Every event of the union through the real handler, against the embedded local Data API.

What it does: starts the embedded default (`LocalDataApi`: a throwaway PostgreSQL behind the
local RDS Data API) in a child process, applies the migrations over the Data API, seeds data
with events only, then sends each event type N times through a `DataClient` over
`InProcessTransport(lambda_handler)` (the JSON a Lambda invoke carries, answered with the
envelope and parsed into the typed result) and prints per event type:

  calls     Data API requests per event (the gateway's `calls` counter)
  p50, p95  the whole in-process round trip, ms: event to JSON, handler, JSON answer, typed
            result; what an agent waits for, less Lambda's own invoke overhead
  handler   p50 inside `lambda_handler` (parse, dispatch, Data API, dump, Powertools)
  data api  p50 inside the boto3 `rds-data` calls (boto3 + HTTP + local endpoint + PostgreSQL);
            `handler - data api` is the function's own Python work

then scaling tables (latency, response bytes, calls, tracemalloc peak of the handler) for
GetPortfolio at 1x5, 10x50 and 50x100 accounts x positions, UpsertInstruments and
UpdatePrices at 1, 100 and 500 rows, and the handler's cold import time.

Why a child process: the local Data API is Python too. In this process its HTTP server
thread would share the GIL with the handler and its allocations would count in tracemalloc's
peak; in its own process it stands where Aurora stands, outside the function.

Read-only events (GetUser, GetInstruments, ListInstruments, GetPortfolio, GetJob, ListJobs)
are checked not to mutate: a digest of every table, taken before and after their runs, must
not change. Writes alternate between two values so that every repetition really writes.
Every user id carries this run's tag. Everything is removed on exit (the child stops the
throwaway PostgreSQL and deletes its files when its stdin closes, also if this process dies).
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

import psycopg
from alex_data.gateway import Gateway
from alex_data.rds_data import DataApiClient
from alex_data_dev.client_tap import ClientTap
from alex_data_dev.environment import activate_endpoint
from alex_data_dev.sample_data import fund, investor
from alex_data_dev.testing import InProcessTransport
from alex_schemas.client import DataClient
from alex_schemas.events import (
    EVENT_TYPES,
    CompleteJob,
    CreateAccount,
    CreateJob,
    DeleteAccount,
    DeletePosition,
    Event,
    FailJob,
    GetInstruments,
    GetJob,
    GetPortfolio,
    GetUser,
    InstrumentIn,
    ListInstruments,
    ListJobs,
    PriceIn,
    StartJob,
    UpdateAccount,
    UpdateCharts,
    UpdatePrices,
    UpdateReport,
    UpdateRetirement,
    UpdateSummary,
    UpsertInstruments,
    UpsertPosition,
    UpsertUser,
)
from alex_schemas.payloads import (
    ChartDataPoint,
    ChartSpec,
    ReportPayload,
    RetirementPayload,
    SummaryPayload,
)
from alex_schemas.results import Portfolio, Result
from alex_schemas.vocab import AccountType

# --- targets ------------------------------------------------------------------------------
# Chosen after measuring on the project's 2-core build machine (shared with other work while
# it ran; figures in docs/bench.md), with about 2x headroom over the p50s seen, so that
# a MISS means a regression and not a noisy run. They are this machine's figures, not Lambda's:
# there each Data API call is a network round trip to Aurora, which these local calls replace
# with a loopback HTTP call to the local endpoint.
TARGET_CALLS_PER_EVENT = 1  # every event type, and GetPortfolio up to 10x50
TARGET_EVENT_P50_MS = 20.0  # every event type but ListInstruments (seen: 3.7-10 ms)
TARGET_LIST_INSTRUMENTS_P50_MS = 70.0  # a page of 100 instruments (seen: 35-37 ms)
TARGET_PORTFOLIO_10X50_P50_MS = 400.0  # seen: 140-208 ms (a 388 KB answer)
TARGET_PORTFOLIO_10X50_PEAK_MIB = 8.0  # the handler's tracemalloc peak (seen: 3.7 MiB)
TARGET_PORTFOLIO_50X100_P50_MS = 6000.0  # over 1 MiB, read back in pages (seen: 2.9-3.1 s)
# seen: UpsertInstruments 128-245 ms, UpdatePrices 61-90 ms (the machine's load varies)
TARGET_BATCH_500_P50_MS = {"UpsertInstruments": 450.0, "UpdatePrices": 200.0}
TARGET_IMPORT_MS = 1800.0  # cold `import alex_data.handler`, median wall (seen: 857-1110 ms)

# Repetitions: bounded so the whole bench stays under two minutes on 2 cores (about 95 s) (seeding
# 5,500 positions one UpsertPosition at a time is most of it).
RUNS = 40
WARMUP = 3
# size: (runs, warm-up runs, tracemalloc runs); a 50x100 portfolio is the slowest read
SCALING_RUNS = {"1x5": (30, 3, 3), "10x50": (20, 3, 3), "50x100": (4, 1, 1)}
BATCH_RUNS = {1: 30, 100: 15, 500: 8}
MEMORY_RUNS = 3
IMPORT_RUNS = 5

PORTFOLIOS = {"1x5": (1, 5), "10x50": (10, 50), "50x100": (50, 100)}
BATCH_SIZES = (1, 100, 500)
INSTRUMENTS = 500  # a position per symbol per account: 100 per account at most


R = TypeVar("R", bound=Result)
T = TypeVar("T")

# The child: the embedded default, reporting how to reach it, until its stdin closes.
_SERVER = """
import json, sys
from alex_data_dev.local_data_api import LocalDataApi

with LocalDataApi() as api:
    print(json.dumps({"env": api.env(), "dsn": api.dsn}), flush=True)
    sys.stdin.read()
"""
# Powertools' INFO logs and X-Ray would add work the bench does not mean to measure.
_QUIET = {"POWERTOOLS_LOG_LEVEL": "WARNING", "POWERTOOLS_TRACE_DISABLED": "true"}

# A digest of every table the events touch: read-only events must leave it as it was.
_DIGEST = """
SELECT md5(concat_ws('|',
    (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM users AS t),
    (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM instruments AS t),
    (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM accounts AS t),
    (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM positions AS t),
    (SELECT string_agg(t::text, ',' ORDER BY t::text) FROM jobs AS t)))
"""


# --- measuring ----------------------------------------------------------------------------


class _Discard(io.TextIOBase):
    """Powertools prints EMF metrics on stdout, as Lambda expects; here they are dropped."""

    def write(self, text: str) -> int:
        return len(text)


class _TimedClient(ClientTap):
    """The gateway's boto3 client, timed: how much of an event is the Data API's."""

    def __init__(self, inner: DataApiClient) -> None:
        super().__init__(inner)
        self.seconds = 0.0

    def around(self, operation: str, request: Mapping[str, object], send: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return send()
        finally:
            self.seconds += time.perf_counter() - started


class _Probe:
    """Wraps `lambda_handler`: its time, its answer, optionally its tracemalloc peak."""

    def __init__(self, handler: Callable[[Any, Any], Any]) -> None:
        self._handler = handler
        self._sink = _Discard()
        self.seconds = 0.0
        self.answer: Any = None
        self.trace_memory = False
        self.peak_bytes = 0

    def __call__(self, event: dict[str, Any], context: Any) -> Any:
        if self.trace_memory:
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
        started = time.perf_counter()
        with redirect_stdout(self._sink):
            self.answer = self._handler(event, context)
        self.seconds = time.perf_counter() - started
        if self.trace_memory:
            self.peak_bytes = tracemalloc.get_traced_memory()[1] - base
        return self.answer


@dataclass
class Sample:
    calls: int
    total_ms: float
    handler_ms: float
    api_ms: float


@dataclass
class Figures:
    samples: list[Sample] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return max(s.calls for s in self.samples)

    def p(self, q: int, what: Callable[[Sample], float] = lambda s: s.total_ms) -> float:
        values = sorted(what(s) for s in self.samples)
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class Bench:
    """The agents' side: events through the real handler, each one measured."""

    def __init__(self, gateway: Gateway, timed: _TimedClient) -> None:
        from alex_data.handler import lambda_handler

        self.gateway = gateway
        self.timed = timed
        self.probe = _Probe(lambda_handler)
        self.client = DataClient(transport=InProcessTransport(self.probe))
        self.seeded = 0  # events sent to set things up (not measured)

    def send(self, event: Event[R]) -> tuple[R, Sample]:
        calls, api = self.gateway.calls, self.timed.seconds
        started = time.perf_counter()
        result = self.client.call(event)
        total = time.perf_counter() - started
        sample = Sample(
            calls=self.gateway.calls - calls,
            total_ms=total * 1000,
            handler_ms=self.probe.seconds * 1000,
            api_ms=(self.timed.seconds - api) * 1000,
        )
        return result, sample

    def seed(self, event: Event[R]) -> R:
        self.seeded += 1
        return self.send(event)[0]

    def repeat(self, make: Callable[[int], Event[Any]], runs: int, warmup: int = WARMUP) -> Figures:
        figures = Figures()
        for i in range(warmup + runs):
            _, sample = self.send(make(i))
            if i >= warmup:
                figures.samples.append(sample)
        return figures

    def answer_bytes(self) -> int:
        """The size of the last answer as Lambda would return it (JSON)."""
        answer = self.probe.answer
        return len(answer if isinstance(answer, bytes) else json.dumps(answer).encode())

    def peak_mib(self, event: Event[Any], runs: int = MEMORY_RUNS) -> float:
        """The handler's tracemalloc peak for `event`, MiB (max of a few runs)."""
        self.probe.trace_memory = True
        tracemalloc.start()
        try:
            peaks = []
            for _ in range(runs):
                self.client.call(event)
                peaks.append(self.probe.peak_bytes)
        finally:
            tracemalloc.stop()
            self.probe.trace_memory = False
        return max(peaks) / 2**20


# --- the data, seeded through events ------------------------------------------------------


def _alt(i: int, a: str, b: str) -> Decimal:
    """Alternating values: every repetition of a write changes what is stored."""
    return Decimal(a if i % 2 else b)


@dataclass
class World:
    """What the seeding created: ids the event cases work on."""

    tag: str
    symbols: list[str]
    reader: str = ""
    writer: str = ""
    account: uuid.UUID = field(default_factory=uuid.uuid4)
    doomed_accounts: list[uuid.UUID] = field(default_factory=list)
    doomed_positions_account: uuid.UUID = field(default_factory=uuid.uuid4)
    jobs_user: str = ""
    open_job: uuid.UUID = field(default_factory=uuid.uuid4)
    finished_job: uuid.UUID = field(default_factory=uuid.uuid4)
    pending_jobs: list[uuid.UUID] = field(default_factory=list)
    running_jobs: list[uuid.UUID] = field(default_factory=list)
    portfolio_users: dict[str, str] = field(default_factory=dict)

    def user(self, name: str) -> str:
        return f"bench-{self.tag}-{name}"


def _instrument(symbol: str, n: int, price: str | None = None) -> InstrumentIn:
    return fund(symbol, f"Bench Global Equity Fund {n}", Decimal(price or f"{50 + n % 400}.2500"))


def _user(clerk_user_id: str) -> UpsertUser:
    return investor(clerk_user_id, "Bench Investor")


def _portfolio_user(
    bench: Bench, user: str, accounts: int, positions: int, symbols: list[str]
) -> None:
    bench.seed(_user(user))
    for a in range(accounts):
        account = bench.seed(
            CreateAccount(
                clerk_user_id=user,
                account_name=f"Account {a}",
                account_type=AccountType.TAXABLE,
                cash_balance=Decimal("1250.00"),
            )
        )
        for p in range(positions):
            bench.seed(
                UpsertPosition(
                    clerk_user_id=user,
                    account_id=account.id,
                    symbol=symbols[(a * 7 + p) % len(symbols)],
                    quantity=Decimal(f"{10 + p}.125"),
                )
            )


def _job(user: str, job_id: uuid.UUID) -> CreateJob:
    return CreateJob(clerk_user_id=user, job_id=job_id, request_payload={"analysis": "bench"})


def seed(bench: Bench, tag: str) -> World:
    reps = WARMUP + RUNS
    symbols = [f"B{tag}{n:03d}" for n in range(INSTRUMENTS)]
    world = World(tag=tag, symbols=symbols)
    bench.seed(UpsertInstruments(instruments=[_instrument(s, n) for n, s in enumerate(symbols)]))

    world.reader = world.user("reader")
    _portfolio_user(bench, world.reader, 1, 5, symbols)
    for size, (accounts, positions) in PORTFOLIOS.items():
        world.portfolio_users[size] = world.user(f"portfolio-{size}")
        _portfolio_user(bench, world.portfolio_users[size], accounts, positions, symbols)

    world.writer = world.user("writer")
    bench.seed(_user(world.writer))
    bench.seed(
        CreateAccount(clerk_user_id=world.writer, account_id=world.account, account_name="Main")
    )
    for _ in range(reps):
        doomed = bench.seed(CreateAccount(clerk_user_id=world.writer, account_name="Doomed"))
        world.doomed_accounts.append(doomed.id)
    bench.seed(
        CreateAccount(
            clerk_user_id=world.writer,
            account_id=world.doomed_positions_account,
            account_name="Doomed positions",
        )
    )
    for s in symbols[:reps]:
        bench.seed(
            UpsertPosition(
                clerk_user_id=world.writer,
                account_id=world.doomed_positions_account,
                symbol=s,
                quantity=Decimal(1),
            )
        )

    world.jobs_user = user = world.user("jobs")
    bench.seed(_user(user))
    bench.seed(_job(user, world.open_job))
    bench.seed(StartJob(clerk_user_id=user, job_id=world.open_job))
    # a finished job with every payload, for GetJob
    job: dict[str, Any] = {"clerk_user_id": user, "job_id": world.finished_job}
    bench.seed(_job(user, world.finished_job))
    bench.seed(StartJob(**job))
    bench.seed(UpdateReport(**job, report_payload=_report(0)))
    bench.seed(UpdateCharts(**job, charts_payload=_charts(0)))
    bench.seed(UpdateRetirement(**job, retirement_payload=_retirement(0)))
    bench.seed(UpdateSummary(**job, summary_payload=_summary(0)))
    bench.seed(CompleteJob(**job))
    for _ in range(reps):
        world.pending_jobs.append(bench.seed(_job(user, uuid.uuid4())).id)
    for _ in range(2 * reps):  # CompleteJob's and FailJob's
        started = bench.seed(_job(user, uuid.uuid4())).id
        bench.seed(StartJob(clerk_user_id=user, job_id=started))
        world.running_jobs.append(started)
    return world


def _report(i: int) -> ReportPayload:
    lines = [f"# Portfolio report {i}", ""] + [f"- holding {n}: 120 shares" for n in range(40)]
    return ReportPayload(content="\n".join(lines), agent="reporter")


def _charts(i: int) -> dict[str, ChartSpec]:
    points = [
        ChartDataPoint(
            name=f"Slice {n}",
            value=Decimal(1000 + n + i % 2),
            percentage=Decimal(20),
            color="#3B82F6",
        )
        for n in range(5)
    ]
    return {"asset_allocation": ChartSpec(title="Asset class mix", type="pie", data=points)}


def _retirement(i: int) -> RetirementPayload:
    return RetirementPayload(analysis=f"At 5% a year for 25 years ({i % 2}).", agent="retirement")


def _summary(i: int) -> SummaryPayload:
    return SummaryPayload(
        summary=f"Bench portfolio, pass {i % 2}.",
        key_findings=["70% equity"],
        recommendations=["Keep contributing"],
    )


# --- the event cases ----------------------------------------------------------------------


@dataclass
class Case:
    name: str
    make: Callable[[int], Event[Any]]
    read_only: bool = False


def cases(world: World) -> list[Case]:
    user, writer, jobs = world.reader, world.writer, world.jobs_user
    s0, s1 = world.symbols[0], world.symbols[1]
    running = iter(world.running_jobs)
    completing = [next(running) for _ in range(WARMUP + RUNS)]
    failing = list(running)
    job: dict[str, Any] = {"clerk_user_id": jobs, "job_id": world.open_job}
    return [
        Case("UpsertUser", lambda i: _user(world.user(f"new-{i}"))),
        Case("GetUser", lambda i: GetUser(clerk_user_id=user), read_only=True),
        Case(
            "UpsertInstruments",
            lambda i: UpsertInstruments(
                instruments=[_instrument(s0, 0, price=str(_alt(i, "101.5", "102.5")))]
            ),
        ),
        Case(
            "UpdatePrices",
            lambda i: UpdatePrices(
                prices=[PriceIn(symbol=s1, current_price=_alt(i, "55.10", "55.20"))]
            ),
        ),
        Case(
            "GetInstruments",
            lambda i: GetInstruments(symbols=world.symbols[:10]),
            read_only=True,
        ),
        Case("ListInstruments", lambda i: ListInstruments(), read_only=True),
        Case(
            "CreateAccount",
            lambda i: CreateAccount(clerk_user_id=writer, account_name=f"New {i}"),
        ),
        Case(
            "UpdateAccount",
            lambda i: UpdateAccount(
                clerk_user_id=writer,
                account_id=world.account,
                cash_balance=_alt(i, "100.00", "200.00"),
            ),
        ),
        Case(
            "DeleteAccount",
            lambda i: DeleteAccount(clerk_user_id=writer, account_id=world.doomed_accounts[i]),
        ),
        Case(
            "UpsertPosition",
            lambda i: UpsertPosition(
                clerk_user_id=writer,
                account_id=world.account,
                symbol=s1,
                quantity=_alt(i, "10", "20"),
            ),
        ),
        Case(
            "DeletePosition",
            lambda i: DeletePosition(
                clerk_user_id=writer,
                account_id=world.doomed_positions_account,
                symbol=world.symbols[i],
            ),
        ),
        Case("GetPortfolio", lambda i: GetPortfolio(clerk_user_id=user), read_only=True),
        Case("CreateJob", lambda i: _job(jobs, uuid.uuid4())),
        Case("StartJob", lambda i: StartJob(clerk_user_id=jobs, job_id=world.pending_jobs[i])),
        Case("UpdateReport", lambda i: UpdateReport(**job, report_payload=_report(i))),
        Case("UpdateCharts", lambda i: UpdateCharts(**job, charts_payload=_charts(i))),
        Case(
            "UpdateRetirement",
            lambda i: UpdateRetirement(**job, retirement_payload=_retirement(i)),
        ),
        Case("UpdateSummary", lambda i: UpdateSummary(**job, summary_payload=_summary(i))),
        Case("CompleteJob", lambda i: CompleteJob(clerk_user_id=jobs, job_id=completing[i])),
        Case(
            "FailJob",
            lambda i: FailJob(
                clerk_user_id=jobs, job_id=failing[i], error_message="bench: planner gave up"
            ),
        ),
        Case(
            "GetJob",
            lambda i: GetJob(clerk_user_id=jobs, job_id=world.finished_job),
            read_only=True,
        ),
        Case("ListJobs", lambda i: ListJobs(clerk_user_id=jobs), read_only=True),
    ]


# --- running it ---------------------------------------------------------------------------


@contextmanager
def _local_data_api() -> Iterator[tuple[dict[str, str], str]]:
    """The embedded default in a child process: (its environment, its PostgreSQL DSN)."""
    child = subprocess.Popen(  # noqa: S603 - our own interpreter, a constant program
        [sys.executable, "-c", _SERVER],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None
    assert child.stdout is not None
    try:
        line = child.stdout.readline()
        if not line:
            raise RuntimeError(f"the local Data API did not start (exit {child.wait()})")
        started = json.loads(line)
        yield dict(started["env"]), str(started["dsn"])
    finally:
        child.stdin.close()  # the child's `with` ends: server stopped, PostgreSQL removed
        try:
            child.wait(timeout=60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


def _mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


class Verdicts:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str, bool]] = []

    def check(self, target: str, measured: str, ok: bool) -> None:
        self.lines.append((target, measured, ok))

    def print(self) -> None:
        print("\ntargets (this machine; see the top of bench/bench_events.py)")
        for target, measured, ok in self.lines:
            print(f"  {_mark(ok)}  {target:<52} {measured}")


def _event_table(bench: Bench, world: World, dsn: str, verdicts: Verdicts) -> None:
    print(
        f"\nper event: {RUNS} runs after {WARMUP} warm-up, ms"
        f"\n  {'event':<18} {'calls':>5} {'p50':>7} {'p95':>7} {'handler':>8} {'data api':>9}"
    )
    all_cases = cases(world)
    covered = {c.name for c in all_cases}
    union = {t.__name__ for t in EVENT_TYPES}
    if covered != union:
        raise RuntimeError(f"cases and the union differ: {sorted(covered ^ union)}")
    worst_calls, slowest = 0, ("", 0.0)
    with psycopg.connect(dsn, autocommit=True) as conn:
        for case in all_cases:
            before = _digest(conn) if case.read_only else ""
            figures = bench.repeat(case.make, RUNS)
            if case.read_only and _digest(conn) != before:
                raise RuntimeError(f"{case.name} changed the database")
            p50 = figures.p(50)
            print(
                f"  {case.name:<18} {figures.calls:>5} {p50:7.2f} {figures.p(95):7.2f}"
                f" {figures.p(50, lambda s: s.handler_ms):8.2f}"
                f" {figures.p(50, lambda s: s.api_ms):9.2f}"
                f"{'  (read-only: unchanged)' if case.read_only else ''}"
            )
            worst_calls = max(worst_calls, figures.calls)
            if case.name == "ListInstruments":
                verdicts.check(
                    f"ListInstruments (100 a page) p50 < {TARGET_LIST_INSTRUMENTS_P50_MS:g} ms",
                    f"{p50:.2f} ms",
                    p50 < TARGET_LIST_INSTRUMENTS_P50_MS,
                )
            elif p50 > slowest[1]:
                slowest = (case.name, p50)
    verdicts.check(
        f"Data API calls per event <= {TARGET_CALLS_PER_EVENT} (all {len(union)} types)",
        f"worst {worst_calls}",
        worst_calls <= TARGET_CALLS_PER_EVENT,
    )
    verdicts.check(
        f"every other event type p50 < {TARGET_EVENT_P50_MS:g} ms",
        f"slowest {slowest[0]} {slowest[1]:.2f} ms",
        slowest[1] < TARGET_EVENT_P50_MS,
    )


def _digest(conn: psycopg.Connection[tuple[Any, ...]]) -> str:
    row = conn.execute(_DIGEST).fetchone()
    return str(row[0]) if row else ""


def _portfolio_table(bench: Bench, world: World, dsn: str, verdicts: Verdicts) -> None:
    print(
        "\nGetPortfolio by size (accounts x positions), ms; bytes of the JSON answer"
        f"\n  {'size':<7} {'runs':>4} {'p50':>8} {'p95':>8} {'handler':>8} {'data api':>9}"
        f" {'bytes':>10} {'calls':>5} {'peak MiB':>9}"
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        before = _digest(conn)
        for size, user in world.portfolio_users.items():
            event = GetPortfolio(clerk_user_id=user)
            accounts, positions = PORTFOLIOS[size]
            runs, warmup, memory_runs = SCALING_RUNS[size]
            _check_portfolio(bench.client.call(event), accounts, positions)
            figures = bench.repeat(lambda _: event, runs, warmup)  # noqa: B023 - used at once
            answer = bench.answer_bytes()
            peak = bench.peak_mib(event, memory_runs)
            p50 = figures.p(50)
            print(
                f"  {size:<7} {runs:>4} {p50:8.2f} {figures.p(95):8.2f}"
                f" {figures.p(50, lambda s: s.handler_ms):8.2f}"
                f" {figures.p(50, lambda s: s.api_ms):9.2f} {answer:>10,} {figures.calls:>5}"
                f" {peak:9.2f}"
            )
            _portfolio_verdicts(verdicts, size, figures, peak)
        if _digest(conn) != before:
            raise RuntimeError("GetPortfolio changed the database")


def _portfolio_verdicts(verdicts: Verdicts, size: str, figures: Figures, peak: float) -> None:
    p50 = figures.p(50)
    if size == "10x50":
        verdicts.check(
            f"GetPortfolio 10x50 p50 < {TARGET_PORTFOLIO_10X50_P50_MS:g} ms",
            f"{p50:.2f} ms",
            p50 < TARGET_PORTFOLIO_10X50_P50_MS,
        )
        verdicts.check(
            f"GetPortfolio 10x50 handler peak < {TARGET_PORTFOLIO_10X50_PEAK_MIB:g} MiB",
            f"{peak:.2f} MiB",
            peak < TARGET_PORTFOLIO_10X50_PEAK_MIB,
        )
        verdicts.check(
            f"GetPortfolio 10x50 in {TARGET_CALLS_PER_EVENT} Data API call",
            f"{figures.calls}",
            figures.calls <= TARGET_CALLS_PER_EVENT,
        )
    if size == "50x100":
        verdicts.check(
            f"GetPortfolio 50x100 p50 < {TARGET_PORTFOLIO_50X100_P50_MS:g} ms",
            f"{p50:.0f} ms ({figures.calls} Data API calls)",
            p50 < TARGET_PORTFOLIO_50X100_P50_MS,
        )


def _check_portfolio(portfolio: Portfolio, accounts: int, positions: int) -> None:
    held = [len(a.positions) for a in portfolio.accounts]
    if held != [positions] * accounts:
        raise RuntimeError(f"expected {accounts}x{positions} positions, got {held}")


def _batch_tables(bench: Bench, world: World, verdicts: Verdicts) -> None:
    print(
        "\nbatches by rows, ms (every run writes: prices alternate)"
        f"\n  {'event':<18} {'rows':>4} {'runs':>4} {'p50':>8} {'p95':>8} {'handler':>8}"
        f" {'data api':>9}"
        f" {'calls':>5} {'peak MiB':>9}"
    )
    for name in ("UpsertInstruments", "UpdatePrices"):
        for rows in BATCH_SIZES:
            symbols = world.symbols[:rows]

            def make(i: int, symbols: list[str] = symbols, name: str = name) -> Event[Any]:
                price = _alt(i, "40.0000", "41.0000")
                if name == "UpsertInstruments":
                    return UpsertInstruments(
                        instruments=[_instrument(s, n, str(price)) for n, s in enumerate(symbols)]
                    )
                return UpdatePrices(
                    prices=[PriceIn(symbol=s, current_price=price) for s in symbols]
                )

            figures = bench.repeat(make, BATCH_RUNS[rows])
            peak = bench.peak_mib(make(0))
            p50 = figures.p(50)
            print(
                f"  {name:<18} {rows:>4} {BATCH_RUNS[rows]:>4} {p50:8.2f} {figures.p(95):8.2f}"
                f" {figures.p(50, lambda s: s.handler_ms):8.2f}"
                f" {figures.p(50, lambda s: s.api_ms):9.2f} {figures.calls:>5} {peak:9.2f}"
            )
            if rows == max(BATCH_SIZES):
                target = TARGET_BATCH_500_P50_MS[name]
                verdicts.check(
                    f"{name} {rows} rows p50 < {target:g} ms, in 1 call",
                    f"{p50:.2f} ms, {figures.calls} call(s)",
                    p50 < target and figures.calls == 1,
                )


def _import_time(verdicts: Verdicts) -> None:
    program = (
        "import time; w = time.perf_counter(); import alex_data.handler; "
        "print(time.perf_counter() - w)"
    )
    runs = []
    for _ in range(IMPORT_RUNS):
        done = subprocess.run(  # noqa: S603 - our own interpreter, a constant program
            [sys.executable, "-c", program],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ | _QUIET,
        )
        runs.append(float(done.stdout.strip().splitlines()[-1]) * 1000)
    median = statistics.median(runs)
    print(
        f"\ncold import alex_data.handler: median {median:.0f} ms of {IMPORT_RUNS} fresh"
        f" interpreters ({min(runs):.0f}-{max(runs):.0f})"
    )
    verdicts.check(
        f"cold import alex_data.handler < {TARGET_IMPORT_MS:g} ms",
        f"{median:.0f} ms",
        median < TARGET_IMPORT_MS,
    )


def main() -> None:
    started = time.perf_counter()
    verdicts = Verdicts()
    _import_time(verdicts)
    tag = uuid.uuid4().hex[:6].upper()
    with _local_data_api() as (env, dsn), activate_endpoint(env | _QUIET) as gw:
        from alex_data.migrate import apply_migrations

        apply_migrations(gw.session())
        timed = _TimedClient(gw.client)
        gw.client = timed
        bench = Bench(gw, timed)
        print("seeding the benchmark's data through events (about 15 s)...", flush=True)
        seeding = time.perf_counter()
        world = seed(bench, tag)
        seconds = time.perf_counter() - seeding
        print(
            f"seeded through events: {bench.seeded} events in {seconds:.1f} s"
            f" ({seconds / bench.seeded * 1000:.2f} ms each), run tag {tag}"
        )
        _event_table(bench, world, dsn, verdicts)
        _portfolio_table(bench, world, dsn, verdicts)
        _batch_tables(bench, world, verdicts)
    verdicts.print()
    print(f"\nbench_events took {time.perf_counter() - started:.0f} s; local Data API removed")


if __name__ == "__main__":
    main()
