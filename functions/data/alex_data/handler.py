"""The Lambda entry point: a decorator stack and one call.

`lambda_handler` is a `DataFunction` (alex_data.invocation: what a direct invoke and an SQS batch
are answered) under Powertools' Logger and, where tracing is on, its Tracer (alex_data.logs,
alex_data.tracing), with the cold-start metric counted after it (alex_data.metrics writes the
EMF records). Nothing escapes: the function answers every failure of its own, and the stack
itself is guarded the same way, so that a failure there still gets an answer.

Importing this module builds the logger and a tracer (X-Ray only where tracing is on), in a
Lambda runtime also the Data API client (alex_data.snapstart.prepare_init), and nothing that only
some events need: the SQS machinery is imported on the first batch, an operation on its first
event.
"""

from __future__ import annotations

from alex_schemas import collector

# The imports build long-lived objects only (alex_schemas.collector).
with collector.paused_in_lambda():
    from collections.abc import Callable
    from typing import Any, cast

    from aws_lambda_powertools.utilities.typing import LambdaContext

    from alex_data import snapstart
    from alex_data.gateway import get_gateway
    from alex_data.invocation import (
        Database,
        DataFunction,
        Dispatcher,
        internal_error,
        is_sqs_batch,
        reportable,
    )
    from alex_data.logs import logger
    from alex_data.metrics import count_cold_start
    from alex_data.tracing import tracer

__all__ = ["build_handler", "decorate", "lambda_handler"]

LambdaHandler = Callable[[Any, LambdaContext], Any]


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

    def handler(event: Any, context: LambdaContext) -> Any:
        answer = function(event, context)
        count_cold_start(context)
        return answer

    # A disabled Tracer's decorator opens and closes a segment that records nothing: where
    # tracing is off the handler goes without it.
    if not tracer.disabled:
        handler = tracer.capture_lambda_handler(capture_response=False)(handler)
    # The correlation id is set once the event is parsed: a path into a raw event could make
    # the log carry any value sent, of any size or depth.
    handler = logger.inject_lambda_context(clear_state=True)(handler)

    def guarded(event: Any, context: LambdaContext) -> Any:
        try:
            return handler(event, context)
        except Exception:
            logger.exception("unexpected failure around the function")
            if is_sqs_batch(event):
                # Every record this batch can name is failed, for SQS to deliver again.
                ids = [r["messageId"] for r in event["Records"] if reportable(r)]
                return {"batchItemFailures": [{"itemIdentifier": i} for i in ids]}
            return internal_error(context)

    return cast(LambdaHandler, guarded)


lambda_handler = build_handler(json_answers=True)
# Under SnapStart, Lambda runs these before the snapshot and after each restore.
snapstart.register()
# In a Lambda runtime the init phase builds the Data API client (nowhere else: tests, tools).
snapstart.prepare_init()
