"""`DataClient`: how an agent Lambda talks to the data function.

    from alex_schemas import GetPortfolio
    from alex_schemas.client import DataClient

    client = DataClient()                      # names from the environment, see below
    portfolio = client.call(GetPortfolio(clerk_user_id="user_123"))   # -> Portfolio
    client.enqueue(UpdateSummary(...))         # fire and forget, through SQS

`call` invokes the function synchronously and returns the event's result model, or raises
the `DataError` subclass named by the error envelope (`NotFoundError`, `ConflictError`,
`ValidationFailedError`, `UnavailableError`, `InternalError`): the tree of
`alex_schemas.errors` (re-exported here) that the function raises, with the code, message
and `retryable` it answered. `enqueue` and
`enqueue_batch` send events to the function's SQS queue; every event is idempotent, so
sending one again after an error is safe.

Configuration: `function_name` defaults to `$ALEX_DATA_FUNCTION_NAME` (a name or ARN),
`queue_url` to `$ALEX_DATA_QUEUE_URL`. boto3 clients are created on first use (boto3 is
imported only then) unless passed in.

For an agent's own tests, `DataClient.in_process(handler)` calls any
`handler(event_dict, context)`, such as the data function's `lambda_handler` or a fake,
with the JSON a real invoke would carry; `enqueue` then delivers a one-record SQS event.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeVar

from pydantic import ValidationError

from alex_schemas.envelope import ErrorEnvelope, parse_envelope
from alex_schemas.errors import (
    ConflictError,
    DataError,
    InternalError,
    NotFoundError,
    UnavailableError,
    ValidationFailedError,
)
from alex_schemas.events import Event
from alex_schemas.limits import LAMBDA_SYNC_PAYLOAD_BYTES, SQS_MESSAGE_BYTES
from alex_schemas.results import Result

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

__all__ = [
    "FUNCTION_NAME_ENV",
    "QUEUE_URL_ENV",
    "ConflictError",
    "DataClient",
    "DataError",
    "Handler",
    "InternalError",
    "LocalLambdaContext",
    "NotFoundError",
    "UnavailableError",
    "ValidationFailedError",
]

FUNCTION_NAME_ENV: Final = "ALEX_DATA_FUNCTION_NAME"
QUEUE_URL_ENV: Final = "ALEX_DATA_QUEUE_URL"

# SQS: at most 10 entries per SendMessageBatch, and at most 1 MiB of bodies, as for one message.
MAX_BATCH_ENTRIES: Final = 10
MAX_BATCH_BYTES: Final = SQS_MESSAGE_BYTES

# Lambda and SQS API errors that say "not now" rather than "never".
_TRANSIENT_AWS_ERRORS: Final = frozenset(
    {
        "TooManyRequestsException",
        "ServiceException",
        "ResourceNotReadyException",
        "ResourceConflictException",
        "EC2ThrottledException",
        "ENILimitReachedException",
        "SubnetIPAddressLimitReachedException",
        "SnapStartNotReadyException",
        "SnapStartTimeoutException",
        "ThrottlingException",
        "RequestThrottled",
        "ServiceUnavailable",
        "InternalError",
        "KmsThrottled",
    }
)

R = TypeVar("R", bound=Result)
Handler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LocalLambdaContext:
    """Enough of Lambda's context object for Powertools' decorators, for in-process calls."""

    function_name: str = "alex-data-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    timeout_ms: int = 30_000
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/alex-data-local"
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic, repr=False)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = int((time.monotonic() - self._started) * 1000)
        return max(self.timeout_ms - elapsed, 0)


class DataClient:
    def __init__(
        self,
        function_name: str | None = None,
        *,
        lambda_client: LambdaClient | None = None,
        queue_url: str | None = None,
        sqs_client: SQSClient | None = None,
        handler: Handler | None = None,
    ) -> None:
        self._function_name = function_name or os.environ.get(FUNCTION_NAME_ENV)
        self._queue_url = queue_url or os.environ.get(QUEUE_URL_ENV)
        self._lambda = lambda_client
        self._sqs = sqs_client
        self._handler = handler

    @classmethod
    def in_process(cls, handler: Handler) -> DataClient:
        """A client that calls `handler(event, context)` in this process instead of AWS."""
        return cls(function_name="alex-data-local", handler=handler)

    # --- synchronous calls -------------------------------------------------------------

    def call(self, event: Event[R]) -> R:
        """Invoke the function with `event`; its typed result, or the error as an exception."""
        payload = event.model_dump_json().encode()
        _refuse_oversized(event, len(payload), LAMBDA_SYNC_PAYLOAD_BYTES, "a synchronous invoke")
        raw = self._invoke(payload)
        model = event.result_model()
        try:
            envelope = parse_envelope(raw, model)
        except ValidationError as exc:
            # The function and this layer disagree on the contract (a layer out of date?):
            # nothing the caller can fix by changing the event.
            msg = f"answer to {type(event).__name__} is not a valid {model.__name__}: {exc}"
            raise InternalError(msg) from exc
        if isinstance(envelope, ErrorEnvelope):
            raise DataError.from_info(envelope.error)
        return envelope.result

    def call_any(self, event: Event[Any]) -> Result:
        """`call` for an event whose class is not known statically (a `DataEvent` parsed
        from a file, say); the result is still validated as that event's result model."""
        result: Result = self.call(event)
        return result

    def _invoke(self, payload: bytes) -> bytes:
        if self._handler is not None:
            return _invoke_in_process(self._handler, payload)
        client = self._lambda_client()
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = client.invoke(
                FunctionName=self._require(self._function_name, FUNCTION_NAME_ENV),
                InvocationType="RequestResponse",
                Payload=payload,
            )
        except (ClientError, BotoCoreError) as exc:
            raise _aws_error("lambda.invoke", exc) from exc
        body = response["Payload"].read()
        if "FunctionError" in response:
            raise _function_error(body)
        return body

    # --- queued calls ------------------------------------------------------------------

    def enqueue(self, event: Event[Any]) -> str:
        """Send one event to the queue; returns the SQS message id."""
        body = event.model_dump_json()
        _refuse_oversized(event, len(body.encode()), SQS_MESSAGE_BYTES, "an SQS message")
        if self._handler is not None and self._sqs is None:
            return _deliver_in_process(self._handler, [body], self._queue_url)[0]
        sqs = self._sqs_client()
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = sqs.send_message(
                QueueUrl=self._require(self._queue_url, QUEUE_URL_ENV), MessageBody=body
            )
        except (ClientError, BotoCoreError) as exc:
            raise _aws_error("sqs.send_message", exc) from exc
        return response["MessageId"]

    def enqueue_batch(self, events: Sequence[Event[Any]]) -> list[str]:
        """Send events in SendMessageBatch calls of at most 10 entries (and 1 MiB);
        returns the message ids in event order. An event too large for a message is refused
        before any is sent; a failed entry raises after the batch it was in; events are
        idempotent, so sending them all again is safe."""
        bodies = [e.model_dump_json() for e in events]
        for event, body in zip(events, bodies, strict=True):
            _refuse_oversized(event, len(body.encode()), SQS_MESSAGE_BYTES, "an SQS message")
        if self._handler is not None and self._sqs is None:
            return _deliver_in_process(self._handler, bodies, self._queue_url)
        sqs = self._sqs_client()
        queue_url = self._require(self._queue_url, QUEUE_URL_ENV)
        from botocore.exceptions import BotoCoreError, ClientError

        ids: list[str] = []
        for chunk in _chunks(bodies):
            entries: list[SendMessageBatchRequestEntryTypeDef] = [
                {"Id": str(i), "MessageBody": body} for i, body in enumerate(chunk)
            ]
            try:
                response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
            except (ClientError, BotoCoreError) as exc:
                raise _aws_error("sqs.send_message_batch", exc) from exc
            failed = response.get("Failed", [])
            if failed:
                detail = "; ".join(f"{f['Id']}: {f.get('Message', f['Code'])}" for f in failed)
                sender = any(f["SenderFault"] for f in failed)
                cls = ValidationFailedError if sender else UnavailableError
                raise cls(f"{len(failed)} of {len(chunk)} messages not sent: {detail}")
            by_entry = {s["Id"]: s["MessageId"] for s in response.get("Successful", [])}
            ids.extend(by_entry[str(i)] for i in range(len(chunk)))
        return ids

    # --- clients -----------------------------------------------------------------------

    def _lambda_client(self) -> LambdaClient:
        if self._lambda is None:
            import boto3
            from botocore.config import Config

            # botocore's 60 s read timeout would give up on (and, retrying, invoke again) a
            # function still working; Lambda's own timeout (at most 900 s) bounds the wait.
            config = Config(
                read_timeout=905,
                connect_timeout=5,
                tcp_keepalive=True,
                retries={"mode": "standard", "total_max_attempts": 3},
            )
            self._lambda = boto3.client("lambda", config=config)
        return self._lambda

    def _sqs_client(self) -> SQSClient:
        if self._sqs is None:
            import boto3

            self._sqs = boto3.client("sqs")
        return self._sqs

    @staticmethod
    def _require(value: str | None, env: str) -> str:
        if not value:
            msg = f"no target configured: pass it to DataClient or set ${env}"
            raise InternalError(msg)
        return value


def _refuse_oversized(event: Event[Any], size: int, limit: int, transport: str) -> None:
    """Nothing is sent that its transport would refuse: say so, with the size and the limit."""
    if size > limit:
        msg = (
            f"{type(event).__name__} is {size:,} bytes as JSON, over the {limit:,} bytes"
            f" {transport} may carry; nothing was sent"
        )
        raise ValidationFailedError(msg)


def _invoke_in_process(handler: Handler, payload: bytes) -> bytes:
    try:
        answer = handler(json.loads(payload), LocalLambdaContext())
    except Exception as exc:
        # What Lambda would report as FunctionError "Unhandled".
        raise InternalError(f"handler raised {type(exc).__name__}: {exc}") from exc
    return json.dumps(answer).encode()


def _deliver_in_process(
    handler: Handler, bodies: Sequence[str], queue_url: str | None
) -> list[str]:
    records = [_sqs_record(body, queue_url) for body in bodies]
    try:
        answer = handler({"Records": records}, LocalLambdaContext())
    except Exception as exc:
        raise InternalError(f"handler raised {type(exc).__name__}: {exc}") from exc
    failures = answer.get("batchItemFailures", []) if isinstance(answer, dict) else []
    if failures:
        failed = ", ".join(str(f.get("itemIdentifier")) for f in failures)
        # SQS would redeliver these; in-process there is no queue to hold them, so the
        # caller hears about it instead.
        raise UnavailableError(f"handler reported failed records: {failed}")
    return [str(r["messageId"]) for r in records]


def _aws_error(operation: str, exc: Exception) -> DataError:
    """A failed AWS call as the layer's error: worth retrying (throttled, 5xx, no
    connection) or not (missing queue or function, access denied: configuration)."""
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):  # connection errors and read timeouts
        return UnavailableError(f"{operation} failed: {exc}")
    code = exc.response.get("Error", {}).get("Code", "")
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    transient = code in _TRANSIENT_AWS_ERRORS or status == 429 or status >= 500
    cls = UnavailableError if transient else InternalError
    return cls(f"{operation} failed: {code}: {exc}")


def _function_error(body: bytes) -> DataError:
    try:
        data = json.loads(body)
    except ValueError:
        data = {}
    if not isinstance(data, Mapping):
        data = {}
    kind = str(data.get("errorType", "Unhandled"))
    message = str(data.get("errorMessage", body[:200].decode(errors="replace")))
    # A timeout or out-of-memory kill says nothing about the event; trying again may work.
    if "timed out" in message.lower() or kind.startswith("Sandbox.") or kind == "Runtime.ExitError":
        return UnavailableError(f"{kind}: {message}")
    return InternalError(f"{kind}: {message}")


def _chunks(bodies: Sequence[str]) -> Iterator[Sequence[str]]:
    start, size = 0, 0
    for i, body in enumerate(bodies):
        n = len(body.encode())
        if i > start and (i - start == MAX_BATCH_ENTRIES or size + n > MAX_BATCH_BYTES):
            yield bodies[start:i]
            start, size = i, 0
        size += n
    if start < len(bodies):
        yield bodies[start:]


def _sqs_record(body: str, queue_url: str | None) -> dict[str, Any]:
    now = str(int(time.time() * 1000))
    queue = (queue_url or "alex-data-local").rstrip("/").rsplit("/", 1)[-1]
    return {
        "messageId": str(uuid.uuid4()),
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
        "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{queue}",
        "awsRegion": "us-east-1",
    }
