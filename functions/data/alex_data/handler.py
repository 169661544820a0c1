"""The Lambda entry point: a decorator stack and one call.

Two kinds of invocation arrive here:

- a direct invoke carries one event (`{"type": "GetPortfolio", ...}`) and is answered with the
  envelope: `{"ok": true, "result": {...}}` or
  `{"ok": false, "error": {"code", "message", "retryable"}}`. Validation problems are
  `ValidationError` with the fields named; domain errors keep their code; anything unexpected
  is `Internal` with the request id, its details only in the log.
- an SQS batch goes through Powertools' `BatchProcessor`; each record is validated as
  `DataEventSqsRecord` (the body as the `DataEvent` union) inside the record handler, so a
  malformed record (no body, no attributes, a body that is not an event) fails like any other.
  Each record runs on its own: a record that fails is one `batchItemFailures` entry, the others
  commit. The answer is always the partial-batch response, even when every record failed (the
  queue treats both alike). A record without a string `messageId` cannot be named in that
  answer, and SQS never delivers one: it is logged and counted as failed, and left out, since
  reporting anything else (an empty or unknown id) would make Lambda fail the whole batch.

Nothing escapes: a failure while parsing, validating, logging or dispatching ends as the
envelope (`ValidationError` for the caller's fault, `Internal` with the request id otherwise)
or as that one record's failure, and the decorator stack itself is guarded the same way.

Failed records and the dead-letter queue: every failed record is reported, so SQS makes it
visible again after the visibility timeout, and the queue's redrive policy (`maxReceiveCount`,
3 in template.yaml) moves it to the dead-letter queue after that many receives. A record whose
body is not a valid event (a poison message) or that failed for good (NotFound, Conflict,
ValidationError) thus costs two more deliveries and lands in the DLQ with its body intact for
inspection; a record that failed with a retryable error (Unavailable) gets the same retries,
which is what it needs. Nothing is dropped silently, and every operation is idempotent, so a
redelivered record that had in fact been applied changes nothing.

Observability: Logger (correlation id = the event's `job_id`, per SQS record the job id or the
message id), Tracer (X-Ray only where tracing is on, see alex_data.tracing), Metrics in the
`Alex` namespace: per event an EMF record with dimension `event_type` and metrics `Events`,
`Latency` (ms), `Errors`; per invocation `Records` and, for SQS, `RecordFailures`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, cast

from alex_schemas.envelope import error as error_envelope
from alex_schemas.errors import DataError, ErrorCode
from alex_schemas.events import DataEvent, parse_event
from alex_schemas.limits import LAMBDA_SYNC_PAYLOAD_BYTES
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ValidationError

from alex_data import snapstart
from alex_data.gateway import get_gateway
from alex_data.problems import describe_validation, event_type_name
from alex_data.sql_runner import SqlRunner
from alex_data.tracing import build_tracer

if TYPE_CHECKING:
    # Imported for real on the first SQS batch (see `DataFunction.batch`).
    from aws_lambda_powertools.utilities.batch.exceptions import ExceptionInfo
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    from alex_data.sqs_batch import RecordProcessor

__all__ = ["DataFunction", "Dispatcher", "build_handler", "lambda_handler"]

SERVICE = "alex-data"
NAMESPACE = "Alex"
# Left of the invocation's time for answering after the last Data API retry gives up.
_ANSWER_MARGIN_MS = 1500

logger = Logger(service=SERVICE)
# The X-Ray SDK is imported only when tracing is on (alex_data.tracing).
tracer = build_tracer(SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)
# The package's own stdlib loggers (the gateway's retry warnings) write through the same JSON
# handler, so they carry the request and correlation ids too.
logging.getLogger("alex_data")
copy_config_to_registered_loggers(source_logger=logger, include={"alex_data"})

Dispatcher = Callable[[DataEvent, SqlRunner], BaseModel]
LambdaHandler = Callable[[Any, LambdaContext], Any]


class Database(Protocol):
    """What the handler needs of the gateway: a runner bounded by the invocation's time."""

    def session(self, seconds: float) -> SqlRunner: ...


def _default_dispatch(event: DataEvent, db: SqlRunner) -> BaseModel:
    # Imported on first use: the registry pulls in every operation and repository.
    from alex_data.dispatch import dispatch

    return dispatch(event, db)


class _PoisonRecord(Exception):
    """The event or SQS record is not a valid one: the sender's fault."""

    def __init__(self, problems: str) -> None:
        super().__init__(problems)
        self.problems = problems


def _record_failed(
    reasons: dict[str, tuple[str, str]], record: SQSRecord | None, exception: ExceptionInfo
) -> None:
    """Logs and counts a failed SQS record, and notes its (code, message) in `reasons` by
    message id."""
    error = exception[1]
    raw: Mapping[str, Any] = record.raw_event if record is not None else {}
    message_id = raw.get("messageId", "?")
    receives = _receive_count(raw)
    if isinstance(error, _PoisonRecord):
        logger.error(
            "SQS record is not a valid event; reported failed (DLQ after maxReceiveCount)",
            extra={"message_id": message_id, "receive_count": receives, "problems": error.problems},
        )
        _event_metrics("Invalid", 0.0, ErrorCode.VALIDATION_ERROR)
        reasons[message_id] = (str(ErrorCode.VALIDATION_ERROR), error.problems)
    elif isinstance(error, DataError):
        _log_failure(
            "SQS record failed; reported for redelivery",
            error,
            logger.warning,
            message_id=message_id,
            receive_count=receives,
        )
        reasons[message_id] = (str(error.code), error.message)
    else:
        logger.error(
            "SQS record failed unexpectedly; reported for redelivery",
            extra={"message_id": message_id, "receive_count": receives},
            exc_info=error,
        )
        reasons[message_id] = (
            str(ErrorCode.INTERNAL),
            "internal error; details are in the function's log",
        )


def _log_failure(
    message: str, error: DataError, expected: Callable[..., None] = logger.info, **keys: Any
) -> None:
    """An expected failure through `expected`; an Internal one, a fault on our side, at ERROR
    with its cause (the caller's message only says that the details are in this log)."""
    extra = {**keys, "code": str(error.code), "retryable": error.retryable, "error": error.message}
    if error.detail is not None:
        extra["cause"] = error.detail
    log = logger.error if error.code == ErrorCode.INTERNAL else expected
    log(message, extra=extra)


def _receive_count(record: Mapping[str, Any]) -> int | None:
    """How many times SQS has delivered the record (the DLQ takes it at maxReceiveCount)."""
    attributes = record.get("attributes")
    value = attributes.get("ApproximateReceiveCount") if isinstance(attributes, Mapping) else None
    # a malformed record may carry anything here
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        return int(value)
    return None


def _reportable(record: object) -> bool:
    """The record has the string id `batchItemFailures` names it by."""
    return isinstance(record, Mapping) and isinstance(record.get("messageId"), str)


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
        self._database = database
        # Lambda's entry point answers a direct invoke's result as the envelope's JSON bytes,
        # which the runtime sends as they are (awslambdaric's marshaller passes bytes through):
        # the result is serialized once, by pydantic-core, never dumped to dicts for the runtime
        # to encode again. Other answers stay dicts, which the runtime encodes.
        self._json_answers = json_answers
        self._processor: RecordProcessor | None = None
        # The last SQS batch's failed records, for tools that show them (`alex-data invoke`);
        # the answer itself carries only the ids.
        self._reasons: dict[str, tuple[str, str]] = {}

    @property
    def record_failures(self) -> dict[str, tuple[str, str]]:
        """The last SQS batch's failed records: message id -> (code, message)."""
        return dict(self._reasons)

    def __call__(self, event: Any, context: LambdaContext) -> Any:
        if is_sqs_batch(event):
            return self.batch(event, context)
        return self.direct(event, context)

    # --- direct invoke ---

    def direct(self, event: Any, context: LambdaContext) -> dict[str, Any] | bytes:
        metrics.add_metric(name="Records", unit=MetricUnit.Count, value=1)
        try:
            parsed = _parse_direct(event)
        except _PoisonRecord as refused:
            event_type = event_type_name(event.get("type")) if isinstance(event, Mapping) else None
            logger.info(
                "invalid event", extra={"event_type": event_type, "problems": refused.problems}
            )
            _event_metrics("Invalid", 0.0, ErrorCode.VALIDATION_ERROR)
            return error_envelope(ErrorCode.VALIDATION_ERROR, refused.problems, retryable=False)
        except Exception:
            logger.exception("unexpected failure reading the event")
            return _internal(context)
        job_id = getattr(parsed, "job_id", None)
        if job_id is not None:
            logger.set_correlation_id(str(job_id))
        try:
            result = self._run(parsed, context)
            if self._json_answers:
                body = (
                    b'{"ok":true,"result":' + result.__pydantic_serializer__.to_json(result) + b"}"
                )
                return (
                    body
                    if len(body) <= LAMBDA_SYNC_PAYLOAD_BYTES
                    else _too_large(len(body), parsed.type)
                )
            answer = {"ok": True, "result": result.model_dump(mode="json")}
            return _within_the_invoke_response(answer, parsed.type)
        except DataError as exc:
            return error_envelope(exc.code, exc.message, retryable=exc.retryable)
        except Exception:
            logger.exception("unexpected failure", extra={"event_type": parsed.type})
            return _internal(context)

    # --- SQS ---

    def batch(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        # Imported on the first batch: a direct invoke never needs Powertools' batch machinery.
        from alex_data.sqs_batch import RecordProcessor, process_batch

        if self._processor is None:
            self._processor = RecordProcessor(
                on_failure=lambda record, exception: _record_failed(
                    self._reasons, record, exception
                )
            )
        self._reasons = {}
        records: list[Any] = event["Records"]
        reportable = [r for r in records if _reportable(r)]
        for index, record in enumerate(records):
            if not _reportable(record):
                logger.error(
                    "SQS record has no messageId; it cannot be reported, so it is left out",
                    extra={"record_index": index},
                )
                _event_metrics("Invalid", 0.0, ErrorCode.VALIDATION_ERROR)
        response: PartialItemFailureResponse = {"batchItemFailures": []}
        if reportable:
            response = process_batch(
                {"Records": reportable}, self._record, self._processor, context
            )
        failures = len(response.get("batchItemFailures", [])) + len(records) - len(reportable)
        metrics.add_metric(name="Records", unit=MetricUnit.Count, value=len(records))
        metrics.add_metric(name="RecordFailures", unit=MetricUnit.Count, value=failures)
        return response

    def _record(self, record: SQSRecord, lambda_context: LambdaContext) -> Any:
        from alex_data.sqs_batch import record_event

        message_id = record.message_id
        try:
            event = record_event(record.raw_event)
        except ValidationError as exc:
            raise _PoisonRecord(describe_validation(exc)) from None
        job_id = getattr(event, "job_id", None)
        logger.set_correlation_id(str(job_id) if job_id is not None else message_id)
        logger.append_keys(message_id=message_id)
        try:
            return self._run(event, lambda_context).model_dump(mode="json")
        finally:
            logger.remove_keys(["message_id"])

    # --- both ---

    def _run(self, event: DataEvent, context: LambdaContext) -> BaseModel:
        event_type = event.type
        tracer.put_annotation(key="event_type", value=event_type)
        remaining_ms = context.get_remaining_time_in_millis() - _ANSWER_MARGIN_MS
        start = time.perf_counter()
        code: ErrorCode | None = None
        try:
            db = self._database().session(max(0.0, remaining_ms / 1000))
            return self._dispatch(event, db)
        except DataError as exc:
            code = exc.code
            _log_failure("event failed", exc, event_type=event_type)
            raise
        except Exception:
            code = ErrorCode.INTERNAL
            raise
        finally:
            _event_metrics(event_type, (time.perf_counter() - start) * 1000, code)


def _parse_direct(event: Any) -> DataEvent:
    if not isinstance(event, Mapping):
        kind = "JSON array" if isinstance(event, list) else "JSON scalar"
        raise _PoisonRecord(f"event: the event must be a JSON object, not a {kind}")
    try:
        # The union the SQS record model carries as its body, with the errors it gives.
        return parse_event(dict(event))
    except ValidationError as exc:
        raise _PoisonRecord(describe_validation(exc)) from None


def _internal(context: LambdaContext) -> dict[str, Any]:
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


def _event_metrics(event_type: str, latency_ms: float, code: ErrorCode | None) -> None:
    # One EMF record per event: a batch may mix event types, and a dimension value holds for
    # every metric of its record.
    record = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    record.add_dimension(name="event_type", value=event_type)
    record.add_metric(name="Events", unit=MetricUnit.Count, value=1)
    record.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=round(latency_ms, 3))
    record.add_metric(name="Errors", unit=MetricUnit.Count, value=0 if code is None else 1)
    if code is not None:
        record.add_metadata(key="error_code", value=str(code))
    record.flush_metrics()


def _within_the_invoke_response(answer: dict[str, Any], event_type: str) -> dict[str, Any]:
    """The answer, or an error if Lambda could not return it (6 MB, as its runtime encodes
    it: JSON with non-ASCII escaped, the larger way)."""
    size = len(json.dumps(answer))
    return answer if size <= LAMBDA_SYNC_PAYLOAD_BYTES else _too_large(size, event_type)


def _too_large(size: int, event_type: str) -> dict[str, Any]:
    logger.warning("answer too large", extra={"event_type": event_type, "bytes": size})
    return error_envelope(
        ErrorCode.VALIDATION_ERROR,
        f"the answer to {event_type} is {size:,} bytes, over the {LAMBDA_SYNC_PAYLOAD_BYTES:,}"
        " bytes (6 MB) a synchronous invoke may return",
        retryable=False,
    )


def build_handler(
    dispatcher: Dispatcher | None = None,
    database: Callable[[], Database] = get_gateway,
    *,
    json_answers: bool = False,
) -> LambdaHandler:
    """The decorated entry point around a `DataFunction` (tests build one with fakes)."""
    return decorate(DataFunction(dispatcher, database, json_answers=json_answers))


def decorate(function: DataFunction) -> LambdaHandler:
    """`function` under the decorator stack Lambda runs (logging context, tracing, metrics),
    guarded so that a failure of the stack itself still gets an answer."""

    # The correlation id is set once the event is parsed: a path into a raw event could make
    # the log carry any value sent, of any size or depth.
    @logger.inject_lambda_context(clear_state=True)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: Any, context: LambdaContext) -> Any:
        return function(event, context)

    def guarded(event: Any, context: LambdaContext) -> Any:
        try:
            return handler(event, context)
        except Exception:
            logger.exception("unexpected failure around the function")
            if is_sqs_batch(event):
                # Every record this batch can name is failed, for SQS to deliver again.
                ids = [r["messageId"] for r in event["Records"] if _reportable(r)]
                return {"batchItemFailures": [{"itemIdentifier": i} for i in ids]}
            return _internal(context)

    return cast(LambdaHandler, guarded)


lambda_handler = build_handler(json_answers=True)
# Under SnapStart, Lambda runs these before the snapshot and after each restore.
snapstart.register()
