"""The EMF records the function writes: valid EMF that CloudWatch can read, one per event, one
per invocation, `ColdStart` once per environment, and none when Powertools' switch is off."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, cast

import pytest
from alex_data import metrics
from alex_data.handler import build_handler
from alex_data.sql_runner import SqlRunner
from alex_data_dev.testing import LocalLambdaContext, sqs_record
from alex_schemas.errors import NotFoundError
from alex_schemas.events import DataEvent
from alex_schemas.results import Result

GET_USER = {"type": "GetUser", "clerk_user_id": "user_1"}


class Empty(Result):
    pass


class Db:
    def session(self, seconds: float) -> SqlRunner:
        return cast(SqlRunner, self)


def _dispatch(event: DataEvent, db: SqlRunner) -> Result:
    if getattr(event, "clerk_user_id", "") == "gone":
        raise NotFoundError("no user gone")
    return Empty()


def _handler() -> Any:
    return build_handler(_dispatch, Db)


@pytest.fixture(autouse=True)
def _switch_read_again() -> Iterator[None]:
    metrics._enabled.cache_clear()
    yield
    metrics._enabled.cache_clear()


def _records(out: str) -> list[dict[str, Any]]:
    lines = [line for line in out.splitlines() if line.startswith('{"_aws"')]
    records = [json.loads(line) for line in lines]
    for record in records:
        _assert_emf(record)
    return records


def _assert_emf(record: dict[str, Any]) -> None:
    """What CloudWatch needs to extract a record's metrics (the EMF specification)."""
    aws = record["_aws"]
    assert isinstance(aws["Timestamp"], int)
    for directive in aws["CloudWatchMetrics"]:
        assert directive["Namespace"] == "Alex"
        for dimension_set in directive["Dimensions"]:
            assert all(isinstance(record[name], str) for name in dimension_set)
        for metric in directive["Metrics"]:
            assert metric["Unit"] in {"Count", "Milliseconds"}
            assert all(isinstance(v, float) for v in record[metric["Name"]])


def _extracted(record: dict[str, Any]) -> dict[str, tuple[dict[str, str], str, list[float]]]:
    """What CloudWatch makes of a record: metric name -> (dimensions, unit, values)."""
    found = {}
    for directive in record["_aws"]["CloudWatchMetrics"]:
        (names,) = directive["Dimensions"]
        for metric in directive["Metrics"]:
            dimensions = {name: record[name] for name in names}
            found[metric["Name"]] = (dimensions, metric["Unit"], record[metric["Name"]])
    return found


def test_a_direct_invoke_writes_one_record_with_its_event_and_its_invocation(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics, "_cold", False)
    _handler()(GET_USER, LocalLambdaContext())
    (record,) = _records(capsys.readouterr().out)
    found = _extracted(record)
    by_event = {"event_type": "GetUser", "service": "alex-data"}
    assert found["Events"] == (by_event, "Count", [1.0])
    assert found["Errors"] == (by_event, "Count", [0.0])
    assert found["Latency"][:2] == (by_event, "Milliseconds")
    assert found["Latency"][2][0] >= 0
    assert found["Records"] == ({"service": "alex-data"}, "Count", [1.0])
    assert "error_code" not in record


def test_a_failed_event_counts_an_error_with_its_code(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics, "_cold", False)
    _handler()({**GET_USER, "clerk_user_id": "gone"}, LocalLambdaContext())
    _handler()({"type": "GetUser"}, LocalLambdaContext())
    found = {r["event_type"]: r for r in _records(capsys.readouterr().out)}
    assert (found["GetUser"]["Errors"], found["GetUser"]["error_code"]) == ([1.0], "NotFound")
    assert (found["Invalid"]["Errors"], found["Invalid"]["error_code"]) == (
        [1.0],
        "ValidationError",
    )
    assert found["GetUser"]["Records"] == found["Invalid"]["Records"] == [1.0]


def test_cold_start_is_counted_once_with_the_function_name(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics, "_cold", True)
    handler = _handler()
    handler(GET_USER, LocalLambdaContext(function_name="alex-data-prod"))
    handler({"Records": [sqs_record(GET_USER, message_id="m1")]}, LocalLambdaContext())
    records = _records(capsys.readouterr().out)
    cold = [r for r in records if "ColdStart" in r]
    assert len(cold) == 1
    assert cold[0]["ColdStart"] == [1.0]
    function = {"function_name": "alex-data-prod", "service": "alex-data"}
    assert _extracted(cold[0]) == {"ColdStart": (function, "Count", [1.0])}
    batch = next(r for r in records if "RecordFailures" in r)
    assert _extracted(batch) == {
        "Records": ({"service": "alex-data"}, "Count", [1.0]),
        "RecordFailures": ({"service": "alex-data"}, "Count", [0.0]),
    }


def test_powertools_switch_turns_every_record_off(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics, "_cold", True)
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    _handler()(GET_USER, LocalLambdaContext())
    assert _records(capsys.readouterr().out) == []


def test_a_value_is_written_as_it_is_whatever_its_characters(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The records are written from templates: a value's own "%" or quote is not one of theirs
    monkeypatch.setattr(metrics, "_cold", True)
    metrics.count_cold_start(LocalLambdaContext(function_name='f%d-"%s"'))
    (record,) = _records(capsys.readouterr().out)
    assert record["function_name"] == 'f%d-"%s"'
    assert record["ColdStart"] == [1.0]
