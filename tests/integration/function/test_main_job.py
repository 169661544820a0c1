"""`make run` end to end: its own local Data API, the whole job, one call per event."""

from __future__ import annotations

import io
import os
import re

import pytest
from alex_data_dev import main_job


def test_the_main_job_plays_the_whole_lifecycle_in_one_call_per_event() -> None:
    environment = dict(os.environ)
    out = io.StringIO()
    # When the main job runs
    status = main_job.main([], out=out)
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


def test_the_main_job_fails_loudly_when_an_event_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given sample data holding a symbol no instrument has (UpsertPosition answers NotFound)
    holdings = {account: dict(held) for account, held in main_job.HOLDINGS.items()}
    holdings[main_job.ACCOUNT_ROTH]["NOPE"] = "1"
    monkeypatch.setattr(main_job, "HOLDINGS", holdings)
    environment = dict(os.environ)
    out = io.StringIO()
    # When the main job runs, Then it exits 1 naming the failure, and still cleans up
    assert main_job.main([], out=out) == 1
    text = out.getvalue()
    assert "main job FAILED: NotFoundError: no instrument NOPE" in text
    assert "analysis job" not in text
    assert "local Data API stopped" in text
    assert dict(os.environ) == environment
