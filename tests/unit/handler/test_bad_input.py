"""Property-based: whatever arrives, the handler answers; what the exported JSON Schema refuses
is a ValidationError that reaches neither an operation nor the database, and the model
refuses nothing the schema accepts but the rules JSON Schema cannot state (MODEL_ONLY).

The same generators drive tests/integration/handler/test_bad_input_local.py against the real
gateway and PostgreSQL."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

import pytest
from alex_data.handler import build_handler
from alex_data.logs import logger
from alex_data.problems import MAX_MESSAGE
from alex_data.sql_runner import SqlRunner
from alex_data_dev.testing import LocalLambdaContext, sqs_record
from alex_schemas.envelope import ErrorCode
from alex_schemas.events import DataEvent, data_event_adapter
from alex_schemas.results import Result
from aws_lambda_powertools.utilities.typing import LambdaContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.bad_inputs import (
    EXAMPLES,
    MARK,
    arbitrary_events,
    bad_record,
    json_text_can_hold,
    schema_accepts,
)

# Rules of the model that JSON Schema cannot state: decimal precision and the bounds of a
# decimal sent as a string, allocation sums, distinct symbols after upper-casing, "change at
# least one field", lone surrogates. An input the schema accepts may be refused for these only.
MODEL_ONLY = frozenset(
    {
        "decimal_max_digits",
        "decimal_max_places",
        "decimal_whole_digits",
        "decimal_precision",
        "allocation_sum",
        "repeated_symbol",
        "text_surrogate",
        "value_error",
        "greater_than",
        "greater_than_equal",
        "less_than",
        "less_than_equal",
        "summary_key",
    }
)
CODES = {str(code) for code in ErrorCode}


class Echo(Result):
    event_type: str


@dataclass
class Recorder:
    """Dispatcher and database at once: records what reached them."""

    dispatched: list[DataEvent] = field(default_factory=list)
    database_calls: int = 0

    def __call__(self, event: DataEvent, db: SqlRunner) -> Result:
        self.dispatched.append(event)
        return Echo(event_type=event.type)

    def session(self, seconds: float) -> SqlRunner:
        self.database_calls += 1
        return cast(SqlRunner, self)


class LogLines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(logger.registered_formatter.format(record))


@pytest.fixture(scope="module")
def logs() -> Iterator[LogLines]:
    lines = LogLines()
    root = logging.getLogger()
    root.addHandler(lines)
    yield lines
    root.removeHandler(lines)
    # what the properties tried, for the record (pytest -s shows it)
    print(f"\nbad-input tally (unit, fakes): {TALLY}")


def context() -> LambdaContext:
    return cast(LambdaContext, LocalLambdaContext())


def model_problems(event: Any) -> set[str] | None:
    """The kinds of problem the model finds, None when it accepts the event."""
    try:
        data_event_adapter().validate_python(event)
    except ValidationError as exc:
        return {item["type"] for item in exc.errors()}
    return None


def assert_envelope(answer: Any) -> None:
    assert isinstance(answer, dict)
    assert isinstance(answer.get("ok"), bool)
    if not answer["ok"]:
        error = answer["error"]
        assert error["code"] in CODES
        assert isinstance(error["message"], str)
        assert len(error["message"]) <= MAX_MESSAGE


TALLY = {"direct": 0, "refused": 0, "calls_for_refused": 0, "sqs_batches": 0}


@settings(
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(event=arbitrary_events)
def test_every_direct_input_gets_an_envelope_and_the_schema_decides(
    event: Any, logs: LogLines
) -> None:
    recorder = Recorder()
    logs.lines.clear()
    answer = build_handler(recorder, lambda: recorder)(event, context())
    TALLY["direct"] += 1

    assert_envelope(answer)
    representable = json_text_can_hold(event)
    refused = not answer["ok"] and answer["error"]["code"] == "ValidationError"
    if refused:
        TALLY["refused"] += 1
        TALLY["calls_for_refused"] += recorder.database_calls + len(recorder.dispatched)
        # nothing reached an operation or the database
        assert recorder.dispatched == []
        assert recorder.database_calls == 0
    else:
        assert answer["ok"], answer
    accepted_by_schema = representable and schema_accepts(event)
    if representable and not accepted_by_schema:
        assert refused, f"the schema refuses it, the function answered {answer}"
    if accepted_by_schema and refused:
        problems = model_problems(event)
        assert problems is not None
        assert problems <= MODEL_ONLY, problems
    if not representable:
        # NaN, Infinity and lone surrogates are not JSON text, and storage refuses them
        assert refused, answer
    if refused:
        assert MARK not in answer["error"]["message"]
        assert "\x00" not in answer["error"]["message"]
    assert not any(MARK in line for line in logs.lines), logs.lines


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(bad=st.data(), position=st.integers(min_value=0, max_value=9))
def test_one_bad_record_in_a_batch_of_ten_fails_alone(
    bad: st.DataObject, position: int, logs: LogLines
) -> None:
    records = [sqs_record(EXAMPLES[i % len(EXAMPLES)], message_id=f"m{i}") for i in range(10)]
    records[position] = bad.draw(bad_record(f"m{position}"))
    recorder = Recorder()
    logs.lines.clear()
    answer = build_handler(recorder, lambda: recorder)({"Records": records}, context())
    TALLY["sqs_batches"] += 1

    assert isinstance(answer, dict)
    assert set(answer) == {"batchItemFailures"}
    failed = [item["itemIdentifier"] for item in answer["batchItemFailures"]]
    # the good records all went through; the bad one, if anything, is the only failure
    assert set(failed) <= {f"m{position}"}
    good = [r for i, r in enumerate(records) if i != position]
    assert len(recorder.dispatched) in (len(good), len(good) + 1)
    if len(recorder.dispatched) == len(good):
        # the bad record did not run: it is reported, or it has no id to report it by
        has_id = isinstance(records[position].get("messageId"), str)
        assert failed == ([f"m{position}"] if has_id else [])
    assert not any(MARK in line for line in logs.lines)
