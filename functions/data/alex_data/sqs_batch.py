"""The SQS path: Powertools' `BatchProcessor`, each record read as a `DataEventSqsRecord`.

The handler imports this module on its first SQS batch, never at import: Powertools' batch
utility and parser models cost about 60 ms of a cold start (`python -X importtime`) that a
direct invoke does not need. What to log and count for a failed record stays with the handler,
which passes it in as `on_failure`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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

__all__ = ["FailureHook", "RecordProcessor", "process_batch", "record_event"]

# (record, (type, error, traceback)): the record is Powertools' `SQSRecord` around the raw one
# (no model: the record handler reads it), None only if Powertools could not wrap it.
FailureHook = Callable[[SQSRecord | None, ExceptionInfo], None]
RecordHandler = Callable[[SQSRecord, LambdaContext], Any]


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
    """The event an SQS record carries; pydantic's ValidationError if the record is not one."""
    return DataEventSqsRecord.model_validate(raw).body


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
