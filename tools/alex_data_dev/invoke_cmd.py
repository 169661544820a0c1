"""`alex-data invoke [FILE ...]`: run the real handler in-process on events and print the answers.

Each FILE holds one event: a direct one (`{"type": ...}`) or an SQS batch (`{"Records": [...]}`).
`-` (the default) reads stdin: one JSON document, or JSON lines (one event per line). All the
events run in one process, one after the other, each with a Lambda context of its own (a 30 s
budget, like the deployed function's timeout), against whatever the environment names
(`AURORA_*`, `AWS_ENDPOINT_URL_RDS_DATA`; see `alex_data_dev.endpoint` for what a loopback
endpoint gets supplied).

stdout carries the answers only: one event's answer indented, several events' answers one
compact JSON line each, in order. For an SQS batch each `batchItemFailures` entry also carries
the record's `code` and `message` (Lambda itself reads only `itemIdentifier`).
stderr carries the function's log lines at WARNING and above; `--verbose` adds every level and
the EMF metric lines, `--quiet` drops all the function prints.

Exit status: 0 every answer succeeded; 1 an answer is an error (an error envelope, or a batch
with failed records); 2 the input could not be read; 3 nothing answers at the endpoint;
4 the handler raised (a bug: the handler answers every failure).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any, TextIO, cast

from alex_data_dev import endpoint

__all__ = ["EXIT_ERROR_ANSWER", "EXIT_RAISED", "EXIT_UNREACHABLE", "EXIT_UNREADABLE", "run"]

EXIT_ERROR_ANSWER = 1
EXIT_UNREADABLE = 2
EXIT_UNREACHABLE = 3
EXIT_RAISED = 4


class _Unreadable(Exception):
    pass


def _read_events(sources: Sequence[str]) -> list[Any]:
    events: list[Any] = []
    for source in sources:
        try:
            text = sys.stdin.read() if source == "-" else _read_file(source)
        except OSError as exc:
            raise _Unreadable(f"cannot read an event from {source}: {exc}") from exc
        events.extend(_documents(text, source))
    return events


def _read_file(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _documents(text: str, source: str) -> list[Any]:
    """One JSON document, or (stdin only) one per non-blank line."""
    try:
        return [json.loads(text)]
    except ValueError as whole:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]
        if source != "-" or len(lines) < 2:
            raise _Unreadable(f"cannot read an event from {source}: {whole}") from None
    documents = []
    for n, line in lines:
        try:
            documents.append(json.loads(line))
        except ValueError as exc:
            raise _Unreadable(f"cannot read an event from stdin, line {n}: {exc}") from None
    return documents


@contextlib.contextmanager
def _function_output(args: argparse.Namespace) -> Iterator[None]:
    """Where the function's prints go, and how much of them (set before its first import)."""
    verbose = getattr(args, "verbose", False)
    quiet = getattr(args, "quiet", False)
    if not verbose and not (os.environ.get("POWERTOOLS_LOG_LEVEL") or os.environ.get("LOG_LEVEL")):
        os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    # Powertools prints logs and EMF metrics on stdout, as Lambda expects; here stdout carries
    # the answers only.
    with contextlib.ExitStack() as stack:
        sink = sys.stderr if verbose else cast(TextIO, _WithoutMetrics(sys.stderr))
        if quiet:
            sink = stack.enter_context(open(os.devnull, "w", encoding="utf-8"))
        stack.enter_context(contextlib.redirect_stdout(sink))
        yield


class _WithoutMetrics(io.TextIOBase):
    """Passes whole lines on to `target`, except EMF metric records (the cold-start one
    included, which POWERTOOLS_METRICS_DISABLED does not cover)."""

    def __init__(self, target: TextIO) -> None:
        self._target = target
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            if not line.startswith('{"_aws"'):
                self._target.write(line + "\n")
        self._target.flush()
        return len(text)


def _say(message: str) -> None:
    print(f"alex-data invoke: {message}", file=sys.stderr, flush=True)


def _succeeded(answer: Any) -> bool:
    if isinstance(answer, dict) and "batchItemFailures" in answer:
        return not answer["batchItemFailures"]
    return isinstance(answer, dict) and answer.get("ok") is True


def _with_reasons(answer: Any, reasons: dict[str, tuple[str, str]]) -> Any:
    if not (isinstance(answer, dict) and answer.get("batchItemFailures")):
        return answer
    failures = []
    for item in answer["batchItemFailures"]:
        code, message = reasons.get(str(item.get("itemIdentifier")), ("Internal", "unknown"))
        failures.append({**item, "code": code, "message": message})
    return {**answer, "batchItemFailures": failures}


def run(args: argparse.Namespace) -> int:
    sources = getattr(args, "files", None) or [getattr(args, "file", "-")]
    try:
        events = _read_events(sources)
    except _Unreadable as exc:
        _say(str(exc))
        return EXIT_UNREADABLE
    url = endpoint.endpoint_url()
    if url is not None and not endpoint.missing_configuration():
        why = endpoint.unreachable(url)
        if why is not None:
            _say(endpoint.unreachable_message(url, why))
            return EXIT_UNREACHABLE
    note = endpoint.supply_local_defaults()
    if note and not getattr(args, "quiet", False):
        _say(note)
    status = 0
    internal = False
    out = sys.stdout
    indent = 2 if len(events) == 1 else None
    with _function_output(args):
        from alex_data.handler import decorate
        from alex_data.invocation import DataFunction

        from alex_data_dev.testing import LocalLambdaContext

        function = DataFunction()
        handler = decorate(function)
        for event in events:
            try:
                answer = handler(event, LocalLambdaContext())
            except Exception as exc:  # the handler raising is what the exit status reports
                _say(f"the handler raised {exc!r}")
                return EXIT_RAISED
            answer = _with_reasons(answer, function.record_failures)
            if not _succeeded(answer):
                status = EXIT_ERROR_ANSWER
                internal = internal or _is_internal(answer)
            print(json.dumps(answer, indent=indent, default=str), file=out, flush=True)
    missing = endpoint.missing_configuration()
    if internal and missing:
        _say(endpoint.missing_message(missing))
    return status


def _is_internal(answer: Any) -> bool:
    if not isinstance(answer, dict):
        return False
    errors = answer.get("batchItemFailures") or [answer.get("error")]
    return any(isinstance(e, dict) and e.get("code") == "Internal" for e in errors)
