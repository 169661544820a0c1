"""The events: the union is complete, the examples cover it, each model accepts and refuses
what the contract says."""

from __future__ import annotations

import json
import pathlib
import re
import typing
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from alex_schemas import (
    EVENT_TYPES,
    CreateAccount,
    CreateJob,
    DataEvent,
    Event,
    FailJob,
    GetPortfolio,
    InstrumentIn,
    ListInstruments,
    ListJobs,
    Portfolio,
    SummaryPayload,
    UpdateAccount,
    UpdatePrices,
    UpdateSummary,
    UpsertInstruments,
    UpsertUser,
    parse_event,
)
from alex_schemas.events import GetInstruments, JobEvent, UserEvent
from alex_schemas.results import Result
from alex_schemas.sqs import DataEventSqsEvent, DataEventSqsRecord
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

EVENTS_DIR = pathlib.Path(__file__).resolve().parents[3] / "events"

# domain.md's list, verbatim
DOMAIN_EVENTS = [
    "UpsertUser",
    "GetUser",
    "UpsertInstruments",
    "UpdatePrices",
    "GetInstruments",
    "ListInstruments",
    "CreateAccount",
    "UpdateAccount",
    "DeleteAccount",
    "UpsertPosition",
    "DeletePosition",
    "GetPortfolio",
    "CreateJob",
    "StartJob",
    "UpdateReport",
    "UpdateCharts",
    "UpdateRetirement",
    "UpdateSummary",
    "CompleteJob",
    "FailJob",
    "GetJob",
    "ListJobs",
]

# Instruments are shared reference data; everything else belongs to one user.
NOT_USER_SCOPED = {"UpsertInstruments", "UpdatePrices", "GetInstruments", "ListInstruments"}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def union_members() -> list[type[Any]]:
    union, _field = typing.get_args(DataEvent)
    return list(typing.get_args(union))


def examples() -> dict[str, dict[str, Any]]:
    return {
        p.stem: json.loads(p.read_text())
        for p in sorted(EVENTS_DIR.glob("*.json"))
        if p.stem != "sqs_batch"
    }


def test_union_lists_every_domain_event_once() -> None:
    names = [m.__name__ for m in union_members()]
    assert sorted(names) == sorted(DOMAIN_EVENTS)
    assert len(set(names)) == len(names)
    assert list(EVENT_TYPES) == union_members()


def test_every_event_type_has_exactly_one_example_named_after_it() -> None:
    found = examples()
    assert sorted(found) == sorted(snake(n) for n in DOMAIN_EVENTS)
    for stem, body in found.items():
        assert snake(body["type"]) == stem


@pytest.mark.parametrize("stem", sorted(examples()))
def test_each_example_parses_to_its_own_class(stem: str) -> None:
    body = examples()[stem]
    event = parse_event(body)
    assert type(event).__name__ == body["type"]
    # and it survives the trip an invoke makes: model -> JSON -> model
    assert parse_event(event.model_dump_json()) == event


def test_the_sqs_example_is_a_lambda_sqs_event_of_events() -> None:
    raw = json.loads((EVENTS_DIR / "sqs_batch.json").read_text())
    parsed = DataEventSqsEvent.model_validate(raw)
    assert [type(r.body).__name__ for r in parsed.Records] == [
        json.loads(r["body"])["type"] for r in raw["Records"]
    ]
    assert len({r.messageId for r in parsed.Records}) == len(parsed.Records)


@pytest.mark.parametrize("event", EVENT_TYPES, ids=lambda e: e.__name__)
def test_each_event_names_a_result_model(event: type[Event[Any]]) -> None:
    assert issubclass(event.result_model(), Result)


def test_result_models_are_the_ones_callers_expect() -> None:
    by_name = {e.__name__: e.result_model().__name__ for e in EVENT_TYPES}
    assert by_name["GetPortfolio"] == "Portfolio"
    assert by_name["GetJob"] == "JobView"
    assert by_name["CreateJob"] == "JobView"
    assert by_name["ListJobs"] == "JobPage"
    assert by_name["ListInstruments"] == "InstrumentPage"
    assert by_name["UpdatePrices"] == "PricesUpdated"
    assert by_name["DeleteAccount"] == "Deleted"
    assert GetPortfolio(clerk_user_id="u").parse_result(
        json.dumps(
            {
                "user": {
                    "clerk_user_id": "u",
                    "created_at": "2026-01-01T00:00:00Z",
                    "updated_at": "2026-01-01T00:00:00Z",
                }
            }
        )
    ) == Portfolio.model_validate(
        {
            "user": {
                "clerk_user_id": "u",
                "created_at": "2026-01-01T00:00:00Z",
                "updated_at": "2026-01-01T00:00:00Z",
            }
        }
    )


@pytest.mark.parametrize("stem", sorted(examples()))
def test_every_event_refuses_unknown_fields(stem: str) -> None:
    body = {**examples()[stem], "clerk_user_idd": "typo"}
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        parse_event(body)


@pytest.mark.parametrize("event", EVENT_TYPES, ids=lambda e: e.__name__)
def test_user_data_events_carry_clerk_user_id_and_job_events_job_id(
    event: type[Event[Any]],
) -> None:
    if event.__name__ in NOT_USER_SCOPED:
        assert "clerk_user_id" not in event.model_fields
        return
    assert issubclass(event, UserEvent)
    assert event.model_fields["clerk_user_id"].is_required()
    if event.__name__ in {
        "StartJob",
        "UpdateReport",
        "UpdateCharts",
        "UpdateRetirement",
        "UpdateSummary",
        "CompleteJob",
        "FailJob",
        "GetJob",
    }:
        assert issubclass(event, JobEvent)
        assert event.model_fields["job_id"].is_required()


@pytest.mark.parametrize("stem", sorted(set(examples()) - {snake(n) for n in NOT_USER_SCOPED}))
def test_user_events_without_clerk_user_id_are_refused(stem: str) -> None:
    body = {k: v for k, v in examples()[stem].items() if k != "clerk_user_id"}
    with pytest.raises(ValidationError, match="clerk_user_id"):
        parse_event(body)


def test_events_are_immutable() -> None:
    event = GetPortfolio(clerk_user_id="u")
    with pytest.raises(ValidationError):
        event.clerk_user_id = "someone_else"  # type: ignore[misc]


@pytest.mark.parametrize(
    "body",
    [
        {"clerk_user_id": "u"},  # no type
        {"type": "GetPortfolioo", "clerk_user_id": "u"},
        {"type": "getportfolio", "clerk_user_id": "u"},
        {"type": "GetPortfolio", "clerk_user_id": ""},
        {"type": "GetPortfolio", "clerk_user_id": "has space"},
        {"type": "GetPortfolio", "clerk_user_id": "x" * 256},
        {"type": "GetJob", "clerk_user_id": "u", "job_id": "not-a-uuid"},
    ],
)
def test_malformed_events_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        parse_event(body)


def test_events_parse_from_json_text_too() -> None:
    assert parse_event('{"type":"GetUser","clerk_user_id":"u"}').type == "GetUser"


# --- idempotency ids -----------------------------------------------------------------------


def test_created_ids_default_fresh_and_then_travel_with_the_event() -> None:
    # Given two CreateJob events built without ids
    first, second = CreateJob(clerk_user_id="u"), CreateJob(clerk_user_id="u")
    # Then each got its own id...
    assert first.job_id != second.job_id
    # ...which a redelivered copy of the message carries unchanged
    redelivered = parse_event(first.model_dump_json())
    assert isinstance(redelivered, CreateJob)
    assert redelivered.job_id == first.job_id
    account = CreateAccount(clerk_user_id="u", account_name="Brokerage")
    assert parse_event(account.model_dump_json()) == account
    assert isinstance(account.account_id, UUID)


def test_create_account_defaults_match_the_columns() -> None:
    # names are kept as sent (the JSON Schema's lengths hold for what is stored), never blank
    account = CreateAccount(clerk_user_id="u", account_name="  Brokerage  ")
    assert account.account_name == "  Brokerage  "
    with pytest.raises(ValidationError):
        CreateAccount(clerk_user_id="u", account_name=" \t ")
    assert account.cash_balance == Decimal(0)
    assert account.cash_interest == Decimal(0)
    assert account.account_type == "other"


# --- batches -------------------------------------------------------------------------------


def prices(n: int, *, start: int = 0) -> list[dict[str, str]]:
    return [{"symbol": f"S{i}", "current_price": "1.5"} for i in range(start, start + n)]


def test_batches_take_one_to_five_hundred_rows() -> None:
    assert len(UpdatePrices.model_validate({"prices": prices(500)}).prices) == 500
    for rows in (prices(0), prices(501)):
        with pytest.raises(ValidationError):
            UpdatePrices.model_validate({"prices": rows})
    with pytest.raises(ValidationError):
        GetInstruments.model_validate({"symbols": []})


def test_a_symbol_may_appear_once_per_batch_after_normalisation() -> None:
    # one statement cannot update a row twice: "spy" and "SPY" are the same row; the message
    # names the position, never the symbol sent
    with pytest.raises(ValidationError, match="repeated at 1"):
        UpdatePrices.model_validate(
            {
                "prices": [
                    {"symbol": "spy", "current_price": 1},
                    {"symbol": "SPY", "current_price": 2},
                ]
            }
        )
    with pytest.raises(ValidationError, match="repeated"):
        GetInstruments.model_validate({"symbols": ["BND", "bnd"]})
    row = {"symbol": "SPY", "name": "S&P", "instrument_type": "etf"}
    with pytest.raises(ValidationError, match="repeated"):
        UpsertInstruments.model_validate({"instruments": [row, row]})


def test_instrument_rows_hold_allocations_to_the_vocabularies() -> None:
    row = InstrumentIn.model_validate(
        {
            "symbol": "bnd",
            "name": "Bonds",
            "instrument_type": "bond_fund",
            "allocation_asset_class": {"fixed_income": 100},
        }
    )
    assert row.symbol == "BND"
    assert row.allocation_regions == {}
    with pytest.raises(ValidationError, match="sum to 100"):
        InstrumentIn.model_validate(
            {
                "symbol": "X",
                "name": "X",
                "instrument_type": "etf",
                "allocation_regions": {"europe": 50},
            }
        )
    with pytest.raises(ValidationError):
        InstrumentIn.model_validate({"symbol": "X", "name": "X", "instrument_type": "crypto"})


def test_paging_limits_have_bounds_and_defaults() -> None:
    assert ListJobs(clerk_user_id="u").limit == 20
    assert ListInstruments().limit == 100
    for bad in (0, 101):
        with pytest.raises(ValidationError):
            ListJobs(clerk_user_id="u", limit=bad)
    with pytest.raises(ValidationError):
        ListInstruments(limit=501)
    with pytest.raises(ValidationError):
        ListJobs(clerk_user_id="u", cursor="")


# --- updates --------------------------------------------------------------------------------


def test_upsert_user_needs_only_the_id() -> None:
    user = UpsertUser(clerk_user_id="u")
    assert user.display_name is None
    assert user.asset_class_targets is None
    with pytest.raises(ValidationError):
        UpsertUser(clerk_user_id="u", years_until_retirement=101)


def test_update_account_must_change_something() -> None:
    account_id = UUID("3f2a9c1e-5b7d-4e8a-9f10-2c4d6e8a0b11")
    with pytest.raises(ValidationError, match="at least one field"):
        UpdateAccount(clerk_user_id="u", account_id=account_id)
    with pytest.raises(ValidationError, match="at least one field"):
        UpdateAccount(clerk_user_id="u", account_id=account_id, account_name=None)
    update = UpdateAccount(clerk_user_id="u", account_id=account_id, cash_balance=Decimal("10.00"))
    assert update.account_name is None


def test_fail_job_cuts_long_messages_instead_of_refusing_them() -> None:
    # failing to record a failure would lose it
    event = FailJob(
        clerk_user_id="u", job_id=UUID(int=1), error_message="Traceback...\n" + "x" * 10_000
    )
    assert len(event.error_message) == 4000
    assert event.error_message.endswith("…")
    with pytest.raises(ValidationError):
        FailJob(clerk_user_id="u", job_id=UUID(int=1), error_message="")


def test_update_summary_takes_a_non_empty_object_patch() -> None:
    payload = SummaryPayload(summary="On track", key_findings=["a"])
    patch = payload.as_patch()
    assert patch == {"summary": "On track", "key_findings": ["a"]}
    event = UpdateSummary(clerk_user_id="u", job_id=UUID(int=1), summary_payload=payload)
    assert event.summary_payload.as_patch() == patch
    with pytest.raises(ValidationError):
        UpdateSummary(clerk_user_id="u", job_id=UUID(int=1), summary_payload=SummaryPayload())


def test_decimals_leave_as_strings() -> None:
    event = UpdatePrices.model_validate({"prices": [{"symbol": "SPY", "current_price": 589.42}]})
    assert json.loads(event.model_dump_json())["prices"][0]["current_price"] == "589.42"


@pytest.mark.parametrize(
    "patch",
    [
        {"completed_at": "2026-11-25T09:13:40"},  # naive: GetJob could never read it back
        {"key_findings": "one finding"},
        {"summary": {"text": "nested"}},
    ],
)
def test_update_summary_refuses_known_keys_of_the_wrong_type(patch: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        UpdateSummary.model_validate(
            {"clerk_user_id": "u", "job_id": UUID(int=1), "summary_payload": patch}
        )


def test_update_summary_keeps_keys_it_does_not_know() -> None:
    patch: dict[str, Any] = {"risk_flags": ["concentration"], "summary": "ok"}
    event = UpdateSummary(
        clerk_user_id="u", job_id=UUID(int=1), summary_payload=SummaryPayload.model_validate(patch)
    )
    assert event.summary_payload.as_patch() == patch


def test_update_summary_takes_a_typed_payload_and_the_wire_carries_the_keys_set() -> None:
    # Given the example as an agent sends it
    raw = json.loads((EVENTS_DIR / "update_summary.json").read_text())
    event = parse_event(raw)
    assert isinstance(event, UpdateSummary)
    # Then its payload is the typed model, the known keys typed
    assert isinstance(event.summary_payload, SummaryPayload)
    assert event.summary_payload.completed_at is not None
    assert event.summary_payload.completed_at.utcoffset() is not None
    # and its JSON is the example's, exactly: the wire format did not change
    assert json.loads(event.model_dump_json()) == raw
    # A payload built in Python sends only the keys set (a merge must not null the others)
    typed = UpdateSummary(
        clerk_user_id="u", job_id=UUID(int=1), summary_payload=SummaryPayload(summary="ok")
    )
    assert json.loads(typed.model_dump_json())["summary_payload"] == {"summary": "ok"}
    assert typed.model_dump()["summary_payload"] == {"summary": "ok"}


@pytest.mark.parametrize(
    "extra",
    [
        {"score": float("nan")},
        {"note": "a\x00b"},
        {"deep": json.loads("[" * 40 + "]" * 40)},
    ],
)
def test_update_summary_keys_it_does_not_know_must_be_storable_json(extra: dict[str, Any]) -> None:
    ids: dict[str, Any] = {"clerk_user_id": "u", "job_id": UUID(int=1)}
    # refused from the wire
    with pytest.raises(ValidationError):
        UpdateSummary.model_validate(ids | {"summary_payload": {"summary": "ok"} | extra})
    # and by the payload model itself, whose extra keys are storable JSON too
    with pytest.raises(ValidationError):
        SummaryPayload.model_validate({"summary": "ok"} | extra)


def test_an_update_summary_over_the_payload_limit_is_refused() -> None:
    big = SummaryPayload(summary="x" * (3 * 1024 * 1024))
    with pytest.raises(ValidationError, match="3 MiB"):
        UpdateSummary(clerk_user_id="u", job_id=UUID(int=1), summary_payload=big)


symbols = st.from_regex(r"[A-Z][A-Z0-9]{0,5}(\.[A-Z])?", fullmatch=True)
prices_4dp = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("99999999.9999"), places=4)


@given(st.dictionaries(symbols, prices_4dp, min_size=1, max_size=40))
def test_a_price_batch_survives_json_and_sqs_exactly(rows: dict[str, Decimal]) -> None:
    # Given any batch of distinct symbols with decimal(12,4) prices
    event = UpdatePrices.model_validate(
        {"prices": [{"symbol": s, "current_price": p} for s, p in rows.items()]}
    )
    # When it travels as an invoke payload and as an SQS record body
    direct = parse_event(json.loads(event.model_dump_json()))
    record = DataEventSqsRecord.model_validate({**SQS_RECORD, "body": event.model_dump_json()})
    # Then both arrive equal, digit for digit
    assert direct == event
    assert record.body == event
    assert {p.symbol: p.current_price for p in record.body.prices} == rows


SQS_RECORD: dict[str, Any] = {
    "messageId": "059f36b4-87a3-44ab-83d2-661975830a7d",
    "receiptHandle": "AQEB",
    "attributes": {
        "ApproximateReceiveCount": "1",
        "SentTimestamp": "1764061200000",
        "SenderId": "AROAEXAMPLE",
        "ApproximateFirstReceiveTimestamp": "1764061200012",
    },
    "messageAttributes": {},
    "md5OfBody": "0" * 32,
    "eventSource": "aws:sqs",
    "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:alex-data-jobs",
    "awsRegion": "us-east-1",
}
