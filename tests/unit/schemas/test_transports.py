"""The transport protocol: each transport carries an event's JSON, and the client chooses its
transports from its configuration."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import boto3
import pytest
from alex_data_dev.testing import InProcessTransport, LocalLambdaContext, sqs_record
from alex_schemas import (
    GetPortfolio,
    InternalError,
    Portfolio,
    StartJob,
    ValidationFailedError,
    parse_event,
)
from alex_schemas.client import FUNCTION_NAME_ENV, QUEUE_URL_ENV, DataClient
from alex_schemas.envelope import ok
from alex_schemas.sqs import DataEventSqsEvent
from alex_schemas.transports import (
    CallTransport,
    LambdaTransport,
    QueueTransport,
    SqsTransport,
    Transport,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from moto import mock_aws

from tests.unit.schemas import samples

JOB = UUID(samples.JOB_ID)


pytestmark = pytest.mark.usefixtures("aws_env")


class RecordingTransport:
    """A Transport that answers every call with the demo portfolio and keeps what it carried."""

    def __init__(self, max_call_bytes: int = 6_000, max_message_bytes: int = 1_000) -> None:
        self.max_call_bytes = max_call_bytes
        self.max_message_bytes = max_message_bytes
        self.invoked: list[bytes] = []
        self.sent: list[list[str]] = []

    def invoke(self, payload: bytes) -> bytes:
        self.invoked.append(payload)
        return json.dumps(ok(samples.portfolio())).encode()

    def send(self, body: str) -> str:
        self.sent.append([body])
        return "m-0"

    def send_batch(self, bodies: Sequence[str]) -> list[str]:
        self.sent.append(list(bodies))
        return [f"m-{i}" for i in range(len(bodies))]


def test_every_transport_satisfies_its_protocol() -> None:
    # mypy checks these assignments: a transport that drifts from its protocol fails the check
    calls: CallTransport = LambdaTransport("alex-data")
    queue: QueueTransport = SqsTransport("https://sqs.example/q")
    both: Transport = InProcessTransport(lambda _event, _context: ok(samples.portfolio()))
    recording: Transport = RecordingTransport()
    assert {type(t).__name__ for t in (calls, queue, both, recording)} == {
        "LambdaTransport",
        "SqsTransport",
        "InProcessTransport",
        "RecordingTransport",
    }


def test_a_client_given_a_transport_sends_calls_and_queued_events_through_it() -> None:
    transport = RecordingTransport()
    client = DataClient(transport=transport)
    event = GetPortfolio(clerk_user_id=samples.USER)
    start = StartJob(clerk_user_id=samples.USER, job_id=JOB)

    assert client.call(event) == samples.portfolio()
    assert client.enqueue(start) == "m-0"
    assert client.enqueue_batch([start, start]) == ["m-0", "m-1"]

    # the transport carried the events' own JSON, nothing added
    assert transport.invoked == [event.model_dump_json().encode()]
    assert transport.sent == [[start.model_dump_json()], [start.model_dump_json()] * 2]


def test_the_client_refuses_an_event_over_its_transports_limit_before_sending() -> None:
    event = GetPortfolio(clerk_user_id=samples.USER)
    size = len(event.model_dump_json().encode())
    fits = RecordingTransport(max_call_bytes=size, max_message_bytes=size)
    DataClient(transport=fits).call(event)
    DataClient(transport=fits).enqueue_batch([event])
    assert len(fits.invoked) == len(fits.sent) == 1

    small = RecordingTransport(max_call_bytes=size - 1, max_message_bytes=size - 1)
    client = DataClient(transport=small)
    with pytest.raises(ValidationFailedError, match=f"GetPortfolio is {size:,} bytes"):
        client.call(event)
    with pytest.raises(ValidationFailedError, match=f"over the {size - 1:,} bytes"):
        client.enqueue(event)
    with pytest.raises(ValidationFailedError, match="an SQS message"):
        client.enqueue_batch([StartJob(clerk_user_id=samples.USER, job_id=JOB), event])
    assert small.invoked == []
    assert small.sent == []


def test_a_transport_excludes_the_aws_configuration() -> None:
    with pytest.raises(TypeError, match="not both"):
        DataClient("alex-data", transport=RecordingTransport())
    with pytest.raises(TypeError, match="not both"):
        DataClient(queue_url="https://sqs.example/q", transport=RecordingTransport())


def test_without_a_transport_the_client_uses_lambda_and_sqs_named_by_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="alex-data-jobs")["QueueUrl"]
        monkeypatch.setenv(QUEUE_URL_ENV, url)
        monkeypatch.setenv(FUNCTION_NAME_ENV, "alex-data-from-env")
        client = DataClient()
        event = StartJob(clerk_user_id=samples.USER, job_id=JOB)

        # queued events go to the queue the environment names
        message_id = client.enqueue(event)
        (message,) = sqs.receive_message(QueueUrl=url)["Messages"]
        assert message["MessageId"] == message_id
        assert parse_event(message["Body"]) == event
        # and calls to the function it names (which does not exist here: a configuration error)
        with pytest.raises(InternalError, match="alex-data-from-env"):
            client.call(GetPortfolio(clerk_user_id=samples.USER))


def test_the_in_process_transport_delivers_what_lambda_and_sqs_would() -> None:
    seen: list[tuple[dict[str, Any], LambdaContext]] = []

    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        seen.append((event, context))
        if "Records" in event:
            return {"batchItemFailures": []}
        return ok(samples.portfolio())

    transport = InProcessTransport(handler, queue_name="alex-data-jobs")
    event = GetPortfolio(clerk_user_id=samples.USER)

    answer = transport.invoke(event.model_dump_json().encode())
    ids = transport.send_batch([event.model_dump_json()])

    assert Portfolio.model_validate(json.loads(answer)["result"]) == samples.portfolio()
    (direct, direct_context), (batch, batch_context) = seen
    assert direct == json.loads(event.model_dump_json())
    (record,) = DataEventSqsEvent.model_validate(batch).Records
    assert record.body == event
    assert [record.messageId] == ids
    assert record.eventSourceARN.endswith(":alex-data-jobs")
    # each delivery gets its own invocation context
    assert isinstance(direct_context, LambdaContext)
    assert direct_context.aws_request_id != batch_context.aws_request_id


def test_the_local_context_counts_down_from_its_timeout() -> None:
    context = LocalLambdaContext(function_name="agent-under-test", timeout_ms=200)
    first = context.get_remaining_time_in_millis()
    time.sleep(0.05)
    later = context.get_remaining_time_in_millis()
    assert 0 < later < first <= 200
    assert context.function_name == "agent-under-test"
    assert context.invoked_function_arn.endswith(":function:agent-under-test")
    assert context.log_group_name == "/aws/lambda/agent-under-test"
    assert LocalLambdaContext(timeout_ms=0).get_remaining_time_in_millis() == 0


def test_an_sqs_record_is_what_the_functions_record_model_parses() -> None:
    body = StartJob(clerk_user_id=samples.USER, job_id=JOB).model_dump_json()
    record = sqs_record(body, message_id="m1")
    (parsed,) = DataEventSqsEvent.model_validate({"Records": [record]}).Records
    assert parsed.messageId == "m1"
    assert parsed.body == parse_event(body)
