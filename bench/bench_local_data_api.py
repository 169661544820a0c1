"""The local Data API's added cost per call, against the same query straight through psycopg.

Three ways to run one SELECT, on the same PostgreSQL and table:
  direct   psycopg on a kept-open connection (execute + fetchall)
  http     one keep-alive HTTP POST /Execute with the JSON boto3 would send, reply parsed:
           what the endpoint adds is `http - direct`
  boto3    a stock `rds-data` client (adds boto3's own signing, validation and parsing)
for a one-row and a 1,000-row SELECT; p50/p95 in milliseconds and the ratio to direct.
Goal: under 1 ms added at p50 for the one-row case.
"""

from __future__ import annotations

import gc
import http.client
import json
import statistics
import time
from collections.abc import Callable
from urllib.parse import urlsplit

import boto3
import psycopg
from alex_data_dev.local_data_api import LocalDataApi

ONE_ROW = "SELECT id, name, amount, created_at FROM bench_rows WHERE id = :id"
MANY_ROWS = "SELECT id, name, amount, created_at FROM bench_rows ORDER BY id LIMIT 1000"
SETUP = """
CREATE TABLE IF NOT EXISTS bench_rows (
    id int PRIMARY KEY, name text NOT NULL, amount numeric(12,2), created_at timestamptz
);
TRUNCATE bench_rows;
INSERT INTO bench_rows
SELECT i, 'instrument ' || i, i * 1.25, now() FROM generate_series(1, 1000) AS i;
"""


def _timings(call: Callable[[], object], runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    gc.disable()
    try:
        for _ in range(runs):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
    finally:
        gc.enable()
    return samples


def _p(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def _header() -> str:
    return f"{'case':<11} {'path':<7} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>6} {'added p50':>10}"


def _compare(
    api: LocalDataApi, conn: psycopg.Connection[tuple[object, ...]]
) -> list[tuple[str, int, Callable[[], object], dict[str, Callable[[], object]]]]:
    """Per case: a label, the number of runs, the direct call and the calls via the endpoint."""
    url = urlsplit(api.endpoint_url)
    web = http.client.HTTPConnection(url.hostname or "", url.port)
    client = boto3.client(
        "rds-data",
        endpoint_url=api.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the local endpoint checks no credentials
    )
    arns = {"resourceArn": api.cluster_arn, "secretArn": api.secret_arn}
    one_param: list[dict[str, object]] = [{"name": "id", "value": {"longValue": 500}}]

    def over_http(sql: str, params: list[dict[str, object]]) -> Callable[[], object]:
        body = json.dumps({**arns, "sql": sql, "parameters": params}).encode()

        def call() -> object:
            web.request("POST", "/Execute", body, {"Content-Type": "application/json"})
            return json.loads(web.getresponse().read())

        return call

    def over_boto3(sql: str, params: list[dict[str, object]]) -> Callable[[], object]:
        return lambda: client.execute_statement(sql=sql, parameters=params, **arns)  # type: ignore[arg-type]

    return [
        (
            "one row",
            2000,
            lambda: conn.execute(ONE_ROW.replace(":id", "%s"), [500]).fetchall(),
            {"http": over_http(ONE_ROW, one_param), "boto3": over_boto3(ONE_ROW, one_param)},
        ),
        (
            "1,000 rows",
            200,
            lambda: conn.execute(MANY_ROWS).fetchall(),
            {"http": over_http(MANY_ROWS, []), "boto3": over_boto3(MANY_ROWS, [])},
        ),
    ]


def main() -> None:
    with LocalDataApi() as api, psycopg.connect(api.dsn, autocommit=True) as conn:
        conn.execute(SETUP)
        print(_header())
        for label, runs, direct, via in _compare(api, conn):
            base = _timings(direct, runs, warmup=runs // 10)
            base50 = _p(base, 50)
            print(f"{label:<11} {'direct':<7} {base50:8.3f} {_p(base, 95):8.3f} {1:6.1f}")
            for path, call in via.items():
                samples = _timings(call, runs, warmup=runs // 10)
                p50 = _p(samples, 50)
                print(
                    f"{label:<11} {path:<7} {p50:8.3f} {_p(samples, 95):8.3f} "
                    f"{p50 / base50:6.1f} {p50 - base50:10.3f}"
                )


if __name__ == "__main__":
    main()
