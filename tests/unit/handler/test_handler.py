"""The handler with a fake dispatcher and a fake database: envelope, validation, errors,
deadline, SQS partial batches, metrics and correlation ids."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

import pytest
from alex_data.handler import build_handler
from alex_data.invocation import Dispatcher, is_sqs_batch
from alex_data.logs import logger
from alex_data.sql_runner import SqlRunner
from alex_data_dev.testing import LocalLambdaContext, sqs_record
from alex_schemas.errors import (
    ConflictError,
    DataError,
    InternalError,
    NotFoundError,
    UnavailableError,
    ValidationFailedError,
)
from alex_schemas.events import DataEvent
from alex_schemas.results import Result
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

JOB = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d61"
GET_JOB = {"type": "GetJob", "clerk_user_id": "user_1", "job_id": JOB}
GET_USER = {"type": "GetUser", "clerk_user_id": "user_1"}


class Echo(Result):
    event_type: str
    amount: Decimal


@dataclass
class FakeDatabase:
    budgets: list[float] = field(default_factory=list)

    def session(self, seconds: float) -> SqlRunner:
        self.budgets.append(seconds)
        return cast(SqlRunner, self)


@dataclass
class FakeDispatcher:
    """Answers an Echo, or raises what `failures` names for a clerk_user_id."""

    failures: dict[str, Exception] = field(default_factory=dict)
    seen: list[DataEvent] = field(default_factory=list)

    def __call__(self, event: DataEvent, db: SqlRunner) -> Result:
        self.seen.append(event)
        user = getattr(event, "clerk_user_id", "")
        if user in self.failures:
            raise self.failures[user]
        return Echo(event_type=event.type, amount=Decimal("12.50"))


def context(remaining_s: float = 30.0) -> LambdaContext:
    return LocalLambdaContext(timeout_ms=int(remaining_s * 1000))


def make(
    dispatcher: Dispatcher | None = None, database: FakeDatabase | None = None
) -> Callable[[Any, LambdaContext], Any]:
    db = database or FakeDatabase()
    return build_handler(dispatcher or FakeDispatcher(), lambda: db)


# --- direct invoke ----------------------------------------------------------------------------


def test_a_direct_event_is_answered_with_the_ok_envelope() -> None:
    dispatcher = FakeDispatcher()
    answer = make(dispatcher)(GET_JOB, context())
    # decimals travel as strings, the answer is JSON as it stands
    assert answer == {"ok": True, "result": {"event_type": "GetJob", "amount": "12.50"}}
    assert json.loads(json.dumps(answer)) == answer
    assert [e.type for e in dispatcher.seen] == ["GetJob"]


@pytest.mark.parametrize(
    ("failure", "code", "retryable"),
    [
        (ValidationFailedError("years out of range"), "ValidationError", False),
        (NotFoundError("no job"), "NotFound", False),
        (ConflictError("job already completed"), "Conflict", False),
        (UnavailableError("the database is resuming"), "Unavailable", True),
        (InternalError("the database rejected a statement"), "Internal", False),
    ],
)
def test_domain_errors_become_the_error_envelope(
    failure: DataError, code: str, retryable: bool
) -> None:
    answer = make(FakeDispatcher({"user_1": failure}))(GET_USER, context())
    assert answer == {
        "ok": False,
        "error": {"code": code, "message": failure.message, "retryable": retryable},
    }


def test_an_unexpected_error_is_internal_and_leaks_nothing() -> None:
    failure = RuntimeError("password=hunter2 at line 42")
    ctx = context()
    answer = make(FakeDispatcher({"user_1": failure}))(GET_USER, ctx)
    assert answer["ok"] is False
    assert answer["error"]["code"] == "Internal"
    assert answer["error"]["retryable"] is False
    assert "hunter2" not in answer["error"]["message"]
    assert ctx.aws_request_id in answer["error"]["message"]


@pytest.mark.parametrize(
    ("event", "mentions"),
    [
        ({"type": "GetJob", "clerk_user_id": "user_1"}, "GetJob.job_id: Field required"),
        ({"type": "GetJob", "clerk_user_id": "user_1", "job_id": "nope"}, "GetJob.job_id"),
        # the value sent is never quoted; the valid types are listed instead
        ({"type": "Teleport"}, "type: unknown event type; valid types: UpsertUser, GetUser"),
        ({"clerk_user_id": "user_1"}, "type"),
        ({**GET_USER, "extra": 1}, "GetUser.extra: Extra inputs are not permitted"),
        ([1, 2], "must be a JSON object"),
    ],
)
def test_an_invalid_event_is_a_validation_error_naming_the_field(event: Any, mentions: str) -> None:
    dispatcher = FakeDispatcher()
    answer = make(dispatcher)(event, context())
    assert answer["ok"] is False
    assert answer["error"]["code"] == "ValidationError"
    assert answer["error"]["retryable"] is False
    assert mentions in answer["error"]["message"]
    assert dispatcher.seen == []


def test_the_database_gets_the_invocations_remaining_time_less_a_margin() -> None:
    database = FakeDatabase()
    make(database=database)(GET_USER, context(remaining_s=10.0))
    (budget,) = database.budgets
    assert 8.0 < budget <= 8.5


def test_a_misconfigured_function_answers_internal() -> None:
    def broken() -> FakeDatabase:
        raise InternalError("invalid configuration: AURORA_CLUSTER_ARN: Field required")

    handler = build_handler(FakeDispatcher(), broken)
    answer = handler(GET_USER, context())
    assert answer["error"]["code"] == "Internal"
    assert "AURORA_CLUSTER_ARN" in answer["error"]["message"]


# --- SQS --------------------------------------------------------------------------------------


def test_an_sqs_batch_reports_only_the_records_that_failed() -> None:
    # Given a batch: two good events, a poison body, an invalid event, a lasting failure and a
    # retryable one
    dispatcher = FakeDispatcher(
        {"gone": NotFoundError("no job"), "later": UnavailableError("the database is resuming")}
    )
    batch = {
        "Records": [
            sqs_record(GET_JOB, message_id="m1"),
            sqs_record("{not json", message_id="m2"),
            sqs_record({"type": "GetJob", "clerk_user_id": "user_1"}, message_id="m3"),
            sqs_record({**GET_USER, "clerk_user_id": "gone"}, message_id="m4"),
            sqs_record({**GET_USER, "clerk_user_id": "later"}, message_id="m5"),
            sqs_record(GET_USER, message_id="m6"),
        ]
    }
    # When the handler processes it
    answer = make(dispatcher)(batch, context())
    # Then every failed record is reported (SQS redelivers it; after maxReceiveCount it goes to
    # the DLQ) and the good ones were processed
    assert answer == {
        "batchItemFailures": [
            {"itemIdentifier": "m2"},
            {"itemIdentifier": "m3"},
            {"itemIdentifier": "m4"},
            {"itemIdentifier": "m5"},
        ]
    }
    assert [getattr(e, "clerk_user_id", None) for e in dispatcher.seen] == [
        "user_1",
        "gone",
        "later",
        "user_1",
    ]


def test_a_batch_where_every_record_fails_is_still_answered() -> None:
    batch = {
        "Records": [
            sqs_record("{not json", message_id="m1"),
            sqs_record({"type": "Nope"}, message_id="m2"),
        ]
    }
    answer = make()(batch, context())
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}


def test_a_successful_batch_reports_no_failures() -> None:
    answer = make()({"Records": [sqs_record(GET_USER, message_id="m1")]}, context())
    assert answer == {"batchItemFailures": []}


def test_only_sqs_shaped_events_take_the_batch_path() -> None:
    assert is_sqs_batch({"Records": [sqs_record(GET_USER, message_id="m1")]})
    assert not is_sqs_batch({"Records": []})
    assert not is_sqs_batch({"Records": [{"eventSource": "aws:s3"}]})
    assert not is_sqs_batch(GET_USER)
    assert not is_sqs_batch([1])


# --- observability ----------------------------------------------------------------------------


def _json_lines(text: str) -> list[dict[str, Any]]:
    lines = []
    for line in text.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def test_each_event_emits_count_latency_and_errors_by_type(
    capfd: pytest.CaptureFixture[str],
) -> None:
    dispatcher = FakeDispatcher({"gone": NotFoundError("no job")})
    make(dispatcher)(
        {
            "Records": [
                sqs_record(GET_JOB, message_id="m1"),
                sqs_record({**GET_USER, "clerk_user_id": "gone"}, message_id="m2"),
            ]
        },
        context(),
    )
    emitted = [line for line in _json_lines(capfd.readouterr().out) if "_aws" in line]
    by_type = {line["event_type"]: line for line in emitted if "event_type" in line}
    assert by_type["GetJob"]["Events"] == [1.0]
    assert by_type["GetJob"]["Errors"] == [0.0]
    assert by_type["GetUser"]["Errors"] == [1.0]
    assert "Latency" in by_type["GetUser"]
    assert by_type["GetUser"]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Alex"
    totals = next(line for line in emitted if "RecordFailures" in line)
    assert totals["Records"] == [2.0]
    assert totals["RecordFailures"] == [1.0]


def test_logs_carry_the_job_id_as_correlation_id(caplog: pytest.LogCaptureFixture) -> None:
    make(FakeDispatcher({"user_1": ConflictError("job already completed")}))(GET_JOB, context())
    assert logger.get_correlation_id() == JOB
    failed = next(r for r in caplog.records if r.getMessage() == "event failed")
    assert failed.__dict__["code"] == "Conflict"
    assert failed.__dict__["event_type"] == "GetJob"


def test_each_sqs_record_is_logged_under_its_own_job_or_message_id() -> None:
    make()({"Records": [sqs_record(GET_USER, message_id="m1")]}, context())
    assert logger.get_correlation_id() == "m1"


def test_a_validation_error_inside_an_operation_is_not_mistaken_for_a_poison_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given an operation that breaks building its own result (a bug, not a bad message)
    try:
        Echo.model_validate({"event_type": "x", "amount": "lots"})
    except ValidationError as exc:
        bug = exc
    dispatcher = FakeDispatcher({"user_1": bug})
    # When its record is processed
    answer = make(dispatcher)({"Records": [sqs_record(GET_USER, message_id="m1")]}, context())
    # Then the record is reported, and logged as an unexpected failure with its traceback
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    messages = [r.getMessage() for r in caplog.records]
    assert "SQS record failed unexpectedly; reported for redelivery" in messages
    failed = next(r for r in caplog.records if "unexpectedly" in r.getMessage())
    assert failed.__dict__["receive_count"] == 1
    assert not any("not a valid event" in m for m in messages)


def test_a_poison_record_is_logged_as_one(caplog: pytest.LogCaptureFixture) -> None:
    make()({"Records": [sqs_record({"type": "GetUser"}, message_id="m1")]}, context())
    poison = next(r for r in caplog.records if "not a valid event" in r.getMessage())
    assert poison.__dict__["message_id"] == "m1"
    assert poison.__dict__["receive_count"] == 1
    assert "clerk_user_id" in poison.__dict__["problems"]


def test_an_internal_failure_is_logged_at_error_with_its_cause_and_the_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given an operation failing on a statement the database rejected
    failure = InternalError("the database rejected a statement", detail="SQLSTATE 42P01: x")
    dispatcher = FakeDispatcher({"user_1": failure})
    invocation = context()
    answer = make(dispatcher)(GET_USER, invocation)
    # Then the caller learns only that it was internal, and the log line says why
    assert answer["error"] == {
        "code": "Internal",
        "message": "the database rejected a statement",
        "retryable": False,
    }
    (record,) = [r for r in caplog.records if r.getMessage() == "event failed"]
    logged = json.loads(logger.registered_formatter.format(record))
    assert logged["level"] == "ERROR"
    assert logged["cause"] == "SQLSTATE 42P01: x"
    assert logged["function_request_id"] == invocation.aws_request_id


def test_an_expected_failure_stays_at_info_without_a_cause(
    caplog: pytest.LogCaptureFixture,
) -> None:
    make(FakeDispatcher({"user_1": NotFoundError("no user")}))(GET_USER, context())
    failed = next(r for r in caplog.records if r.getMessage() == "event failed")
    assert failed.levelname == "INFO"
    assert "cause" not in failed.__dict__


def test_the_function_keeps_each_failed_records_reason_for_tools() -> None:
    from alex_data.handler import decorate
    from alex_data.invocation import DataFunction

    function = DataFunction(FakeDispatcher({"user_2": ConflictError("busy")}), FakeDatabase)
    handler = decorate(function)
    batch = {
        "Records": [
            sqs_record(GET_USER, message_id="m1"),
            sqs_record({**GET_USER, "clerk_user_id": "user_2"}, message_id="m2"),
            sqs_record({"type": "GetUser"}, message_id="m3"),
        ]
    }
    handler(batch, context())
    reasons = function.record_failures
    assert set(reasons) == {"m2", "m3"}
    assert reasons["m2"] == ("Conflict", "busy")
    assert reasons["m3"][0] == "ValidationError"
    # and only for the last batch
    handler({"Records": [sqs_record(GET_USER, message_id="m1")]}, context())
    assert function.record_failures == {}
