"""What the function counts, as CloudWatch EMF records in the `Alex` namespace.

- Per event: one record with dimension `event_type` and metrics `Events`, `Latency` (ms) and
  `Errors` (with the error code as metadata).
- Per invocation: `Records` and, for an SQS batch, `RecordFailures` (a direct invoke's are in its
  event's record, under a directive of their own).
- Once per environment, after its first invocation: `ColdStart`, with dimension `function_name`.

Every record also has dimension `service`. They are written here in the EMF shape Powertools'
`Metrics` writes (the same keys in the same order, values as lists), following its switch
(`POWERTOOLS_METRICS_DISABLED`, dev mode), but not through it: Powertools' `EphemeralMetrics`
per event and `log_metrics` flush per invocation cost ~35 us and ~19 us of a direct invoke
on this kind of machine, against ~3 us each here: about half of what a small event spends
outside the Data API call (the figures are in the closing note of issue 15).
"""

from __future__ import annotations

import json
import sys
import time
from functools import cache

from alex_schemas.errors import ErrorCode
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.metrics.functions import (
    is_metrics_disabled,
    resolve_cold_start_function_name,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from alex_data.logs import SERVICE

__all__ = [
    "NAMESPACE",
    "count_batch",
    "count_cold_start",
    "count_invocation",
    "event_metrics",
    "invalid_event",
]

NAMESPACE = "Alex"
# The `event_type` of a record or event that is not a valid event.
_INVALID = "Invalid"

Dimensions = tuple[tuple[str, str], ...]
Metadata = tuple[tuple[str, str], ...]
# (name, unit): the unit's CloudWatch name, not the enum (these tuples are hashed on every write).
Metrics = tuple[tuple[str, str], ...]
# A metric directive: the names of its dimensions, and its metrics.
Directive = tuple[tuple[str, ...], Metrics]

_COUNT = MetricUnit.Count.value
_MILLISECONDS = MetricUnit.Milliseconds.value
_EVENT: Directive = (
    ("event_type", "service"),
    (
        ("Events", _COUNT),
        ("Latency", _MILLISECONDS),
        ("Errors", _COUNT),
    ),
)
_RECORDS: Directive = (("service",), (("Records", _COUNT),))
_BATCH: Directive = (
    ("service",),
    (("Records", _COUNT), ("RecordFailures", _COUNT)),
)
_COLD_START: Directive = (("function_name", "service"), (("ColdStart", _COUNT),))

_compact = json.JSONEncoder(separators=(",", ":")).encode


@cache
def _enabled() -> bool:
    """Powertools' switch, read once per environment: its variables do not change under Lambda
    (a test that sets them clears this cache)."""
    return not is_metrics_disabled()


@cache
def _record_template(
    dimensions: Dimensions, directives: tuple[Directive, ...], metadata: Metadata
) -> str:
    """A record of these dimensions, directives and metadata as one %-template: the timestamp,
    then each metric's value in the directives' order. A few dozen exist at most: dimension
    values are event type names, the service and the function's name; metadata an error code."""
    listed = [
        {
            "Namespace": NAMESPACE,
            "Dimensions": [list(names)],
            "Metrics": [{"Name": name, "Unit": unit} for name, unit in metrics],
        }
        for names, metrics in directives
    ]
    static = _compact({**dict(dimensions), **dict(metadata)})[1:-1].replace("%", "%%")
    directive = _compact(listed).replace("%", "%%")
    names = [_compact(name).replace("%", "%%") for _, metrics in directives for name, _ in metrics]
    numbers = "".join(f",{name}:[%r]" for name in names)
    return f'{{"_aws":{{"Timestamp":%d,"CloudWatchMetrics":{directive}}},{static}{numbers}}}\n'


def _write(
    dimensions: Dimensions,
    directives: tuple[Directive, ...],
    values: tuple[float, ...],
    metadata: Metadata = (),
) -> None:
    """One EMF record on stdout, where Lambda sends it to CloudWatch Logs (one line, one write);
    the values in the order of the directives' metrics."""
    if not _enabled():
        return
    template = _record_template(dimensions, directives, metadata)
    sys.stdout.write(template % (int(time.time() * 1000), *map(float, values)))


def event_metrics(
    event_type: str, latency_ms: float, code: ErrorCode | None, *, records: int | None = None
) -> None:
    """One EMF record for one event: a batch may mix event types, and a dimension value holds
    for every metric of its record. A direct invoke's one event also carries the invocation's
    `Records` (`records`), in a directive of its own: one record per invocation."""
    metadata: Metadata = () if code is None else (("error_code", str(code)),)
    values: tuple[float, ...] = (1, round(latency_ms, 3), 0 if code is None else 1)
    directives: tuple[Directive, ...] = (_EVENT,)
    if records is not None:
        directives, values = (_EVENT, _RECORDS), (*values, records)
    _write((("event_type", event_type), ("service", SERVICE)), directives, values, metadata)


def invalid_event(*, records: int | None = None) -> None:
    """An event or record refused before it reached an operation."""
    event_metrics(_INVALID, 0.0, ErrorCode.VALIDATION_ERROR, records=records)


def count_invocation() -> None:
    """A direct invoke whose event was never read: its `Records` on their own."""
    _write((("service", SERVICE),), (_RECORDS,), (1,))


def count_batch(records: int, failures: int) -> None:
    """An SQS batch: its records, and how many of them failed."""
    _write((("service", SERVICE),), (_BATCH,), (records, failures))


_cold = True


def count_cold_start(context: LambdaContext) -> None:
    """`ColdStart` once, after this environment's first invocation (as Powertools counts it:
    the function's name from `POWERTOOLS_METRICS_FUNCTION_NAME` or the context)."""
    global _cold
    if not _cold:
        return
    _cold = False
    name = resolve_cold_start_function_name(function_name=None, context=context)
    _write((("function_name", name), ("service", SERVICE)), (_COLD_START,), (1,))
