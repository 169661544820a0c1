"""The Lambda entry point: a decorator stack and one call.

Two kinds of invocation arrive here:

- a direct invoke carries one event (`{"type": "GetPortfolio", ...}`) and is answered with the
  envelope: `{"ok": true, "result": {...}}` or
  `{"ok": false, "error": {"code", "message", "retryable"}}`. Validation problems are
  `ValidationError` with the fields named; domain errors keep their code; anything unexpected
  is `Internal` with the request id, its details only in the log.
- an SQS batch goes through Powertools' `BatchProcessor` with `DataEventSqsRecord` (the body is
  validated as the `DataEvent` union). Each record runs on its own: a record that fails is one
  `batchItemFailures` entry, the others commit. The answer is always the partial-batch
  response, even when every record failed (the queue treats both alike).

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
from alex_data.gateway import SqlRunner, get_gateway
from alex_data.tracing import build_tracer

if TYPE_CHECKING:
    # Imported for real on the first SQS batch (see `DataFunction.batch`).
    from alex_schemas.sqs import DataEventSqsRecord
    from aws_lambda_powertools.utilities.batch.exceptions import ExceptionInfo
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse

    from alex_data.sqs_batch import FailedRecord, RecordProcessor

__all__ = ["DataFunction", "Dispatcher", "build_handler", "lambda_handler"]

SERVICE = "alex-data"
NAMESPACE = "Alex"
# Left of the invocation's time for answering after the last Data API retry gives up.
_ANSWER_MARGIN_MS = 1500
# At most this many field problems are listed in a ValidationError message.
_MAX_PROBLEMS = 8

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

    def bounded(self, seconds: float) -> SqlRunner: ...


def _default_dispatch(event: DataEvent, db: SqlRunner) -> BaseModel:
    # Imported on first use: the registry pulls in every operation and repository.
    from alex_data.dispatch import dispatch

    return dispatch(event, db)


def _record_failed(
    reasons: dict[str, tuple[str, str]],
    record: FailedRecord,
    exception: ExceptionInfo,
    parsed: bool,
) -> None:
    """Logs and counts a failed SQS record (a poison body never reaches the record handler),
    and notes its (code, message) in `reasons` by message id."""
    error = exception[1]
    message_id = getattr(record, "message_id", None) or getattr(record, "messageId", "?")
    receives = _receive_count(record)
    if not parsed and isinstance(error, ValidationError):
        logger.error(
            "SQS record is not a valid event; reported failed (DLQ after maxReceiveCount)",
            extra={
                "message_id": message_id,
                "receive_count": receives,
                "problems": describe_validation(error),
            },
        )
        _event_metrics("Invalid", 0.0, ErrorCode.VALIDATION_ERROR)
        reasons[str(message_id)] = (str(ErrorCode.VALIDATION_ERROR), describe_validation(error))
    elif isinstance(error, DataError):
        _log_failure(
            "SQS record failed; reported for redelivery",
            error,
            logger.warning,
            message_id=message_id,
            receive_count=receives,
        )
        reasons[str(message_id)] = (str(error.code), error.message)
    else:
        logger.error(
            "SQS record failed unexpectedly; reported for redelivery",
            extra={"message_id": message_id, "receive_count": receives},
            exc_info=error,
        )
        reasons[str(message_id)] = (
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


def _receive_count(record: Any) -> int | None:
    """How many times SQS has delivered the record (the DLQ takes it at maxReceiveCount)."""
    attributes = getattr(record, "attributes", None)
    try:
        value = getattr(attributes, "ApproximateReceiveCount", None) or getattr(
            attributes, "approximate_receive_count", None
        )
    except (KeyError, TypeError):  # a malformed record may lack its attributes
        return None
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class DataFunction:
    """The function's behaviour, with its collaborators injected (tests pass fakes)."""

    def __init__(
        self,
        dispatcher: Dispatcher | None = None,
        database: Callable[[], Database] = get_gateway,
    ) -> None:
        self._dispatch = dispatcher or _default_dispatch
        self._database = database
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

    def direct(self, event: Any, context: LambdaContext) -> dict[str, Any]:
        metrics.add_metric(name="Records", unit=MetricUnit.Count, value=1)
        try:
            if not isinstance(event, Mapping):
                raise _NotAnObject(type(event).__name__)
            # The union the SQS record model carries as its body, with the errors it gives.
            parsed = parse_event(dict(event))
        except (ValidationError, _NotAnObject) as exc:
            problems = (
                describe_validation(exc)
                if isinstance(exc, ValidationError)
                else f"the event must be a JSON object, not {exc}"
            )
            event_type = event.get("type") if isinstance(event, Mapping) else None
            logger.info("invalid event", extra={"event_type": event_type, "problems": problems})
            _event_metrics("Invalid", 0.0, ErrorCode.VALIDATION_ERROR)
            return error_envelope(ErrorCode.VALIDATION_ERROR, problems, retryable=False)
        try:
            result = self._run(parsed, context)
        except DataError as exc:
            return error_envelope(exc.code, exc.message, retryable=exc.retryable)
        except Exception:
            logger.exception("unexpected failure", extra={"event_type": parsed.type})
            request = getattr(context, "aws_request_id", "?")
            return error_envelope(
                ErrorCode.INTERNAL,
                f"internal error (request {request}); details are in the function's log",
                retryable=False,
            )
        answer = {"ok": True, "result": result.model_dump(mode="json")}
        return _within_the_invoke_response(answer, parsed.type)

    # --- SQS ---

    def batch(self, event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
        # Imported on the first batch: a direct invoke never needs Powertools' batch machinery.
        from alex_data.sqs_batch import RecordProcessor, process_batch

        if self._processor is None:
            self._processor = RecordProcessor(
                on_failure=lambda record, exception, parsed: _record_failed(
                    self._reasons, record, exception, parsed
                )
            )
        self._reasons = {}
        response = process_batch(event, self._record, self._processor, context)
        failures = len(response.get("batchItemFailures", []))
        metrics.add_metric(name="Records", unit=MetricUnit.Count, value=len(event["Records"]))
        metrics.add_metric(name="RecordFailures", unit=MetricUnit.Count, value=failures)
        return response

    def _record(self, record: DataEventSqsRecord, lambda_context: LambdaContext) -> Any:
        event = record.body
        job_id = getattr(event, "job_id", None)
        logger.set_correlation_id(str(job_id) if job_id is not None else record.messageId)
        logger.append_keys(message_id=record.messageId)
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
            db = self._database().bounded(max(0.0, remaining_ms / 1000))
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


class _NotAnObject(Exception):
    pass


def is_sqs_batch(event: Any) -> bool:
    """An SQS trigger's event: `Records` whose every item comes from `aws:sqs`."""
    if not isinstance(event, Mapping):
        return False
    records = event.get("Records")
    return (
        isinstance(records, list)
        and bool(records)
        and all(isinstance(r, Mapping) and r.get("eventSource") == "aws:sqs" for r in records)
    )


def describe_validation(error: ValidationError) -> str:
    """`field.path: problem; ...` for the caller, without echoing the values sent."""
    problems = []
    for item in error.errors()[:_MAX_PROBLEMS]:
        where = ".".join(str(part) for part in item["loc"]) or "event"
        problems.append(f"{where}: {item['msg']}")
    more = error.error_count() - _MAX_PROBLEMS
    if more > 0:
        problems.append(f"and {more} more")
    return "; ".join(problems)


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
    if size <= LAMBDA_SYNC_PAYLOAD_BYTES:
        return answer
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
) -> LambdaHandler:
    """The decorated entry point around a `DataFunction` (tests build one with fakes)."""
    return decorate(DataFunction(dispatcher, database))


def decorate(function: DataFunction) -> LambdaHandler:
    """`function` under the decorator stack Lambda runs (logging context, tracing, metrics)."""

    @logger.inject_lambda_context(correlation_id_path="job_id", clear_state=True)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: Any, context: LambdaContext) -> Any:
        return function(event, context)

    return cast(LambdaHandler, handler)


lambda_handler = build_handler()
# Under SnapStart, Lambda runs these before the snapshot and after each restore.
snapstart.register()
