"""End to end against a deployed stack: direct invoke, the SQS path, and a poison message's DLQ.

Skipped unless the stack's outputs are in the environment (names as `DataClient` reads them):

    ALEX_DATA_FUNCTION_NAME   output DataFunctionName (or DataFunctionArn)
    ALEX_DATA_QUEUE_URL       output JobQueueUrl
    ALEX_DATA_DLQ_URL         output DeadLetterQueueUrl
    ALEX_E2E_DLQ_WAIT_SECONDS optional, default 900: how long to wait for the poison message
                              (maxReceiveCount receives, one visibility timeout apart)

plus the usual AWS credentials and region. docs/deploy.md shows how to export them from
the stack. The tests write users named `e2e_<random>`, which they leave behind (the contract
has no DeleteUser); a paused cluster makes the first call wait ~15 s while it resumes.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

import pytest
from alex_schemas import GetPortfolio, GetUser, UpsertUser
from alex_schemas.client import DataClient, NotFoundError

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient

REQUIRED = ("ALEX_DATA_FUNCTION_NAME", "ALEX_DATA_QUEUE_URL", "ALEX_DATA_DLQ_URL")

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        not all(os.environ.get(name) for name in REQUIRED),
        reason=f"no deployed stack: set {', '.join(REQUIRED)} (docs/deploy.md)",
    ),
]

T = TypeVar("T")


def eventually(probe: Callable[[], T | None], *, seconds: float, every: float = 2.0) -> T:
    """Poll `probe` until it answers something other than None, or fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"nothing after {seconds:.0f} s")
        time.sleep(every)


@pytest.fixture(scope="module")
def client() -> DataClient:
    return DataClient()


@pytest.fixture(scope="module")
def lambda_client() -> LambdaClient:
    import boto3

    return boto3.client("lambda")


@pytest.fixture(scope="module")
def sqs() -> SQSClient:
    import boto3

    return boto3.client("sqs")


@pytest.fixture
def user_id() -> str:
    return f"e2e_{uuid.uuid4().hex}"


def test_direct_invoke_writes_and_reads_back_a_user(client: DataClient, user_id: str) -> None:
    # Given a new user written through the function
    written = client.call(UpsertUser(clerk_user_id=user_id, display_name="E2E Investor"))

    # When it is read back, alone and as a portfolio
    read = client.call(GetUser(clerk_user_id=user_id))
    portfolio = client.call(GetPortfolio(clerk_user_id=user_id))

    # Then the same user comes back, with the default targets and no accounts yet
    assert read.clerk_user_id == written.clerk_user_id == user_id
    assert read.display_name == "E2E Investor"
    assert sum(read.asset_class_targets.values()) == 100
    assert portfolio.user.clerk_user_id == user_id
    assert portfolio.accounts == []


def test_direct_invoke_of_an_unknown_user_is_not_found(client: DataClient, user_id: str) -> None:
    with pytest.raises(NotFoundError):
        client.call(GetUser(clerk_user_id=user_id))


def test_a_malformed_event_gets_an_error_envelope_not_a_crash(
    lambda_client: LambdaClient,
) -> None:
    response = lambda_client.invoke(
        FunctionName=os.environ["ALEX_DATA_FUNCTION_NAME"],
        Payload=json.dumps({"type": "NoSuchEvent", "clerk_user_id": "x"}).encode(),
    )

    body = json.loads(response["Payload"].read())
    assert "FunctionError" not in response
    assert body["ok"] is False
    assert body["error"]["code"] == "ValidationError"
    assert body["error"]["retryable"] is False


def test_an_event_sent_through_the_queue_reaches_the_database(
    client: DataClient, user_id: str
) -> None:
    # Given an UpsertUser sent through SQS, as the web API and the agents do
    client.enqueue(UpsertUser(clerk_user_id=user_id, display_name="Queued Investor"))

    # Then the event source mapping delivers it and the user can be read
    def written() -> str | None:
        try:
            return client.call(GetUser(clerk_user_id=user_id)).display_name
        except NotFoundError:
            return None

    assert eventually(written, seconds=120) == "Queued Investor"


def test_a_poison_message_lands_in_the_dead_letter_queue(sqs: SQSClient) -> None:
    # Given a body no event model accepts, tagged so this run finds its own message
    marker = uuid.uuid4().hex
    sqs.send_message(
        QueueUrl=os.environ["ALEX_DATA_QUEUE_URL"],
        MessageBody=json.dumps({"type": "NoSuchEvent", "marker": marker}),
    )
    dlq = os.environ["ALEX_DATA_DLQ_URL"]

    # When the function has failed it maxReceiveCount times
    def dead_lettered() -> str | None:
        response = sqs.receive_message(
            QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=10, VisibilityTimeout=5
        )
        for message in response.get("Messages", []):
            if marker in message.get("Body", ""):
                sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
                return message["Body"]
        return None

    # Then it sits in the dead-letter queue, unchanged
    wait = float(os.environ.get("ALEX_E2E_DLQ_WAIT_SECONDS", "900"))
    body = eventually(dead_lettered, seconds=wait, every=0.0)
    assert json.loads(body) == {"type": "NoSuchEvent", "marker": marker}
