"""DataClient and its transports: Lambda through botocore's Stubber, SQS through moto, and
in-process."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import boto3
import pytest
from alex_data_dev.testing import InProcessTransport
from alex_schemas import (
    CompleteJob,
    ConflictError,
    DataError,
    GetPortfolio,
    InternalError,
    JobSummary,
    NotFoundError,
    Portfolio,
    StartJob,
    UnavailableError,
    UpdatePrices,
    UpdateReport,
    UserView,
    ValidationFailedError,
    parse_event,
)
from alex_schemas.client import FUNCTION_NAME_ENV, QUEUE_URL_ENV, DataClient
from alex_schemas.envelope import ErrorCode, error, ok
from alex_schemas.payloads import ReportPayload
from alex_schemas.sqs import DataEventSqsEvent
from alex_schemas.transports import MAX_BATCH_BYTES, LambdaTransport, _chunks
from botocore.response import StreamingBody
from botocore.stub import Stubber
from moto import mock_aws
from pydantic import ValidationError

from tests.unit.schemas import samples

JOB = UUID(samples.JOB_ID)


pytestmark = pytest.mark.usefixtures("aws_env")


def body(payload: Any) -> StreamingBody:
    raw = json.dumps(payload).encode()
    return StreamingBody(io.BytesIO(raw), len(raw))


@pytest.fixture
def lambda_stub() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("lambda", region_name="us-east-1")
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


def expect_invoke(stub: Stubber, function: str, event: Any, response: dict[str, Any]) -> None:
    stub.add_response(
        "invoke",
        {"StatusCode": 200, **response},
        {
            "FunctionName": function,
            "InvocationType": "RequestResponse",
            "Payload": event.model_dump_json().encode(),
        },
    )


# --- invoke -----------------------------------------------------------------------------------


def test_call_sends_the_event_and_returns_its_typed_result(
    lambda_stub: tuple[Any, Stubber],
) -> None:
    client, stub = lambda_stub
    event = GetPortfolio(clerk_user_id=samples.USER)
    # Given the function answers an ok envelope holding a portfolio
    expect_invoke(stub, "alex-data", event, {"Payload": body(ok(samples.portfolio()))})
    # When an agent calls it
    result = DataClient("alex-data", lambda_client=client).call(event)
    # Then it gets a Portfolio back, equal to what the function sent
    assert isinstance(result, Portfolio)
    assert result == samples.portfolio()


def test_the_function_name_comes_from_the_environment(
    lambda_stub: tuple[Any, Stubber], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, stub = lambda_stub
    monkeypatch.setenv(
        FUNCTION_NAME_ENV, "arn:aws:lambda:us-east-1:123456789012:function:alex-data"
    )
    event = StartJob(clerk_user_id=samples.USER, job_id=JOB)
    expect_invoke(
        stub,
        "arn:aws:lambda:us-east-1:123456789012:function:alex-data",
        event,
        {"Payload": body(ok(JobSummary.model_validate(samples.job_summary())))},
    )
    assert DataClient(lambda_client=client).call(event).status == "running"


@pytest.mark.parametrize(
    ("code", "exc"),
    [
        (ErrorCode.NOT_FOUND, NotFoundError),
        (ErrorCode.CONFLICT, ConflictError),
        (ErrorCode.VALIDATION_ERROR, ValidationFailedError),
        (ErrorCode.UNAVAILABLE, UnavailableError),
        (ErrorCode.INTERNAL, InternalError),
    ],
)
def test_error_envelopes_raise_the_matching_exception(
    lambda_stub: tuple[Any, Stubber], code: ErrorCode, exc: type[DataError]
) -> None:
    client, stub = lambda_stub
    event = CompleteJob(clerk_user_id=samples.USER, job_id=JOB)
    expect_invoke(stub, "alex-data", event, {"Payload": body(error(code, "job is pending"))})
    with pytest.raises(exc, match="job is pending") as raised:
        DataClient("alex-data", lambda_client=client).call(event)
    assert raised.value.retryable is (code == ErrorCode.UNAVAILABLE)


@pytest.mark.parametrize(
    ("payload", "exc"),
    [
        ({"errorType": "KeyError", "errorMessage": "'type'"}, InternalError),
        (
            {"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out after 30.00 seconds"},
            UnavailableError,
        ),
    ],
)
def test_an_unhandled_function_error_is_raised_not_parsed(
    lambda_stub: tuple[Any, Stubber], payload: dict[str, str], exc: type[DataError]
) -> None:
    client, stub = lambda_stub
    event = GetPortfolio(clerk_user_id=samples.USER)
    expect_invoke(
        stub, "alex-data", event, {"FunctionError": "Unhandled", "Payload": body(payload)}
    )
    with pytest.raises(exc, match=payload["errorType"]):
        DataClient("alex-data", lambda_client=client).call(event)


@pytest.mark.parametrize(
    ("aws_code", "status", "exc"),
    [
        ("TooManyRequestsException", 429, UnavailableError),
        ("ServiceException", 500, UnavailableError),
        ("ResourceNotFoundException", 404, InternalError),
        ("AccessDeniedException", 403, InternalError),
    ],
)
def test_lambda_api_errors_are_translated(
    lambda_stub: tuple[Any, Stubber], aws_code: str, status: int, exc: type[DataError]
) -> None:
    client, stub = lambda_stub
    stub.add_client_error("invoke", service_error_code=aws_code, http_status_code=status)
    with pytest.raises(exc, match=aws_code):
        DataClient("alex-data", lambda_client=client).call(GetPortfolio(clerk_user_id="u"))


def test_without_a_function_name_the_client_says_which_variable_to_set() -> None:
    with pytest.raises(InternalError, match=FUNCTION_NAME_ENV):
        DataClient(lambda_client=boto3.client("lambda")).call(GetPortfolio(clerk_user_id="u"))


# --- in process -------------------------------------------------------------------------------


def test_in_process_calls_the_handler_with_what_lambda_would_deliver() -> None:
    seen: list[tuple[dict[str, Any], Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        seen.append((event, context))
        return ok(samples.portfolio())

    event = GetPortfolio(clerk_user_id=samples.USER)
    result = DataClient(transport=InProcessTransport(handler)).call(event)
    assert result == samples.portfolio()
    ((delivered, context),) = seen
    assert delivered == json.loads(event.model_dump_json())
    assert parse_event(delivered) == event
    assert 0 < context.get_remaining_time_in_millis() <= 30_000
    assert context.invoked_function_arn.endswith(":function:alex-data-local")


def test_in_process_handler_crash_is_an_internal_error() -> None:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        raise KeyError("type")

    with pytest.raises(InternalError, match="KeyError"):
        DataClient(transport=InProcessTransport(handler)).call(GetPortfolio(clerk_user_id="u"))


def test_in_process_enqueue_delivers_an_sqs_event_of_events() -> None:
    batches: list[dict[str, Any]] = []

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        batches.append(event)
        return {"batchItemFailures": []}

    events = [StartJob(clerk_user_id="u", job_id=JOB), CompleteJob(clerk_user_id="u", job_id=JOB)]
    ids = DataClient(transport=InProcessTransport(handler)).enqueue_batch(events)
    (batch,) = batches
    parsed = DataEventSqsEvent.model_validate(batch)
    assert [r.body for r in parsed.Records] == events
    assert [r.messageId for r in parsed.Records] == ids


def test_in_process_enqueue_reports_records_the_handler_failed() -> None:
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}

    with pytest.raises(UnavailableError, match="failed records"):
        DataClient(transport=InProcessTransport(handler)).enqueue(
            StartJob(clerk_user_id="u", job_id=JOB)
        )


# --- SQS ----------------------------------------------------------------------------------------


@pytest.fixture
def queue() -> Iterator[tuple[Any, str]]:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="alex-data-jobs")["QueueUrl"]
        yield sqs, url


def receive_all(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        messages.extend(batch)
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return messages


def test_an_enqueued_event_arrives_as_its_json(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    event = UpdatePrices.model_validate(
        {"prices": [{"symbol": "SPY", "current_price": "591.1800"}]}
    )
    message_id = DataClient(sqs_client=sqs, queue_url=url).enqueue(event)
    (message,) = receive_all(sqs, url)
    assert message["MessageId"] == message_id
    # the body is what the function's SQS record model parses, exactly
    assert parse_event(message["Body"]) == event
    assert json.loads(message["Body"])["prices"][0]["current_price"] == "591.1800"


def test_enqueue_batch_sends_at_most_ten_per_call(
    queue: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    sqs, url = queue
    monkeypatch.setenv(QUEUE_URL_ENV, url)
    calls: list[int] = []
    sqs.meta.events.register(
        "provide-client-params.sqs.SendMessageBatch",
        lambda params, **_: calls.append(len(params["Entries"])),
    )
    events = [StartJob(clerk_user_id=f"user_{i}", job_id=UUID(int=i)) for i in range(23)]
    # When 23 events are enqueued (queue URL from the environment)
    ids = DataClient(sqs_client=sqs).enqueue_batch(events)
    # Then they went in three batches, and every one arrived once
    assert calls == [10, 10, 3]
    assert len(set(ids)) == 23
    received = {m["MessageId"]: parse_event(m["Body"]) for m in receive_all(sqs, url)}
    assert [received[i] for i in ids] == events


def test_a_refused_batch_entry_raises() -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    with Stubber(sqs) as stub:
        stub.add_response(
            "send_message_batch",
            {
                "Successful": [],
                "Failed": [
                    {
                        "Id": "0",
                        "SenderFault": True,
                        "Code": "InvalidMessageContents",
                        "Message": "bad",
                    }
                ],
            },
        )
        with pytest.raises(ValidationFailedError, match="1 of 1 messages not sent: 0: bad"):
            DataClient(sqs_client=sqs, queue_url="https://sqs.example/q").enqueue_batch(
                [StartJob(clerk_user_id="u", job_id=JOB)]
            )


def test_batches_also_respect_the_size_limit() -> None:
    # SQS takes 1 MiB of bodies per batch, as for one message
    big = "x" * (400 * 1024)
    assert [len(c) for c in _chunks([big] * 5)] == [2, 2, 1]
    assert [len(c) for c in _chunks(["e"] * 25)] == [10, 10, 5]
    assert list(_chunks([])) == []
    assert all(sum(len(b) for b in c) <= MAX_BATCH_BYTES for c in _chunks([big] * 5))


def test_without_a_queue_url_the_client_says_which_variable_to_set() -> None:
    with pytest.raises(InternalError, match=QUEUE_URL_ENV):
        DataClient(sqs_client=boto3.client("sqs")).enqueue(StartJob(clerk_user_id="u", job_id=JOB))


# --- import cost ----------------------------------------------------------------------------------


def assert_not_loaded(program: str, modules: tuple[str, ...]) -> None:
    """`program` run in a fresh interpreter leaves none of `modules` imported."""
    code = (
        f"import sys; {program}; "
        f"heavy = [m for m in {modules!r} if m in sys.modules]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    # our own interpreter on a constant program
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_importing_the_layer_loads_neither_boto3_nor_powertools() -> None:
    assert_not_loaded(
        "import alex_schemas",
        ("boto3", "botocore", "aws_lambda_powertools", "alex_schemas.client"),
    )


def test_a_client_loads_no_aws_sdk_until_it_sends() -> None:
    # Agents build their client at cold start; boto3 costs its import only on the first call.
    assert_not_loaded(
        "from alex_schemas.client import DataClient; DataClient('alex-data')",
        ("boto3", "botocore"),
    )


def test_call_any_validates_the_result_of_an_event_known_only_at_run_time() -> None:
    # Given an event read from a file, typed only as the union
    event = parse_event('{"type": "GetUser", "clerk_user_id": "user_demo_001"}')
    client = DataClient(
        transport=InProcessTransport(
            lambda _event, _context: ok(UserView.model_validate(samples.user_view()))
        )
    )
    # Then its own result model is used
    result = client.call_any(event)
    assert isinstance(result, UserView)
    # and an answer of the wrong shape is refused, not passed through
    wrong = DataClient(
        transport=InProcessTransport(lambda _event, _context: {"ok": True, "result": {"user": {}}})
    )
    with pytest.raises(InternalError, match="answer to GetUser is not a valid UserView") as raised:
        wrong.call_any(event)
    assert isinstance(raised.value.__cause__, ValidationError)


@pytest.mark.parametrize(
    ("aws_code", "status", "exc"),
    [
        ("AWS.SimpleQueueService.NonExistentQueue", 400, InternalError),
        ("AccessDenied", 403, InternalError),
        ("RequestThrottled", 403, UnavailableError),
        ("InternalError", 500, UnavailableError),
    ],
)
def test_sqs_errors_say_whether_waiting_helps(
    aws_code: str, status: int, exc: type[DataError]
) -> None:
    sqs = boto3.client("sqs", region_name="us-east-1")
    with Stubber(sqs) as stub:
        stub.add_client_error("send_message", service_error_code=aws_code, http_status_code=status)
        with pytest.raises(exc, match=aws_code) as raised:
            DataClient(sqs_client=sqs, queue_url="https://sqs.example/q").enqueue(
                StartJob(clerk_user_id="u", job_id=JOB)
            )
    assert raised.value.retryable is (exc is UnavailableError)


def test_the_default_lambda_client_outwaits_the_longest_function() -> None:
    # a read timeout under Lambda's 900 s cap would abandon, then re-invoke, a working call
    config = LambdaTransport("alex-data")._client().meta.config
    assert getattr(config, "read_timeout", 0) > 900
    assert getattr(config, "retries", None) == {"mode": "standard", "total_max_attempts": 3}


def _recording_handler(seen: list[Any]) -> Any:
    def handler(event: dict[str, Any], context: Any) -> Any:
        seen.append(event)
        return {"ok": True, "result": {}}

    return handler


def test_an_event_over_an_sqs_message_is_refused_before_it_is_sent() -> None:
    seen: list[Any] = []
    client = DataClient(transport=InProcessTransport(_recording_handler(seen)))
    # a 2 MB report is a valid event (direct invokes carry 6 MB) but no SQS message
    event = UpdateReport(
        clerk_user_id="u", job_id=JOB, report_payload=ReportPayload(content="x" * 2_000_000)
    )
    with pytest.raises(ValidationFailedError, match=r"2,000,\d{3} bytes .* 1,048,576 bytes"):
        client.enqueue(event)
    with pytest.raises(ValidationFailedError, match="an SQS message"):
        client.enqueue_batch([StartJob(clerk_user_id="u", job_id=JOB), event])
    assert seen == []


def test_an_event_over_a_synchronous_invoke_is_refused_before_it_is_sent() -> None:
    seen: list[Any] = []
    client = DataClient(transport=InProcessTransport(_recording_handler(seen)))
    # no valid event is this large: built without validation, as a buggy caller might
    report = ReportPayload.model_construct(content="x" * 7_000_000, agent="reporter")
    event = UpdateReport.model_construct(
        type="UpdateReport", clerk_user_id="u", job_id=JOB, report_payload=report
    )
    with pytest.raises(ValidationFailedError, match=r"6,291,456 bytes a synchronous invoke"):
        client.call(event)
    assert seen == []
