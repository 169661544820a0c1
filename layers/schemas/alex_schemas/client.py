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
and `retryable` it answered. `enqueue` and `enqueue_batch` send events to the function's SQS
queue; every event is idempotent, so sending one again after an error is safe. An event
larger than its transport carries (Lambda's 6 MB synchronous payload, SQS's 1 MiB message)
is refused with `ValidationFailedError` before anything is sent.

Configuration chooses the transports (`alex_schemas.transports`): calls go to the function
`function_name` (default `$ALEX_DATA_FUNCTION_NAME`, a name or ARN) through Lambda, queued
events to `queue_url` (default `$ALEX_DATA_QUEUE_URL`) through SQS; boto3 clients are created
on first use (boto3 is imported only then) unless passed in. `DataClient(transport=...)` sends
both through one `Transport` instead, such as `alex_data_dev.testing.InProcessTransport` in an
agent's tests.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeVar

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
from alex_schemas.event_base import Event
from alex_schemas.results import Result
from alex_schemas.transports import (
    FUNCTION_NAME_ENV,
    QUEUE_URL_ENV,
    CallTransport,
    LambdaTransport,
    QueueTransport,
    SqsTransport,
    Transport,
)

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient

__all__ = [
    "FUNCTION_NAME_ENV",
    "QUEUE_URL_ENV",
    "ConflictError",
    "DataClient",
    "DataError",
    "InternalError",
    "NotFoundError",
    "Transport",
    "UnavailableError",
    "ValidationFailedError",
]

R = TypeVar("R", bound=Result)


class DataClient:
    def __init__(
        self,
        function_name: str | None = None,
        *,
        lambda_client: LambdaClient | None = None,
        queue_url: str | None = None,
        sqs_client: SQSClient | None = None,
        transport: Transport | None = None,
    ) -> None:
        self._calls: CallTransport
        self._queue: QueueTransport
        if transport is not None:
            if function_name or lambda_client or queue_url or sqs_client:
                msg = "pass either a transport or the AWS names and clients, not both"
                raise TypeError(msg)
            self._calls = self._queue = transport
        else:
            self._calls = LambdaTransport(
                function_name or os.environ.get(FUNCTION_NAME_ENV), lambda_client
            )
            self._queue = SqsTransport(queue_url or os.environ.get(QUEUE_URL_ENV), sqs_client)

    # --- synchronous calls -------------------------------------------------------------

    def call(self, event: Event[R]) -> R:
        """Invoke the function with `event`; its typed result, or the error as an exception."""
        payload = event.model_dump_json().encode()
        _refuse_oversized(event, len(payload), self._calls.max_call_bytes, "a synchronous invoke")
        raw = self._calls.invoke(payload)
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

    # --- queued calls ------------------------------------------------------------------

    def enqueue(self, event: Event[Any]) -> str:
        """Send one event to the queue; returns the SQS message id."""
        body = event.model_dump_json()
        _refuse_oversized(event, len(body.encode()), self._queue.max_message_bytes, _MESSAGE)
        return self._queue.send(body)

    def enqueue_batch(self, events: Sequence[Event[Any]]) -> list[str]:
        """Send events in SendMessageBatch calls of at most 10 entries (and 1 MiB);
        returns the message ids in event order. An event too large for a message is refused
        before any is sent; a failed entry raises after the batch it was in; events are
        idempotent, so sending them all again is safe."""
        bodies = [e.model_dump_json() for e in events]
        for event, body in zip(events, bodies, strict=True):
            _refuse_oversized(event, len(body.encode()), self._queue.max_message_bytes, _MESSAGE)
        return self._queue.send_batch(bodies)


_MESSAGE = "an SQS message"


def _refuse_oversized(event: Event[Any], size: int, limit: int, transport: str) -> None:
    """Nothing is sent that its transport would refuse: say so, with the size and the limit."""
    if size > limit:
        msg = (
            f"{type(event).__name__} is {size:,} bytes as JSON, over the {limit:,} bytes"
            f" {transport} may carry; nothing was sent"
        )
        raise ValidationFailedError(msg)
