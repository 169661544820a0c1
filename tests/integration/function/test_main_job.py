"""`make run` end to end: its own local Data API, the whole job, one call per event."""

from __future__ import annotations

import io
import os
import re

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
