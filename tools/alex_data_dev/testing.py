"""Test support for the data function's callers: the in-process transport and Lambda's
context, never shipped in the layer (the layer holds only what runs in AWS).

    from alex_data.handler import lambda_handler      # or a fake handler
    from alex_data_dev.testing import InProcessTransport
    from alex_schemas.client import DataClient

    client = DataClient(transport=InProcessTransport(lambda_handler))

`InProcessTransport(handler)` calls any `handler(event, context)` in this process with the
JSON a Lambda invoke would carry, and delivers queued events as a one-batch SQS event of
records shaped as SQS delivers them. `LocalLambdaContext` is a Powertools `LambdaContext` for
a handler run here.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Final

from alex_schemas.errors import InternalError, UnavailableError
from alex_schemas.limits import LAMBDA_SYNC_PAYLOAD_BYTES, SQS_MESSAGE_BYTES
from aws_lambda_powertools.utilities.typing import LambdaContext

__all__ = ["Handler", "InProcessTransport", "LocalLambdaContext", "sqs_record"]

Handler = Callable[[dict[str, Any], LambdaContext], Any]

LOCAL_FUNCTION: Final = "alex-data-local"
_ACCOUNT_ARN: Final = "arn:aws:{service}:us-east-1:123456789012:{resource}"


class LocalLambdaContext(LambdaContext):
    """Lambda's context for an invocation in this process: a local function's names, a fresh
    request id, and `timeout_ms` to run from when it was made."""

    # An instance attribute: Powertools declares the method static, and this one needs the
    # instance's deadline.
    get_remaining_time_in_millis: Callable[[], int]

    def __init__(
        self,
        *,
        function_name: str = LOCAL_FUNCTION,
        timeout_ms: int = 30_000,
        memory_limit_in_mb: int = 512,
        aws_request_id: str | None = None,
    ) -> None:
        self._function_name = function_name
        self._function_version = "$LATEST"
        self._invoked_function_arn = _ACCOUNT_ARN.format(
            service="lambda", resource=f"function:{function_name}"
        )
        self._memory_limit_in_mb = memory_limit_in_mb
        self._aws_request_id = aws_request_id or str(uuid.uuid4())
        self._log_group_name = f"/aws/lambda/{function_name}"
        self._log_stream_name = "local"
        deadline = time.monotonic() + timeout_ms / 1000
        self.get_remaining_time_in_millis = lambda: max(
            int((deadline - time.monotonic()) * 1000), 0
        )


class InProcessTransport:
    """A `Transport` that runs `handler` here: `invoke` as a direct invoke, `send` and
    `send_batch` as one SQS batch. Records the handler reports failed raise
    `UnavailableError` (SQS would redeliver them; here there is no queue to hold them)."""

    # Lambda's and SQS's own limits, so a test meets the refusal AWS would give.
    max_call_bytes = LAMBDA_SYNC_PAYLOAD_BYTES
    max_message_bytes = SQS_MESSAGE_BYTES

    def __init__(self, handler: Handler, *, queue_name: str = LOCAL_FUNCTION) -> None:
        self.handler = handler
        self.queue_name = queue_name

    def invoke(self, payload: bytes) -> bytes:
        answer = self._run(json.loads(payload))
        # What Lambda's runtime sends back: bytes as they are, anything else JSON-encoded.
        return answer if isinstance(answer, bytes) else json.dumps(answer).encode()

    def send(self, body: str) -> str:
        return self.send_batch([body])[0]

    def send_batch(self, bodies: Sequence[str]) -> list[str]:
        records = [sqs_record(body, queue_name=self.queue_name) for body in bodies]
        answer = self._run({"Records": records})
        failures = answer.get("batchItemFailures", []) if isinstance(answer, dict) else []
        if failures:
            failed = ", ".join(str(f.get("itemIdentifier")) for f in failures)
            raise UnavailableError(f"handler reported failed records: {failed}")
        return [str(r["messageId"]) for r in records]

    def _run(self, event: dict[str, Any]) -> Any:
        try:
            return self.handler(event, LocalLambdaContext())
        except Exception as exc:
            # What Lambda would report as FunctionError "Unhandled".
            raise InternalError(f"handler raised {type(exc).__name__}: {exc}") from exc


def sqs_record(
    body: object, *, message_id: str | None = None, queue_name: str = LOCAL_FUNCTION
) -> dict[str, Any]:
    """One SQS record as Lambda's SQS trigger delivers it, carrying `body`: text as it is,
    anything else (an event as a dict) as its JSON."""
    body = body if isinstance(body, str) else json.dumps(body)
    now = str(int(time.time() * 1000))
    return {
        "messageId": message_id or str(uuid.uuid4()),
        "receiptHandle": uuid.uuid4().hex,
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": now,
            "SenderId": "local",
            "ApproximateFirstReceiveTimestamp": now,
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": _ACCOUNT_ARN.format(service="sqs", resource=queue_name),
        "awsRegion": "us-east-1",
    }
