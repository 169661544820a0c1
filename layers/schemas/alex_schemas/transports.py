"""How `DataClient` reaches the data function: the transport protocols and the AWS transports.

A `CallTransport` runs one event and returns the function's answer (`LambdaTransport`: a
synchronous invoke). A `QueueTransport` hands events over to be run later (`SqsTransport`:
the function's job queue). A `Transport` is both, for a client whose calls and queued events
take one route (the in-process transport of `alex_data_dev.testing`).

Failures are the layer's errors: `UnavailableError` when waiting may help (throttling, a 5xx,
no connection, the function timed out), `InternalError` when it will not (no such function or
queue, access denied, the function crashed), `ValidationFailedError` when SQS refuses a message
as malformed. botocore is imported when a transport first needs its client.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Final, Protocol, TypeGuard

from alex_schemas import collector
from alex_schemas.errors import DataError, InternalError, UnavailableError, ValidationFailedError
from alex_schemas.limits import LAMBDA_SYNC_PAYLOAD_BYTES, SQS_MESSAGE_BYTES

if TYPE_CHECKING:
    from botocore.client import BaseClient
    from botocore.session import Session
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import SendMessageBatchRequestEntryTypeDef

__all__ = [
    "FUNCTION_NAME_ENV",
    "MAX_BATCH_BYTES",
    "MAX_BATCH_ENTRIES",
    "QUEUE_URL_ENV",
    "CallTransport",
    "LambdaTransport",
    "QueueTransport",
    "SqsTransport",
    "Transport",
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


class CallTransport(Protocol):
    @property
    def max_call_bytes(self) -> int:
        """The largest event (compact JSON, UTF-8) `invoke` carries; `DataClient` refuses a
        larger one before sending it."""
        ...

    def invoke(self, payload: bytes) -> bytes:
        """Run one event (its JSON) and return the function's answer (the envelope's JSON)."""
        ...


class QueueTransport(Protocol):
    @property
    def max_message_bytes(self) -> int:
        """The largest event `send` and `send_batch` carry, counted as `max_call_bytes` is."""
        ...

    def send(self, body: str) -> str:
        """Queue one event (its JSON) for the function; the message id."""
        ...

    def send_batch(self, bodies: Sequence[str]) -> list[str]:
        """Queue events; their message ids, in order."""
        ...


class Transport(CallTransport, QueueTransport, Protocol):
    """One route for both a client's calls and its queued events."""


class LambdaTransport:
    """Synchronous invokes of the data function (a name or ARN; $ALEX_DATA_FUNCTION_NAME)."""

    max_call_bytes = LAMBDA_SYNC_PAYLOAD_BYTES

    def __init__(self, function_name: str | None, client: LambdaClient | None = None) -> None:
        self.function_name = function_name
        self._lambda = client

    def invoke(self, payload: bytes) -> bytes:
        client = self._client()
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = client.invoke(
                FunctionName=_require(self.function_name, FUNCTION_NAME_ENV),
                InvocationType="RequestResponse",
                Payload=payload,
            )
        except (ClientError, BotoCoreError) as exc:
            raise _aws_error("lambda.invoke", exc) from exc
        body = response["Payload"].read()
        if "FunctionError" in response:
            raise _function_error(body)
        return body

    def _client(self) -> LambdaClient:
        if self._lambda is None:
            with _building():
                from botocore.config import Config

                # botocore's 60 s read timeout would give up on (and, retrying, invoke again) a
                # function still working; Lambda's own timeout (at most 900 s) bounds the wait.
                config = Config(
                    read_timeout=905,
                    connect_timeout=5,
                    tcp_keepalive=True,
                    retries={"mode": "standard", "total_max_attempts": 3},
                )
                client = _session().create_client("lambda", config=config)
            if not _is_lambda(client):
                raise InternalError(_wrong_client("lambda", client))
            self._lambda = client
        return self._lambda


class SqsTransport:
    """The function's job queue (its URL; $ALEX_DATA_QUEUE_URL)."""

    max_message_bytes = SQS_MESSAGE_BYTES

    def __init__(self, queue_url: str | None, client: SQSClient | None = None) -> None:
        self.queue_url = queue_url
        self._sqs = client

    def send(self, body: str) -> str:
        sqs = self._client()
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = sqs.send_message(
                QueueUrl=_require(self.queue_url, QUEUE_URL_ENV), MessageBody=body
            )
        except (ClientError, BotoCoreError) as exc:
            raise _aws_error("sqs.send_message", exc) from exc
        return response["MessageId"]

    def send_batch(self, bodies: Sequence[str]) -> list[str]:
        """SendMessageBatch calls of at most 10 entries (and 1 MiB). A failed entry raises
        after the batch it was in; events are idempotent, so sending them all again is safe."""
        sqs = self._client()
        queue_url = _require(self.queue_url, QUEUE_URL_ENV)
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

    def _client(self) -> SQSClient:
        if self._sqs is None:
            with _building():
                client = _session().create_client("sqs")
            if not _is_sqs(client):
                raise InternalError(_wrong_client("sqs", client))
            self._sqs = client
        return self._sqs


@functools.cache
def _session() -> Session:
    """The process's botocore session, shared by its clients as boto3's default session would
    be (a second client reuses the loaded models), without importing boto3: about 14 ms of a
    cold start for an agent that needs nothing else from it."""
    from botocore.session import get_session

    return get_session()


def _building() -> AbstractContextManager[None]:
    """Around building a client: in a Lambda environment the process's first (botocore's
    import, its session and loaders, all kept for the process) runs with collection paused
    (alex_schemas.collector). Later ones, as in a server making a client per request, collect
    as usual: freezing there would keep the garbage of the requests before."""
    return nullcontext() if _session.cache_info().currsize else collector.paused_in_lambda()


# botocore's stubs type every client as BaseClient; its service model says which one it is.
def _is_lambda(client: BaseClient) -> TypeGuard[LambdaClient]:
    return bool(client.meta.service_model.service_name == "lambda")


def _is_sqs(client: BaseClient) -> TypeGuard[SQSClient]:
    return bool(client.meta.service_model.service_name == "sqs")


def _wrong_client(wanted: str, client: BaseClient) -> str:
    return f"botocore built a {client.meta.service_model.service_name} client, not {wanted}"


def _require(value: str | None, env: str) -> str:
    if not value:
        msg = f"no target configured: pass it to DataClient or set ${env}"
        raise InternalError(msg)
    return value


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
