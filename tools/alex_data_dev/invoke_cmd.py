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
from typing import Any, cast

__all__ = ["run"]


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
        from alex_schemas.client import LocalLambdaContext
        from aws_lambda_powertools.utilities.typing import LambdaContext

        try:
            answer = lambda_handler(event, cast(LambdaContext, LocalLambdaContext()))
        except Exception as exc:  # the handler raising is what the exit status reports
            print(f"alex-data invoke: the handler raised {exc!r}", file=sys.stderr)
            return 1
    print(json.dumps(answer, indent=2, default=str))
    return 0
