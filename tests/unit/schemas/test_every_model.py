"""Every event and result model: a realistic instance is accepted, and dropping any one
required field, or breaking its type, is refused."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import pytest
from alex_schemas import EVENT_TYPES, Event, InstrumentView, Result, parse_event
from pydantic import BaseModel, ValidationError

from tests.unit.schemas import samples

EVENTS_DIR = pathlib.Path(__file__).resolve().parents[3] / "events"


def account_view() -> dict[str, Any]:
    account = dict(samples.portfolio_payload()["accounts"][0])
    del account["positions"]
    return account


def position_view() -> dict[str, Any]:
    return dict(samples.portfolio_payload()["accounts"][0]["positions"][0])


RESULTS: dict[str, dict[str, Any]] = {
    "UserView": samples.user_view(),
    "InstrumentView": samples.instrument_view(),
    "InstrumentList": {"instruments": [samples.instrument_view()], "unknown_symbols": ["ZZZ"]},
    "InstrumentPage": {"items": [samples.instrument_view()], "next_cursor": "SPY"},
    "InstrumentsUpserted": {"upserted": 3, "symbols": ["SPY", "BND", "VXUS"]},
    "PricesUpdated": {"updated": 2, "unknown_symbols": ["ZZZ"]},
    "AccountView": account_view(),
    "PositionView": position_view(),
    "Deleted": {"deleted": True},
    "Portfolio": samples.portfolio_payload(),
    "JobSummary": samples.job_summary(),
    "JobView": {**samples.job_summary(), "request_payload": {"analysis_type": "portfolio"}},
    "JobPage": {"items": [samples.job_summary()], "next_cursor": None},
}


def result_models() -> dict[str, type[Result]]:
    """Every event's result, and the nested views that are no event's result on their own."""
    models: dict[str, type[Result]] = {"InstrumentView": InstrumentView}
    models.update({e.result_model().__name__: e.result_model() for e in EVENT_TYPES})
    return models


def required(model: type[BaseModel]) -> list[str]:
    return [name for name, field in model.model_fields.items() if field.is_required()]


def test_every_result_model_has_a_sample() -> None:
    assert sorted(RESULTS) == sorted(result_models())


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_result_accepts_its_sample_and_refuses_it_without_any_required_field(name: str) -> None:
    model = result_models()[name]
    sample = RESULTS[name]
    parsed = model.model_validate(sample)
    # what the function writes, an agent reads back unchanged
    assert model.model_validate_json(parsed.model_dump_json()) == parsed
    assert required(model), f"{name} has no required field to test"
    for field in required(model):
        broken = {k: v for k, v in sample.items() if k != field}
        with pytest.raises(ValidationError):
            model.model_validate(broken)


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_result_refuses_a_wrong_type_in_each_required_field(name: str) -> None:
    model = result_models()[name]
    for field in required(model):
        # a list is valid for no scalar, object or id field, and the wrong kind of list items
        # for list fields
        broken = {**RESULTS[name], field: [{"not": "this"}]}
        with pytest.raises(ValidationError):
            model.model_validate(broken)


def examples() -> dict[str, dict[str, Any]]:
    return {
        body["type"]: body
        for body in (json.loads(p.read_text()) for p in EVENTS_DIR.glob("*.json"))
        if "type" in body
    }


@pytest.mark.parametrize("event", EVENT_TYPES, ids=lambda e: e.__name__)
def test_event_refuses_its_example_without_any_required_field(event: type[Event[Any]]) -> None:
    body = examples()[event.__name__]
    for field in [*required(event), "type"]:
        broken = {k: v for k, v in body.items() if k != field}
        with pytest.raises(ValidationError):
            parse_event(broken)


@pytest.mark.parametrize("event", EVENT_TYPES, ids=lambda e: e.__name__)
def test_event_refuses_a_wrong_type_in_each_field_of_its_example(event: type[Event[Any]]) -> None:
    body = examples()[event.__name__]
    for field in body:
        broken = {**body, field: [{"not": "this"}]}
        with pytest.raises(ValidationError):
            parse_event(broken)
