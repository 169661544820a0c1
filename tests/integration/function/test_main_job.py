"""`make run` end to end: the whole job, one call per event, on a database of its own on the
session's PostgreSQL; `make run KEEP=1` as the user runs it, on the embedded default."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import uuid
from decimal import Decimal

import pytest
from alex_data_dev import main_job, sample_data
from alex_data_dev.local_data_api import LocalDataApi

from tests.integration.serve_output import rds_data_client, read_exports


def on_the_sessions_server(api: LocalDataApi) -> list[str]:
    """The main job's arguments for a database of its own on the session's PostgreSQL."""
    return ["--dsn", api.dsn, "--database", f"main_job_{uuid.uuid4().hex[:8]}"]


def test_the_main_job_plays_the_whole_lifecycle_in_one_call_per_event(
    local_data_api: LocalDataApi,
) -> None:
    environment = dict(os.environ)
    out = io.StringIO()
    # When the main job runs
    status = main_job.main(on_the_sessions_server(local_data_api), out=out)
    text = out.getvalue()
    # Then it succeeded, every event of the job is printed with one call, in pipeline order
    assert status == 0, text
    sent = re.findall(r"^  -> (\S+(?: batch)?)", text, flags=re.MULTILINE)
    assert sent[-12:] == [
        "CreateJob",
        "SQS batch",
        "StartJob",
        "UpdatePrices",
        "UpsertInstruments",
        "GetPortfolio",
        "UpdateReport",
        "UpdateCharts",
        "UpdateRetirement",
        "UpdateSummary",
        "CompleteJob",
        "GetJob",
    ]
    assert text.count("[1 Data API call]") == len(sent)
    assert "job completed: 12 events, 12 Data API calls" in text
    assert "local Data API stopped" in text
    # and it left the environment as it found it
    assert dict(os.environ) == environment


def test_the_main_job_fails_loudly_when_an_event_fails(
    monkeypatch: pytest.MonkeyPatch, local_data_api: LocalDataApi
) -> None:
    # Given sample data holding a symbol no instrument has (UpsertPosition answers NotFound)
    holdings = {account: dict(held) for account, held in sample_data.HOLDINGS.items()}
    holdings[sample_data.ACCOUNT_ROTH]["NOPE"] = Decimal(1)
    monkeypatch.setattr(main_job, "HOLDINGS", holdings)
    environment = dict(os.environ)
    out = io.StringIO()
    # When the main job runs, Then it exits 1 naming the failure, and still cleans up
    assert main_job.main(on_the_sessions_server(local_data_api), out=out) == 1
    text = out.getvalue()
    assert "main job FAILED: NotFoundError: no instrument NOPE" in text
    assert "analysis job" not in text
    assert "local Data API stopped" in text
    assert dict(os.environ) == environment


def test_keep_leaves_the_endpoint_and_the_jobs_data_up_until_a_signal() -> None:
    # Given `make run KEEP=1`
    process = subprocess.Popen(
        [sys.executable, "-m", "alex_data_dev.main_job", "--keep"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        exports, _ = read_exports(process, until="Ctrl-C", only_exports=False)
        assert len(exports) == 4, exports
        # When a client asks for the job after the run
        client = rds_data_client(exports)
        answer = client.execute_statement(
            resourceArn=exports["AURORA_CLUSTER_ARN"],
            secretArn=exports["AURORA_SECRET_ARN"],
            database=exports["AURORA_DATABASE"],
            sql="SELECT status FROM jobs WHERE id = CAST(:id AS uuid)",
            parameters=[{"name": "id", "value": {"stringValue": str(sample_data.JOB)}}],
        )
        # Then the job's data is still there, until the signal stops everything
        assert answer["records"] == [[{"stringValue": "completed"}]]
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 0
        assert process.stdout is not None
        assert "files removed" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
