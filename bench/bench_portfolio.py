"""Per-event cost against the floor: GetPortfolio 10x50, GetPortfolio 1x5 and GetUser.

What it does: starts the embedded default in a child process (as `bench_events` does, so the
endpoint stands outside the function like Aurora), applies the migrations, seeds the data
straight into PostgreSQL (`bench_sizes`' statements), then times, alternating run by run:

  ours   `lambda_handler(event, context)` plus what Lambda's runtime does with the answer
         (bytes go out as they are; anything else is JSON-encoded), in this process
  floor  raw boto3: the same ExecuteStatement (same SQL, same parameters) on a client of its
         own, the document's chunks joined and `json.loads` of it: the least any handler
         answering the same document could do

and prints each ratio of medians with PASS/FAIL against its target, with the endpoint as it is
and answering 20 ms late (the round trip to Aurora the rest of `make bench` assumes).
`--profile "GetPortfolio 10x50"` also prints where the handler's time goes (cProfile).
"""

from __future__ import annotations

import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass
from typing import Any

import boto3
import psycopg
from alex_data.large_results import CHUNK_PAGE_ROWS
from alex_data.repositories.portfolio import GET_PORTFOLIO
from alex_data.repositories.users import GET_USER
from alex_data_dev.environment import activate_endpoint
from alex_data_dev.local_data_api.api import post_latency
from alex_data_dev.testing import LocalLambdaContext

from bench.bench_events import _QUIET, _local_data_api
from bench.bench_sizes import _ACCOUNTS, _INSTRUMENTS, _POSITIONS, _USER, INSTRUMENTS
from bench.results import RESULTS

RUNS = 40
WARMUP = 5
# The local endpoint as it is, and answering each call 20 ms late as over HTTPS to Aurora (what
# the rest of `make bench` compares at): the same delay on both sides.
LATENCIES_MS = (0.0, 20.0)
# (label, accounts, positions per account, target ratio)
PORTFOLIOS = (("GetPortfolio 10x50", 10, 50, 1.3), ("GetPortfolio 1x5", 1, 5, 1.2))
TARGET_SMALL = 1.2  # GetUser


@dataclass
class Case:
    label: str
    event: dict[str, Any]
    sql: str
    params: list[dict[str, Any]]
    target: float


def _seed(conn: psycopg.Connection[Any], accounts: int, per_account: int) -> str:
    user = f"bench_portfolio_{uuid.uuid4().hex[:10]}"
    conn.execute(_USER, {"user": user})
    conn.execute(_ACCOUNTS, {"user": user, "accounts": accounts})
    conn.execute(
        _POSITIONS,
        {
            "user": user,
            "positions": accounts * per_account,
            "per_account": per_account,
            "instruments": INSTRUMENTS,
        },
    )
    return user


def _user_param(user: str) -> dict[str, Any]:
    return {"name": "clerk_user_id", "value": {"stringValue": user}}


def _cases(conn: psycopg.Connection[Any]) -> list[Case]:
    conn.execute(_INSTRUMENTS, {"count": INSTRUMENTS})
    cases = []
    for label, accounts, per_account, target in PORTFOLIOS:
        user = _seed(conn, accounts, per_account)
        page = [
            {"name": "page_start", "value": {"longValue": 0}},
            {"name": "page_rows", "value": {"longValue": CHUNK_PAGE_ROWS}},
        ]
        cases.append(
            Case(
                label,
                {"type": "GetPortfolio", "clerk_user_id": user},
                GET_PORTFOLIO,
                [_user_param(user), *page],
                target,
            )
        )
    user = _seed(conn, 0, 0)
    cases.append(
        Case(
            "GetUser",
            {"type": "GetUser", "clerk_user_id": user},
            GET_USER,
            [_user_param(user)],
            TARGET_SMALL,
        )
    )
    return cases


def _floor(client: Any, case: Case) -> Callable[[], object]:
    request = {
        "resourceArn": os.environ["AURORA_CLUSTER_ARN"],
        "secretArn": os.environ["AURORA_SECRET_ARN"],
        "database": os.environ["AURORA_DATABASE"],
        "sql": case.sql,
        "parameters": case.params,
    }

    def run() -> object:
        records = client.execute_statement(**request)["records"]
        if case.sql == GET_PORTFOLIO:
            # (digest, chunk) rows, one page of them: the bytes joined, then decoded
            assert len(records) < CHUNK_PAGE_ROWS, "the document takes more than one page"
            return json.loads(b"".join(record[1]["blobValue"] for record in records))
        return json.loads(records[0][0]["stringValue"])

    return run


def _ours(handler: Callable[[Any, Any], Any], case: Case) -> Callable[[], object]:
    sink = io.StringIO()

    def run() -> object:
        with redirect_stdout(sink):  # Powertools' EMF metrics
            answer = handler(dict(case.event), LocalLambdaContext())
        sink.seek(0)
        sink.truncate()
        # What Lambda's runtime sends back: bytes as they are, anything else as JSON.
        return answer if isinstance(answer, bytes) else json.dumps(answer).encode()

    return run


def _check(answer: object) -> None:
    assert isinstance(answer, bytes)
    assert json.loads(answer)["ok"] is True, answer[:300]


def side_by_side(ours: Callable[[], object], floor: Callable[[], object]) -> tuple[float, float]:
    """Median ms of each, alternating run by run after a warm-up."""
    mine: list[float] = []
    theirs: list[float] = []
    for i in range(WARMUP + RUNS):
        started = time.perf_counter()
        answer = ours()
        middle = time.perf_counter()
        floor()
        ended = time.perf_counter()
        if i == 0:
            _check(answer)
        if i >= WARMUP:
            mine.append((middle - started) * 1000)
            theirs.append((ended - middle) * 1000)
    return statistics.median(mine), statistics.median(theirs)


def _profile(run: Callable[[], object]) -> None:
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(20):
        run()
    profile.disable()
    stats = pstats.Stats(profile, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(30)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    profiled = args[args.index("--profile") + 1] if "--profile" in args else None
    with _local_data_api() as (env, dsn), activate_endpoint(env | _QUIET) as gw:
        from alex_data.handler import lambda_handler
        from alex_data.migrate import apply_migrations

        apply_migrations(gw.session())
        client = boto3.client("rds-data")
        with psycopg.connect(dsn, autocommit=True) as conn:
            cases = _cases(conn)
        print(f"median of {RUNS} runs each, alternating, after {WARMUP} warm-up; ms")
        for latency in LATENCIES_MS:
            post_latency(os.environ["AWS_ENDPOINT_URL_RDS_DATA"], latency)
            for case in cases:
                ours, floor = _ours(lambda_handler, case), _floor(client, case)
                mine, theirs = side_by_side(ours, floor)
                ratio = mine / theirs
                verdict = "PASS" if ratio <= case.target else "FAIL"
                label = f"{case.label}, {latency:g} ms a call"
                RESULTS.ratio(
                    f"per event: {label}, handler vs raw boto3", mine, theirs, "ms", case.target
                )
                print(
                    f"  {verdict}  {label:<32} {ratio:5.2f}x (target <= {case.target:g}x)"
                    f"  ours {mine:7.2f}, floor {theirs:7.2f}"
                )
                if case.label == profiled and not latency:
                    _profile(ours)


if __name__ == "__main__":
    main()
