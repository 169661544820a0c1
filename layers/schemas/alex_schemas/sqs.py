"""SQS record and event models whose bodies are data events, for Powertools' parser and
`BatchProcessor(EventType.SQS, model=DataEventSqsRecord)`.

A separate module because it imports Powertools' parser models, which agents that only
invoke the function do not need.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_lambda_powertools.utilities.parser.models import SqsModel, SqsRecordModel
from pydantic import Json

from alex_schemas.events import DataEvent

__all__ = ["DataEventSqsEvent", "DataEventSqsRecord", "batch_item_failures"]


class DataEventSqsRecord(SqsRecordModel):
    body: Json[DataEvent]


class DataEventSqsEvent(SqsModel):
    Records: list[DataEventSqsRecord]


def batch_item_failures(message_ids: Sequence[str]) -> dict[str, list[dict[str, str]]]:
    """The partial-batch answer Lambda expects from an SQS-triggered function."""
    return {"batchItemFailures": [{"itemIdentifier": m} for m in message_ids]}
