"""What a refused event is told: fields named, values never quoted, bounded length; and the
inputs that must be refused, a bad SQS record failing alone: timestamps out of range, records
missing a field or a message id, deeply nested JSON, NaN, lax integers, a body that is not JSON."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from alex_data.handler import build_handler
from alex_data.problems import MAX_MESSAGE, describe_validation, unknown_event_type
from alex_data_dev.testing import LocalLambdaContext, sqs_record
from alex_schemas.events import data_event_adapter
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from tests.unit.handler.test_bad_input import Recorder

JOB = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d61"
REPORT = {
    "type": "UpdateReport",
    "clerk_user_id": "u",
    "job_id": JOB,
    "report_payload": {"content": "# Report", "generated_at": "2026-11-25T09:00:00Z"},
}


def problems(event: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        data_event_adapter().validate_python(event)
    return describe_validation(caught.value)


def answer(event: Any) -> tuple[Any, Recorder]:
    recorder = Recorder()
    handler = build_handler(recorder, lambda: recorder)
    return handler(event, cast(LambdaContext, LocalLambdaContext())), recorder


@pytest.mark.parametrize(
    ("sent", "told"),
    [
        ("getuser", "unknown event type; did you mean GetUser?"),
        ("GetUsr", "unknown event type; did you mean GetUser?"),
        ("get_portfolio", "unknown event type; did you mean GetPortfolio?"),
        ("CreateJobs", "unknown event type; did you mean CreateJob?"),
        ("Get\x00User", "unknown event type; did you mean GetUser?"),
    ],
)
def test_an_unknown_type_close_to_one_is_told_the_closest(sent: str, told: str) -> None:
    assert unknown_event_type(sent) == told
    assert problems({"type": sent}) == f"type: {told}"


@pytest.mark.parametrize("sent", ["DropTables", "x" * 1_000_000, 5, ["GetUser"]])
def test_an_unknown_type_far_from_any_is_told_the_valid_types(sent: Any) -> None:
    message = problems({"type": sent})
    assert message.startswith("type: unknown event type; valid types: UpsertUser, GetUser,")
    assert len(message) <= MAX_MESSAGE
    if isinstance(sent, str):
        assert sent not in message


def test_a_missing_type_is_told_what_types_there_are() -> None:
    assert problems({"clerk_user_id": "u"}).startswith("type: a `type` is required: one of ")


def test_messages_stay_bounded_however_many_problems() -> None:
    event = {"type": "UpsertInstruments", "instruments": [{"symbol": "x" * 100}] * 400}
    message = problems(event)
    assert len(message) <= MAX_MESSAGE
    assert message.endswith("more")
    assert "UpsertInstruments.instruments.0.symbol" in message


def test_a_key_that_is_no_field_name_is_not_quoted() -> None:
    event = {"type": "GetUser", "clerk_user_id": "u", "x" * 5000: 1, "a\x00b": 2}
    message = problems(event)
    assert "xxxxx" not in message
    assert "\x00" not in message
    assert "GetUser.<key>: Extra inputs are not permitted" in message


def test_a_uuid_problem_quotes_no_character_of_it() -> None:
    message = problems({"type": "GetJob", "clerk_user_id": "u", "job_id": "Zq9-not-a-uuid"})
    assert message == (
        "GetJob.job_id: Input should be a UUID such as 9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d61"
    )


# --- the classes of input that once got through -------------------------------------------


@pytest.mark.parametrize("generated_at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_a_timestamp_leaving_the_range_in_utc_is_a_validation_error(generated_at: str) -> None:
    event = {**REPORT, "report_payload": {"content": "x", "generated_at": generated_at}}
    got, recorder = answer(event)
    assert got["error"]["code"] == "ValidationError"
    assert "UpdateReport.report_payload.generated_at" in got["error"]["message"]
    assert recorder.dispatched == []


def test_that_timestamp_in_a_batch_fails_its_record_alone() -> None:
    payload = {"content": "x", "generated_at": "0001-01-01T00:00:00+05:00"}
    bad = {**REPORT, "report_payload": payload}
    batch = {
        "Records": [
            sqs_record(REPORT, message_id="m1"),
            sqs_record(bad, message_id="m2"),
            sqs_record(REPORT, message_id="m3"),
        ]
    }
    got, recorder = answer(batch)
    assert got == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert len(recorder.dispatched) == 2


@pytest.mark.parametrize("missing", ["body", "attributes", "receiptHandle", "eventSource"])
def test_a_record_missing_a_field_fails_alone(missing: str) -> None:
    broken = sqs_record(REPORT, message_id="m2")
    del broken[missing]
    got, recorder = answer({"Records": [sqs_record(REPORT, message_id="m1"), broken]})
    assert got == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert len(recorder.dispatched) == 1


@pytest.mark.parametrize("message_id", [None, 5, ["m2"]])
def test_a_record_without_a_string_message_id_is_left_out_and_the_rest_run(
    message_id: Any,
) -> None:
    broken = sqs_record(REPORT, message_id="m2")
    if message_id is None:
        del broken["messageId"]
    else:
        broken["messageId"] = message_id
    got, recorder = answer(
        {"Records": [sqs_record(REPORT, message_id="m1"), broken, "not a record"]}
    )
    # no id can name it; an empty or unknown id would make Lambda fail the whole batch
    assert got == {"batchItemFailures": []}
    assert len(recorder.dispatched) == 1


def test_deeply_nested_json_anywhere_is_a_validation_error() -> None:
    deep: Any = 1
    for _ in range(5000):
        deep = [deep]
    for event in (
        {"type": "CreateJob", "clerk_user_id": "u", "request_payload": {"x": deep}},
        {"type": "GetJob", "clerk_user_id": "u", "job_id": deep},
        {"type": deep},
    ):
        got, recorder = answer(event)
        assert got["error"]["code"] == "ValidationError"
        assert recorder.dispatched == []


def test_nan_in_free_json_is_a_validation_error() -> None:
    event = {"type": "CreateJob", "clerk_user_id": "u", "request_payload": {"x": float("nan")}}
    got, _ = answer(event)
    assert got["error"] == {
        "code": "ValidationError",
        "message": "CreateJob.request_payload.x: JSON numbers must be finite (no NaN or Infinity)",
        "retryable": False,
    }


@pytest.mark.parametrize("years", [True, "25"])
def test_lax_integers_are_refused(years: Any) -> None:
    got, _ = answer({"type": "UpsertUser", "clerk_user_id": "u", "years_until_retirement": years})
    assert got["error"]["code"] == "ValidationError"
    assert "years_until_retirement" in got["error"]["message"]


def test_a_body_that_is_not_json_fails_its_record_and_says_so() -> None:
    from alex_data.handler import decorate
    from alex_data.invocation import DataFunction

    recorder = Recorder()
    function = DataFunction(recorder, lambda: recorder)
    decorate(function)(
        {"Records": [sqs_record("{" * 5000, message_id="m1")]},
        cast(LambdaContext, LocalLambdaContext()),
    )
    code, message = function.record_failures["m1"]
    assert code == "ValidationError"
    assert message.startswith("body: Invalid JSON")
    assert len(json.dumps(message)) <= MAX_MESSAGE + 2
