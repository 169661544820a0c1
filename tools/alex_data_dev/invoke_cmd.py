"""`alex-data invoke FILE|-`: run the real handler in-process on one event and print its answer.

The event is a direct one (`{"type": ...}`) or an SQS batch (`{"Records": [...]}`), read from a
file or stdin. The handler runs with a Lambda context of its own (a 30 s budget, like the
deployed function's timeout) against whatever the environment names (`AURORA_*`,
`AWS_ENDPOINT_URL_RDS_DATA`). Its answer is the only thing printed on stdout, as JSON; the
function's logs and metrics go to stderr. The exit status is 0 whenever the handler returned,
whatever it answered (an error envelope is an answer); 1 when the handler raised, 2 when the
input could not be read.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

__all__ = ["LocalContext", "run"]


@dataclass
class LocalContext:
    """The parts of Lambda's context object the handler and Powertools read."""

    function_name: str = "alex-data-local"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 512
    timeout_seconds: float = 30.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/alex-data-local"
    log_stream_name: str = "local"
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        left = self.timeout_seconds - (time.monotonic() - self._started)
        return max(0, int(left * 1000))


def _read(source: str) -> Any:
    text = sys.stdin.read() if source == "-" else _read_file(source)
    return json.loads(text)


def _read_file(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def run(args: argparse.Namespace) -> int:
    try:
        event = _read(args.file)
    except (OSError, ValueError) as exc:
        print(f"alex-data invoke: cannot read an event from {args.file}: {exc}", file=sys.stderr)
        return 2
    # Powertools prints logs and EMF metrics on stdout, as Lambda expects; here stdout carries
    # the answer only, so everything the function prints goes to stderr.
    with contextlib.redirect_stdout(sys.stderr):
        from alex_data.handler import lambda_handler
        from aws_lambda_powertools.utilities.typing import LambdaContext

        try:
            answer = lambda_handler(event, cast(LambdaContext, LocalContext()))
        except Exception as exc:  # the handler raising is what the exit status reports
            print(f"alex-data invoke: the handler raised {exc!r}", file=sys.stderr)
            return 1
    print(json.dumps(answer, indent=2, default=str))
    return 0
