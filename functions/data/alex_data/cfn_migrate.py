"""Deploy-time migrations: the CloudFormation custom resource `Migrations` in template.yaml.

CloudFormation sends Create, Update or Delete and then waits for an answer PUT to a pre-signed
URL; without one the stack hangs for an hour before it gives up. So every path answers exactly
once: SUCCESS with the names of the files applied, FAILED with the error's message, or FAILED
from a timer a few seconds before the function's own timeout when the migrations overrun.

Create and Update run `alex_data.migrate.apply_migrations`, which applies only the files not yet
recorded: an Update caused by a code change without a new migration is a no-op. Delete does
nothing: the database outlives the resource (and the cluster keeps its own deletion policy).

Rollbacks do nothing either. When a deploy fails after this resource was updated (or because a
migration failed), CloudFormation sends an Update back to the old properties, and that request
reaches the new code, failing migration included: running it again would fail the rollback too
and leave the stack in UPDATE_ROLLBACK_FAILED. The `CodeVersion` property (a Lambda version ARN,
whose number only grows) tells: a rollback asks for an older version than the one it replaces.
Migrations never run backwards; a failed file was rolled back by its own transaction.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Callable, Mapping
from typing import Any, Protocol

from aws_lambda_powertools import Logger

from alex_data.gateway import get_gateway
from alex_data.migrate import apply_migrations

__all__ = ["ANSWER_MARGIN_SECONDS", "handle", "handler", "is_rollback"]

log = Logger(service="alex-data-migrate")

# Kept back from the function's remaining time: enough to PUT the answer after a timeout.
ANSWER_MARGIN_SECONDS = 10.0
# CloudFormation rejects an answer over 4096 bytes; the reason is the only unbounded part.
_MAX_REASON = 1000

Migrate = Callable[[float], list[str]]
Send = Callable[[str, bytes], None]


class LambdaContext(Protocol):
    @property
    def log_stream_name(self) -> str: ...

    def get_remaining_time_in_millis(self) -> int: ...


def handler(event: Mapping[str, Any], context: LambdaContext) -> None:
    """The Lambda entry point (`alex_data.cfn_migrate.handler`)."""
    handle(event, context, migrate=_migrate, send=_put)


def handle(
    event: Mapping[str, Any], context: LambdaContext, *, migrate: Migrate, send: Send
) -> dict[str, Any]:
    """Run the request, answer CloudFormation once, and return the answer sent."""
    budget = max(context.get_remaining_time_in_millis() / 1000 - ANSWER_MARGIN_SECONDS, 0.0)
    answer = _Answer(event, context, send)
    overrun = threading.Timer(
        budget, answer.fail_quietly, args=("migrations did not finish before the timeout",)
    )
    overrun.daemon = True
    overrun.start()
    try:
        request = event["RequestType"]
        if request == "Delete":
            answer.succeed({})
        elif is_rollback(event):
            log.info("rollback: migrations left as they are", extra={"request": request})
            answer.succeed({"Applied": "none"})
        else:
            applied = migrate(budget)
            log.info("migrations applied", extra={"request": request, "applied": applied})
            answer.succeed({"Applied": ", ".join(applied) or "none"})
    except Exception as exc:
        log.exception("migrations failed")
        answer.fail(f"{type(exc).__name__}: {exc}")
    finally:
        overrun.cancel()
    return answer.sent or {}


def is_rollback(event: Mapping[str, Any]) -> bool:
    """An Update back to an older code version than the one being replaced."""
    if event.get("RequestType") != "Update":
        return False
    wanted = _version_number(event.get("ResourceProperties", {}).get("CodeVersion"))
    replaced = _version_number(event.get("OldResourceProperties", {}).get("CodeVersion"))
    return wanted is not None and replaced is not None and wanted < replaced


def _version_number(arn: object) -> int | None:
    # arn:aws:lambda:region:account:function:name:7 -> 7
    if not isinstance(arn, str):
        return None
    number = arn.rpartition(":")[2]
    return int(number) if number.isdigit() else None


class _Answer:
    """The one answer to one request: whichever of the run and the timer comes first wins."""

    def __init__(self, event: Mapping[str, Any], context: LambdaContext, send: Send) -> None:
        self._event = event
        self._context = context
        self._send = send
        self._lock = threading.Lock()
        self.sent: dict[str, Any] | None = None

    def succeed(self, data: Mapping[str, str]) -> None:
        self._answer({"Status": "SUCCESS", "Data": dict(data)})

    def fail(self, reason: str) -> None:
        logs = f" (log stream {self._context.log_stream_name})"
        self._answer({"Status": "FAILED", "Reason": reason[: _MAX_REASON - len(logs)] + logs})

    def fail_quietly(self, reason: str) -> None:
        # Runs on the timer thread, where an exception would vanish: log it instead.
        try:
            self.fail(reason)
        except Exception:
            log.exception("could not answer CloudFormation")

    def _answer(self, outcome: dict[str, Any]) -> None:
        with self._lock:
            if self.sent is not None:
                return
            body = {
                **outcome,
                "PhysicalResourceId": self._physical_id(),
                "StackId": self._event["StackId"],
                "RequestId": self._event["RequestId"],
                "LogicalResourceId": self._event["LogicalResourceId"],
            }
            self._send(self._event["ResponseURL"], json.dumps(body).encode())
            self.sent = body

    def _physical_id(self) -> str:
        # Stable across updates: a new id would make CloudFormation delete the "old" resource.
        existing = self._event.get("PhysicalResourceId")
        if isinstance(existing, str) and existing:
            return existing
        database = self._event.get("ResourceProperties", {}).get("Database", "alex")
        return f"alex-data-migrations-{database}"


def _migrate(seconds: float) -> list[str]:
    return apply_migrations(get_gateway().session(seconds))


def _put(url: str, body: bytes) -> None:
    # An error here propagates: CloudFormation invokes asynchronously, so Lambda retries the
    # whole request (the migrations are idempotent) rather than the stack hanging for an hour.
    if not url.startswith("https://"):
        raise ValueError("CloudFormation's ResponseURL must be https")
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, data=body, method="PUT", headers={"Content-Type": ""}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        response.read()
