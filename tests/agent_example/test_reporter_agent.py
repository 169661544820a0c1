"""The example agent runs against an in-process data function, and its typing is real."""

from __future__ import annotations

import pathlib
import textwrap
from typing import Any

import pytest
from alex_data_dev.testing import InProcessTransport
from alex_schemas import (
    ErrorCode,
    JobSummary,
    Portfolio,
    UpdateReport,
    parse_event,
)
from alex_schemas.client import DataClient
from alex_schemas.envelope import error, ok

from tests.agent_example import reporter_agent
from tests.unit.schemas import samples

REPO = pathlib.Path(__file__).resolve().parents[2]


class FakeDataFunction:
    """Answers GetPortfolio and UpdateReport the way the data function does, in envelopes."""

    def __init__(self, portfolio: Portfolio | None) -> None:
        self.portfolio = portfolio
        self.reports: list[UpdateReport] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        parsed = parse_event(event)
        if parsed.type == "GetPortfolio":
            if self.portfolio is None:
                return error(ErrorCode.NOT_FOUND, "no such user")
            return ok(self.portfolio)
        if isinstance(parsed, UpdateReport):
            self.reports.append(parsed)
            return ok(JobSummary.model_validate(samples.job_summary()))
        return error(ErrorCode.VALIDATION_ERROR, f"unexpected {parsed.type}")


def test_the_agent_reads_the_portfolio_and_writes_its_report() -> None:
    # Given a data function holding the demo portfolio
    fake = FakeDataFunction(samples.portfolio())
    client = DataClient(transport=InProcessTransport(fake))
    # When the reporter runs for a job
    answer = reporter_agent.lambda_handler(
        {"clerk_user_id": samples.USER, "job_id": samples.JOB_ID}, None, client
    )
    # Then it stored one report, computed with exact decimals from the typed portfolio
    assert answer == {"ok": True, "job_status": "running", "total_value": "6250.50000"}
    (report,) = fake.reports
    assert str(report.job_id) == samples.JOB_ID
    assert "Total value: $6,250.50" in report.report_payload.content
    assert "- SPY: 10.5 units, 84.0%" in report.report_payload.content
    assert "Not yet classified: NEWCO" in report.report_payload.content


def test_the_agent_handles_an_unknown_user() -> None:
    client = DataClient(transport=InProcessTransport(FakeDataFunction(None)))
    answer = reporter_agent.lambda_handler(
        {"clerk_user_id": "nobody", "job_id": samples.JOB_ID}, None, client
    )
    assert answer == {"ok": False, "reason": "no such user"}


def test_mypy_rejects_treating_a_result_as_the_wrong_model(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The typing of DataClient.call is only worth something if a mismatch fails the check.
    api = pytest.importorskip("mypy.api")
    monkeypatch.chdir(REPO)  # the config's mypy_path is relative to the working directory
    wrong = tmp_path / "wrong_agent.py"
    wrong.write_text(
        textwrap.dedent(
            """
            from alex_schemas import GetPortfolio, JobView
            from alex_schemas.client import DataClient

            def load(client: DataClient) -> JobView:
                return client.call(GetPortfolio(clerk_user_id="u"))
            """
        )
    )
    stdout, _stderr, status = api.run(["--config-file", str(REPO / "pyproject.toml"), str(wrong)])
    assert status == 1
    assert 'got "Portfolio", expected "JobView"' in stdout
