"""Results, payloads, analysis schemas and the envelope."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from alex_schemas import (
    ChartSpec,
    ConflictError,
    DataError,
    ErrorCode,
    ErrorEnvelope,
    InternalError,
    JobView,
    NotFoundError,
    OkEnvelope,
    Portfolio,
    PortfolioAnalysis,
    RebalanceRecommendation,
    ReportPayload,
    SummaryPayload,
    UnavailableError,
    UserView,
    ValidationFailedError,
    parse_envelope,
)
from alex_schemas.envelope import error, ok
from pydantic import ValidationError

from tests.unit.schemas import samples

# --- results ---------------------------------------------------------------------------------


def test_portfolio_nests_accounts_positions_and_instruments() -> None:
    portfolio = samples.portfolio()
    account = portfolio.accounts[0]
    spy, newco = account.positions
    assert portfolio.instrument(spy).symbol == "SPY"
    assert portfolio.instrument(spy).current_price == Decimal("500.0000")
    # market value is exact decimal arithmetic, an unpriced instrument counts as zero
    assert portfolio.market_value(spy) == Decimal("5250.0000")
    assert portfolio.market_value(newco) == 0
    assert portfolio.account_value(account) == Decimal("6250.5000")
    assert portfolio.total_value == Decimal("6250.5000")
    assert sorted(portfolio.instruments) == ["NEWCO", "SPY"]
    assert [s for s, i in portfolio.instruments.items() if not i.is_classified] == ["NEWCO"]


def test_results_ignore_fields_they_do_not_know_yet() -> None:
    # an older agent's layer keeps working when the function adds a column
    payload = {**samples.user_view(), "risk_tolerance": "high"}
    assert UserView.model_validate(payload).clerk_user_id == samples.USER


def test_results_refuse_naive_timestamps_and_bad_money() -> None:
    with pytest.raises(ValidationError):
        UserView.model_validate({**samples.user_view(), "created_at": "2026-11-25T09:00:00"})
    with pytest.raises(ValidationError):
        UserView.model_validate({**samples.user_view(), "target_retirement_income": "1.001"})


def test_results_serialise_decimals_as_strings_and_times_as_utc() -> None:
    out = json.loads(samples.portfolio().model_dump_json())
    account = out["accounts"][0]
    assert account["cash_balance"] == "1000.50"
    assert account["positions"][0]["quantity"] == "10.5"
    assert out["user"]["created_at"] == "2026-11-25T09:00:00Z"


def test_job_view_types_every_payload() -> None:
    job = JobView.model_validate(
        {
            **samples.job_summary("completed"),
            "completed_at": "2026-11-25T09:10:00Z",
            "request_payload": {"options": {"deep": True}},
            "report_payload": {
                "content": "# R",
                "generated_at": "2026-11-25T09:05:00Z",
                "agent": "reporter",
            },
            "charts_payload": {
                "asset_allocation": {
                    "title": "Assets",
                    "type": "pie",
                    "data": [
                        {"name": "Equity", "value": 10, "percentage": 100, "color": "#3B82F6"}
                    ],
                }
            },
            "retirement_payload": {"analysis": "fine", "generated_at": "2026-11-25T09:06:00Z"},
            "summary_payload": {
                "summary": "ok",
                "key_findings": [],
                "extra_key": {"from": "agent"},
            },
        }
    )
    assert isinstance(job.report_payload, ReportPayload)
    assert job.charts_payload is not None
    assert job.charts_payload["asset_allocation"].data[0].percentage == Decimal(100)
    assert job.summary_payload is not None
    assert job.summary_payload.summary == "ok"
    # keys other agents merged in are kept, not dropped
    assert job.summary_payload.model_extra == {"extra_key": {"from": "agent"}}


# --- payloads and analysis ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"type": "scatter"},
        {"data": []},
        {"data": [{"name": "A", "value": 1, "percentage": 100, "color": "blue"}]},
        {"data": [{"name": "A", "value": 1, "percentage": 100, "color": "#12345"}]},
        {"data": [{"name": "A", "value": 1, "percentage": 101, "color": "#fff"}]},
        {"data": [{"name": "A", "value": "NaN", "percentage": 1, "color": "#fff"}]},
    ],
)
def test_chart_specs_refuse_what_the_front_end_cannot_draw(change: dict[str, Any]) -> None:
    chart = {
        "title": "T",
        "type": "donut",
        "data": [{"name": "A", "value": 1, "percentage": 100, "color": "#FFF"}],
    }
    ChartSpec.model_validate(chart)
    with pytest.raises(ValidationError):
        ChartSpec.model_validate({**chart, **change})


def test_payload_timestamps_default_to_now_in_utc() -> None:
    report = ReportPayload(content="# Report")
    assert report.generated_at.utcoffset() is not None
    assert report.agent == "reporter"
    with pytest.raises(ValidationError):
        ReportPayload(content="")


def test_summary_patch_holds_only_what_was_set() -> None:
    patch = SummaryPayload(recommendations=["Rebalance"]).as_patch()
    assert patch == {"recommendations": ["Rebalance"]}


def test_analysis_models_validate_llm_output() -> None:
    analysis = PortfolioAnalysis.model_validate(
        {
            "total_value": "123456.78",
            "asset_allocation": {"equity": 70.5, "fixed_income": 29.5},
            "region_allocation": {"north_america": 100},
            "sector_allocation": {"technology": 40, "other": 60},
            "risk_score": 7,
            "recommendations": ["Add bonds"],
        }
    )
    assert analysis.total_value == Decimal("123456.78")
    with pytest.raises(ValidationError):
        PortfolioAnalysis.model_validate({**analysis.model_dump(), "risk_score": 11})
    rebalance = RebalanceRecommendation.model_validate(
        {
            "current_allocation": {"spy": 80, "BND": 20},
            "target_allocation": {"SPY": 60, "BND": 40},
            "trades": [{"symbol": "SPY", "action": "sell", "quantity": "10"}],
            "rationale": "Reduce equity risk",
        }
    )
    assert list(rebalance.current_allocation) == ["SPY", "BND"]
    with pytest.raises(ValidationError):
        RebalanceRecommendation.model_validate(
            {
                **rebalance.model_dump(),
                "trades": [{"symbol": "SPY", "action": "hold", "quantity": 1}],
            }
        )


@pytest.mark.parametrize("model", [PortfolioAnalysis, RebalanceRecommendation])
def test_analysis_schemas_are_closed_for_structured_output(model: type[Any]) -> None:
    schema = model.model_json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(schema["properties"])
    assert all("description" in p for p in schema["properties"].values())


# --- envelope -----------------------------------------------------------------------------------


def test_error_codes_are_exactly_the_contracts() -> None:
    assert [c.value for c in ErrorCode] == [
        "ValidationError",
        "NotFound",
        "Conflict",
        "Unavailable",
        "Internal",
    ]


def test_ok_envelope_round_trips_a_typed_result() -> None:
    portfolio = samples.portfolio()
    wire = json.dumps(ok(portfolio))
    envelope = parse_envelope(wire, Portfolio)
    assert isinstance(envelope, OkEnvelope)
    assert envelope.result == portfolio
    assert json.loads(wire)["ok"] is True


@pytest.mark.parametrize(
    ("code", "exc", "retryable"),
    [
        (ErrorCode.VALIDATION_ERROR, ValidationFailedError, False),
        (ErrorCode.NOT_FOUND, NotFoundError, False),
        (ErrorCode.CONFLICT, ConflictError, False),
        (ErrorCode.UNAVAILABLE, UnavailableError, True),
        (ErrorCode.INTERNAL, InternalError, False),
    ],
)
def test_error_envelopes_become_one_exception_per_code(
    code: ErrorCode, exc: type[DataError], retryable: bool
) -> None:
    wire = error(code, "boom")
    assert wire == {
        "ok": False,
        "error": {"code": code.value, "message": "boom", "retryable": retryable},
    }
    envelope = parse_envelope(wire, Portfolio)
    assert isinstance(envelope, ErrorEnvelope)
    raised = DataError.from_info(envelope.error)
    assert type(raised) is exc
    assert raised.retryable is retryable
    assert raised.info == envelope.error


def test_retryable_can_be_overridden() -> None:
    assert error(ErrorCode.INTERNAL, "deadlock", retryable=True)["error"] == {
        "code": "Internal",
        "message": "deadlock",
        "retryable": True,
    }


@pytest.mark.parametrize(
    "payload", ["not json", "[1, 2]", '{"result": {}}', '{"ok": "yes"}', b'{"statusCode": 200}']
)
def test_anything_but_an_envelope_is_an_internal_error(payload: str | bytes) -> None:
    with pytest.raises(InternalError):
        parse_envelope(payload, Portfolio)


def test_an_ok_envelope_with_a_wrong_result_is_refused() -> None:
    with pytest.raises(ValidationError):
        parse_envelope({"ok": True, "result": {"user": {}}}, Portfolio)
