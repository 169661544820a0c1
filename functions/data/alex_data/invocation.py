"""What one invocation does: a direct invoke answered with the envelope, an SQS batch with the
partial-batch response. `DataFunction` holds it, its collaborators injected (tests pass fakes);
`alex_data.handler` puts it under the decorator stack.

- A direct invoke carries one event (`{"type": "GetPortfolio", ...}`) and is answered with
  `{"ok": true, "result": {...}}` or `{"ok": false, "error": {"code", "message", "retryable"}}`.
  Validation problems are `ValidationError` with the fields named; domain errors keep their code;
  anything unexpected is `Internal` with the request id, its details only in the log.
- An SQS batch goes through Powertools' `BatchProcessor` (`alex_data.sqs_batch`); each record is
  validated as `DataEventSqsRecord` (the body as the `DataEvent` union) inside the record
  handler, so a malformed record (no body, no attributes, a body that is not an event) fails like
  any other. Each record runs on its own: a record that fails is one `batchItemFailures` entry,
  the others commit. The answer is always the partial-batch response, even when every record
  failed (the queue treats both alike). A record without a string `messageId` cannot be named in
  that answer, and SQS never delivers one: it is logged and counted as failed, and left out,
  since reporting anything else (an empty or unknown id) would make Lambda fail the whole batch.

Nothing escapes: a failure while parsing, validating, logging or dispatching ends as the envelope
(`ValidationError` for the caller's fault, `Internal` with the request id otherwise) or as that
one record's failure.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from alex_schemas.envelope import ResultJson, ok_json
from alex_schemas.envelope import error as error_envelope
from alex_schemas.envelope import ok as ok_envelope
from alex_schemas.errors import DataError, ErrorCode
from alex_schemas.limits import LAMBDA_SYNC_PAYLOAD_BYTES
from alex_schemas.parsing import parse_event
from alex_schemas.results import Result
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import JsonValue, ValidationError

from alex_data.gateway import get_gateway
from alex_data.logs import log_failure, logger
from alex_data.metrics import count_batch, count_invocation, event_metrics, invalid_event
from alex_data.problems import InvalidEvent, describe_validation, event_type_name
from alex_data.sql_runner import SqlRunner
from alex_data.tracing import tracer

if TYPE_CHECKING:
    # The union imports every event; a direct invoke imports its own kind (alex_schemas.parsing).
    from alex_schemas.events import DataEvent

    # Imported for real on the first SQS batch (see `DataFunction.batch`).
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from alex_data.sqs_batch import Reasons, RecordProcessor

__all__ = ["DataFunction", "Database", "Dispatcher", "internal_error", "is_sqs_batch", "reportable"]

# Left of the invocation's time for answering after the last Data API retry gives up.
_ANSWER_MARGIN_MS = 1500

Envelope = dict[str, JsonValue]
Dispatcher = Callable[["DataEvent", SqlRunner], Result]


class Database(Protocol):
    """What the function needs of the gateway: a runner bounded by the invocation's time."""

    def session(self, seconds: float) -> SqlRunner: ...


def _default_dispatch(event: DataEvent, db: SqlRunner) -> Result:
    # Imported on first use: the registry pulls in every operation and repository.
    from alex_data.dispatch import dispatch

    return dispatch(event, db)


def _default_answer(event: DataEvent, db: SqlRunner) -> Result | ResultJson:
    from alex_data.dispatch import answer

    return answer(event, db)


T = TypeVar("T", Result, Result | ResultJson)


class DataFunction:
    """The function's behaviour, with its collaborators injected (tests pass fakes)."""

    def __init__(
        self,
        dispatcher: Dispatcher | None = None,
        database: Callable[[], Database] = get_gateway,
        *,
        json_answers: bool = False,
    ) -> None:
        self._dispatch = dispatcher or _default_dispatch
        self._answer: Callable[[DataEvent, SqlRunner], Result | ResultJson] = (
            dispatcher or _default_answer
        )
        self._database = database
        # Lambda's entry point answers a direct invoke's result as the envelope's JSON bytes,
        # which the runtime sends as they are (awslambdaric's marshaller passes bytes through):
        # the result is serialized once, by pydantic-core, never dumped to dicts for the runtime
        # to encode again. Other answers stay dicts, which the runtime encodes.
        self._json_answers = json_answers
        self._processor: RecordProcessor | None = None
        # The last SQS batch's failed records, for tools that show them (`alex-data invoke`);
        # the answer itself carries only the ids.
        self._reasons: Reasons = {}

    @property
    def record_failures(self) -> dict[str, tuple[str, str]]:
        """The last SQS batch's failed records: message id -> (code, message)."""
        return dict(self._reasons)

    def __call__(self, event: Any, context: LambdaContext) -> Any:
        if is_sqs_batch(event):
            return self.batch(event, context)
        return self.direct(event, context)

    # --- direct invoke ---

    def direct(self, event: Any, context: LambdaContext) -> Envelope | bytes:
        # The invocation's `Records` travel in its event's EMF record: one record per invoke.
        try:
            parsed = _parse_direct(event)
        except InvalidEvent as refused:
            event_type = event_type_name(event.get("type")) if isinstance(event, Mapping) else None
            logger.info(
                "invalid event", extra={"event_type": event_type, "problems": refused.problems}
            )
            invalid_event(records=1)
            return error_envelope(ErrorCode.VALIDATION_ERROR, refused.problems, retryable=False)
        except Exception:
            logger.exception("unexpected failure reading the event")
            count_invocation()
            return internal_error(context)
        job_id = _job_id(parsed)
        if job_id is not None:
            logger.set_correlation_id(str(job_id))
        try:
            if self._json_answers:
                body = ok_json(self._run(parsed, context, self._answer, records=1))
                size = len(body)
                return body if size <= LAMBDA_SYNC_PAYLOAD_BYTES else _too_large(size, parsed.type)
            answer = ok_envelope(self._run(parsed, context, self._dispatch, records=1))
            # As Lambda's runtime encodes it: JSON with non-ASCII escaped, the larger way.
            size = len(json.dumps(answer))
            return answer if size <= LAMBDA_SYNC_PAYLOAD_BYTES else _too_large(size, parsed.type)
        except DataError as exc:
            return error_envelope(exc.code, exc.message, retryable=exc.retryable)
        except Exception:
            logger.exception("unexpected failure", extra={"event_type": parsed.type})
            return internal_error(context)

    # --- SQS ---

    def batch(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        # Imported on the first batch: a direct invoke never needs Powertools' batch machinery.
        from alex_data.sqs_batch import RecordProcessor, failure_hook, process_batch

        if self._processor is None:
            self._processor = RecordProcessor(on_failure=failure_hook(self._reasons))
        self._reasons.clear()
        records: list[Any] = event["Records"]
        named = [r for r in records if reportable(r)]
        for index, record in enumerate(records):
            if not reportable(record):
                logger.error(
                    "SQS record has no messageId; it cannot be reported, so it is left out",
                    extra={"record_index": index},
                )
                invalid_event()
        response: PartialItemFailureResponse = {"batchItemFailures": []}
        if named:
            response = process_batch({"Records": named}, self._record, self._processor, context)
        failures = len(response.get("batchItemFailures", [])) + len(records) - len(named)
        count_batch(len(records), failures)
        return response

    def _record(self, record: SQSRecord, lambda_context: LambdaContext) -> Any:
        from alex_data.sqs_batch import record_event

        message_id = record.message_id
        event = record_event(record.raw_event)
        job_id = _job_id(event)
        logger.set_correlation_id(str(job_id) if job_id is not None else message_id)
        logger.append_keys(message_id=message_id)
        try:
            return self._run(event, lambda_context, self._dispatch).model_dump(mode="json")
        finally:
            logger.remove_keys(["message_id"])

    # --- both ---

    def _run(
        self,
        event: DataEvent,
        context: LambdaContext,
        operation: Callable[[DataEvent, SqlRunner], T],
        *,
        records: int | None = None,
    ) -> T:
        """The event's operation, timed and counted (`records`: the invocation's, for the event's
        EMF record to carry)."""
        event_type = event.type
        tracer.put_annotation(key="event_type", value=event_type)
        remaining_ms = context.get_remaining_time_in_millis() - _ANSWER_MARGIN_MS
        start = time.perf_counter()
        code: ErrorCode | None = None
        try:
            db = self._database().session(max(0.0, remaining_ms / 1000))
            return operation(event, db)
        except DataError as exc:
            code = exc.code
            log_failure("event failed", exc, event_type=event_type)
            raise
        except Exception:
            code = ErrorCode.INTERNAL
            raise
        finally:
            latency_ms = (time.perf_counter() - start) * 1000
            event_metrics(event_type, latency_ms, code, records=records)


def _job_id(event: DataEvent) -> object:
    """The event's `job_id`, None for an event without one. A model's fields are its `__dict__`;
    `getattr` with a default would go through pydantic's `__getattr__` and an AttributeError
    for every event without the field (~2 us)."""
    return vars(event).get("job_id")


def _parse_direct(event: Any) -> DataEvent:
    if not isinstance(event, Mapping):
        kind = "JSON array" if isinstance(event, list) else "JSON scalar"
        raise InvalidEvent(f"event: the event must be a JSON object, not a {kind}")
    try:
        # The union the SQS record model carries as its body, with the errors it gives.
        return parse_event(dict(event))
    except ValidationError as exc:
        raise InvalidEvent(describe_validation(exc)) from None


def internal_error(context: LambdaContext) -> Envelope:
    """`Internal` with the request id: what the caller of a direct invoke is told of a fault on
    our side, whose details are in the log."""
    request = getattr(context, "aws_request_id", "?")
    return error_envelope(
        ErrorCode.INTERNAL,
        f"internal error (request {request}); details are in the function's log",
        retryable=False,
    )


def is_sqs_batch(event: Any) -> bool:
    """An SQS trigger's event: `Records` with an item from `aws:sqs`. The other items are then
    malformed records of that batch, to fail on their own, never a reason to answer the whole
    batch with an envelope (which Lambda would take for a batch that succeeded)."""
    if not isinstance(event, Mapping):
        return False
    records = event.get("Records")
    return isinstance(records, list) and any(
        isinstance(r, Mapping) and r.get("eventSource") == "aws:sqs" for r in records
    )


def reportable(record: object) -> bool:
    """The record has the string id `batchItemFailures` names it by."""
    return isinstance(record, Mapping) and isinstance(record.get("messageId"), str)


def _too_large(size: int, event_type: str) -> Envelope:
    """The error that replaces an answer Lambda could not return (6 MB)."""
    logger.warning("answer too large", extra={"event_type": event_type, "bytes": size})
    return error_envelope(
        ErrorCode.VALIDATION_ERROR,
        f"the answer to {event_type} is {size:,} bytes, over the {LAMBDA_SYNC_PAYLOAD_BYTES:,}"
        " bytes (6 MB) a synchronous invoke may return",
        retryable=False,
    )
