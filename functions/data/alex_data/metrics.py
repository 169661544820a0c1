"""What the function counts, as CloudWatch EMF records in the `Alex` namespace.

Per event: one record with dimension `event_type` and metrics `Events`, `Latency` (ms) and
`Errors` (with the error code as metadata). Per invocation, on the handler's `metrics`: `Records`
and, for an SQS batch, `RecordFailures`; Powertools adds `ColdStart`.
"""

from __future__ import annotations

from alex_schemas.errors import ErrorCode
from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

from alex_data.logs import SERVICE

__all__ = [
    "NAMESPACE",
    "count_batch",
    "count_invocation",
    "event_metrics",
    "invalid_event",
    "metrics",
]

NAMESPACE = "Alex"
# The `event_type` of a record or event that is not a valid event.
_INVALID = "Invalid"

# Flushed by the handler's `log_metrics` decorator at the end of each invocation.
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


def event_metrics(event_type: str, latency_ms: float, code: ErrorCode | None) -> None:
    """One EMF record for one event: a batch may mix event types, and a dimension value holds
    for every metric of its record."""
    record = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
    record.add_dimension(name="event_type", value=event_type)
    record.add_metric(name="Events", unit=MetricUnit.Count, value=1)
    record.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=round(latency_ms, 3))
    record.add_metric(name="Errors", unit=MetricUnit.Count, value=0 if code is None else 1)
    if code is not None:
        record.add_metadata(key="error_code", value=str(code))
    record.flush_metrics()


def invalid_event() -> None:
    """An event or record refused before it reached an operation."""
    event_metrics(_INVALID, 0.0, ErrorCode.VALIDATION_ERROR)


def count_invocation() -> None:
    """A direct invoke: one record."""
    metrics.add_metric(name="Records", unit=MetricUnit.Count, value=1)


def count_batch(records: int, failures: int) -> None:
    """An SQS batch: its records, and how many of them failed."""
    metrics.add_metric(name="Records", unit=MetricUnit.Count, value=records)
    metrics.add_metric(name="RecordFailures", unit=MetricUnit.Count, value=failures)
