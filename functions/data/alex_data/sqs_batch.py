"""The SQS path: Powertools' `BatchProcessor` over `DataEventSqsRecord`.

The handler imports this module on its first SQS batch, never at import: Powertools' batch
utility and parser models cost about 60 ms of a cold start (`python -X importtime`) that a
direct invoke does not need. What to log and count for a failed record stays with the handler,
which passes it in as `on_failure`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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

__all__ = ["FailedRecord", "FailureHook", "RecordProcessor", "process_batch"]

# What Powertools hands a failure handler: the parsed record when the record handler raised,
# its raw `SQSRecord` when the body did not validate (a poison message), None when the record
# could not be read at all.
FailedRecord = DataEventSqsRecord | SQSRecord | None
# (record, (type, error, traceback), parsed): `parsed` is True for the parsed record only.
FailureHook = Callable[[FailedRecord, ExceptionInfo, bool], None]
RecordHandler = Callable[[DataEventSqsRecord, LambdaContext], Any]


class RecordProcessor(BatchProcessor):
    """Each record on its own; a failed one is reported to `on_failure`, then to the batch."""

    def __init__(self, on_failure: FailureHook) -> None:
        super().__init__(
            event_type=EventType.SQS,
            model=DataEventSqsRecord,
            raise_on_entire_batch_failure=False,
        )
        self._on_failure = on_failure

    def failure_handler(self, record: FailedRecord, exception: ExceptionInfo) -> FailureResponse:
        self._on_failure(record, exception, isinstance(record, DataEventSqsRecord))
        return super().failure_handler(record, exception)


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
