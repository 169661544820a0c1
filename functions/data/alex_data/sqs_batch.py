"""The SQS path: Powertools' `BatchProcessor`, each record read as a `DataEventSqsRecord`, and
the failure hook that logs, counts and notes every failed record.

This module is imported on the first SQS batch, never with the handler: Powertools' batch
utility and parser models cost about 60 ms of a cold start (`python -X importtime`) that a
direct invoke does not need.

A failed record is reported in `batchItemFailures`, so SQS makes it visible again after the
visibility timeout and the queue's redrive policy (`maxReceiveCount`, 3 in template.yaml) moves it
to the dead-letter queue after that many receives. A record that is not a valid event (a poison
message) or that failed for good (NotFound, Conflict, ValidationError) thus costs two more
deliveries and lands in the DLQ with its body intact for inspection; a record that failed with a
retryable error (Unavailable) gets the same retries, which is what it needs. Nothing is dropped
silently, and every operation is idempotent, so a redelivered record that had in fact been
applied changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from alex_schemas.errors import DataError, ErrorCode
from alex_schemas.events import DataEvent
from alex_schemas.sqs import DataEventSqsRecord
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.base import FailureResponse
from aws_lambda_powertools.utilities.batch.exceptions import ExceptionInfo
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from alex_data.logs import log_failure, logger
from alex_data.metrics import invalid_event
from alex_data.problems import InvalidEvent, describe_validation

__all__ = [
    "FailureHook",
    "Reasons",
    "RecordProcessor",
    "failure_hook",
    "process_batch",
    "record_event",
]

# (record, (type, error, traceback)): the record is Powertools' `SQSRecord` around the raw one
# (no model: the record handler reads it), None only if Powertools could not wrap it.
FailureHook = Callable[[SQSRecord | None, ExceptionInfo], None]
RecordHandler = Callable[[SQSRecord, LambdaContext], Any]
# Failed records by message id: (code, message), for tools that show why (`alex-data invoke`).
Reasons = dict[str, tuple[str, str]]


class RecordProcessor(BatchProcessor):
    """Each record on its own; a failed one is reported to `on_failure`, then to the batch."""

    def __init__(self, on_failure: FailureHook) -> None:
        # No model: the record handler reads each record (`record_event`), so that whatever a
        # record holds, a bad one fails in that handler, alone, like any other failure.
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        self._on_failure = on_failure

    def failure_handler(
        self, record: SQSRecord | None, exception: ExceptionInfo
    ) -> FailureResponse:
        self._on_failure(record, exception)
        return super().failure_handler(record, exception)


def record_event(raw: dict[str, Any]) -> DataEvent:
    """The event an SQS record carries; `InvalidEvent`, naming the fields, if it is not one."""
    try:
        return DataEventSqsRecord.model_validate(raw).body
    except ValidationError as exc:
        raise InvalidEvent(describe_validation(exc)) from None


def process_batch(
    event: dict[str, Any],
    record_handler: RecordHandler,
    processor: RecordProcessor,
    context: LambdaContext,
) -> PartialItemFailureResponse:
    """The partial-batch response: one `batchItemFailures` entry per failed record."""
    return process_partial_response(
        event=event, record_handler=record_handler, processor=processor, context=context
    )


def failure_hook(reasons: Reasons) -> FailureHook:
    """The hook that logs and counts a failed record and notes its (code, message) in
    `reasons`."""

    def failed(record: SQSRecord | None, exception: ExceptionInfo) -> None:
        error = exception[1]
        raw: Mapping[str, Any] = record.raw_event if record is not None else {}
        message_id = raw.get("messageId", "?")
        receives = _receive_count(raw)
        if isinstance(error, InvalidEvent):
            logger.error(
                "SQS record is not a valid event; reported failed (DLQ after maxReceiveCount)",
                extra={
                    "message_id": message_id,
                    "receive_count": receives,
                    "problems": error.problems,
                },
            )
            invalid_event()
            reasons[message_id] = (str(ErrorCode.VALIDATION_ERROR), error.problems)
        elif isinstance(error, DataError):
            log_failure(
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

    return failed


def _receive_count(record: Mapping[str, Any]) -> int | None:
    """How many times SQS has delivered the record (the DLQ takes it at maxReceiveCount)."""
    attributes = record.get("attributes")
    value = attributes.get("ApproximateReceiveCount") if isinstance(attributes, Mapping) else None
    # a malformed record may carry anything here
    if isinstance(value, str) and value.isdigit() and len(value) < 10:
        return int(value)
    return None
