"""`alex-data serve` as a user runs it: exports, READY, a query through boto3, clean SIGTERM."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from alex_data_dev.postgres import ThrowawayPostgres
from alex_schemas.limits import ROW_TOO_LARGE

from tests.integration.serve_output import rds_data_client, read_exports


@pytest.mark.parametrize(
    ("stop_signal", "extra"),
    [
        (signal.SIGTERM, []),
        # as for `sam local invoke`: on every interface, with an --env-vars file
        (signal.SIGINT, ["--host", "0.0.0.0", "--sam-env-vars", "{tmp}/env.json"]),  # noqa: S104
        # the row limit off, to reproduce what an endpoint without it answered
        (signal.SIGTERM, ["--row-limit-kib", "0"]),
    ],
)
def test_serve_prints_exports_serves_and_cleans_up_on_signal(
    stop_signal: int, extra: list[str], tmp_path: Path
) -> None:
    # Given `alex-data serve --port 0` started as a user would
    extra = [arg.replace("{tmp}", str(tmp_path)) for arg in extra]
    # Docker's socket: the env file then names the host as Docker's containers see it
    env = {**os.environ, "DOCKER_HOST": "unix:///var/run/docker.sock"}
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [str(Path(sys.executable).parent / "alex-data"), "serve", "--port", "0", *extra],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        exports, ready = read_exports(process)
        # Then it printed the four exports
        assert set(exports) == {
            "AWS_ENDPOINT_URL_RDS_DATA",
            "AURORA_CLUSTER_ARN",
            "AURORA_SECRET_ARN",
            "AURORA_DATABASE",
        }
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", exports["AWS_ENDPOINT_URL_RDS_DATA"])
        assert exports["AURORA_DATABASE"] == "alex"
        found = re.search(r"PostgreSQL in (\S+);", ready)
        assert found, ready
        socket_dir = Path(found.group(1))
        assert socket_dir.is_dir()
        # And a stock boto3 client configured from them runs a query
        client = rds_data_client(exports)
        if "--sam-env-vars" in extra:
            # And the SAM file aims the same server from a container's point of view
            env = json.loads((tmp_path / "env.json").read_text())["Parameters"]
            port = exports["AWS_ENDPOINT_URL_RDS_DATA"].rsplit(":", 1)[1]
            assert env["AWS_ENDPOINT_URL_RDS_DATA"] == f"http://host.docker.internal:{port}"
            assert env["AURORA_CLUSTER_ARN"] == exports["AURORA_CLUSTER_ARN"]
        answer = client.execute_statement(
            resourceArn=exports["AURORA_CLUSTER_ARN"],
            secretArn=exports["AURORA_SECRET_ARN"],
            database=exports["AURORA_DATABASE"],
            sql="SELECT current_database()",
        )
        assert answer["records"] == [[{"stringValue": "alex"}]]

        # And a row over 64 KB is refused, unless the row limit was turned off
        def wide_row() -> str:
            found = client.execute_statement(
                resourceArn=exports["AURORA_CLUSTER_ARN"],
                secretArn=exports["AURORA_SECRET_ARN"],
                database=exports["AURORA_DATABASE"],
                sql="SELECT repeat('x', 70000)",
            )
            return found["records"][0][0]["stringValue"]

        if "--row-limit-kib" in extra:
            assert len(wide_row()) == 70000
        else:
            with pytest.raises(client.exceptions.BadRequestException, match=ROW_TOO_LARGE):
                wide_row()
        # When it is signalled
        process.send_signal(stop_signal)
        assert process.wait(timeout=20) == 0
        # Then PostgreSQL is gone with its directory
        assert not socket_dir.exists()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(f"host={socket_dir} user=postgres dbname=postgres", connect_timeout=2)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def test_serve_logs_requests_prints_psql_and_stops_on_sighup() -> None:
    # Given `alex-data serve --log-requests`, as `make serve` runs it
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [str(Path(sys.executable).parent / "alex-data"), "serve", "--port", "0", "--log-requests"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        exports, ready = read_exports(process)
        client = rds_data_client(exports)
        client.execute_statement(
            resourceArn=exports["AURORA_CLUSTER_ARN"],
            secretArn=exports["AURORA_SECRET_ARN"],
            database=exports["AURORA_DATABASE"],
            sql="SELECT g FROM generate_series(1, 3) AS g",
        )
        # When its terminal closes
        process.send_signal(signal.SIGHUP)
        assert process.wait(timeout=20) == 0
        assert process.stderr is not None
        stderr = process.stderr.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # Then it logged the request, printed a psql command for its database, and cleaned up
    (request,) = [line for line in stderr.splitlines() if " ExecuteStatement " in line]
    assert re.search(r" ExecuteStatement ok rows=3 bytes=\d+ [\d.]+ms  SELECT g FROM", request)
    (psql,) = [line for line in stderr.splitlines() if line.startswith("psql: ")]
    found = re.search(r"PostgreSQL in (\S+);", ready)
    assert found, ready
    assert f"host={found.group(1)}" in psql
    assert "dbname=alex" in psql
    assert stderr.rstrip().endswith("stopped")
    assert not Path(found.group(1)).exists()


def test_serve_refuses_a_dsn_with_no_server_in_one_line() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = subprocess.run(  # noqa: S603 - our own console script
        [
            str(Path(sys.executable).parent / "alex-data"),
            "serve",
            "--port",
            "0",
            "--dsn",
            f"host=127.0.0.1 port={port} user=postgres connect_timeout=3",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("alex-data serve: cannot use the PostgreSQL --dsn names: ")
    assert "Traceback" not in done.stderr


def test_a_killed_servers_cluster_is_removed_by_the_next_start(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a serve killed outright, which leaves its PostgreSQL running and its files behind
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [str(Path(sys.executable).parent / "alex-data"), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        _, ready = read_exports(process)
    finally:
        process.kill()
        process.wait()
        assert process.stdout is not None
        process.stdout.close()
    found = re.search(r"PostgreSQL in (\S+);", ready)
    assert found, ready
    orphan = Path(found.group(1))
    postmaster = int((orphan / "data" / "postmaster.pid").read_text().split()[0])
    assert orphan.is_dir()
    # When the next throwaway PostgreSQL starts
    with ThrowawayPostgres():
        pass
    # Then the orphan's server was stopped and its directory removed, and that was said
    assert not orphan.exists()
    assert any(
        "removing a stale PostgreSQL cluster" in r.getMessage() and str(orphan) in r.getMessage()
        for r in caplog.records
    )
    with pytest.raises(ProcessLookupError):
        os.kill(postmaster, 0)
