"""The local Data API's typed edges, without I/O: JSON bodies decoded into requests, typed
results encoded as the Data API's JSON, injected faults counted down."""

from __future__ import annotations

import json
from typing import Any

import pytest
from alex_data_dev.local_data_api import values, wire
from alex_data_dev.local_data_api.errors import DataApiError
from alex_data_dev.local_data_api.faults import Faults
from alex_data_dev.local_data_api.messages import (
    Column,
    ExecuteResult,
    Resources,
    ResultFormat,
    ResultSet,
)

ARNS = {"resourceArn": "arn:cluster", "secretArn": "arn:secret"}


def test_an_execute_body_as_boto3_sends_it_becomes_a_typed_request() -> None:
    request = wire.execute_request(
        {
            **ARNS,
            "sql": "SELECT :a",
            "parameters": [{"name": "a", "value": {"longValue": 1}}],
            "database": "alex",
            "transactionId": "tx",
            "includeResultMetadata": True,
            "continueAfterTimeout": True,
            "resultSetOptions": {"decimalReturnType": "DOUBLE_OR_LONG", "longReturnType": "STRING"},
            "formatRecordsAs": "JSON",
        }
    )
    assert request.resources == Resources("arn:cluster", "arn:secret")
    assert (request.sql, request.database, request.transaction_id) == ("SELECT :a", "alex", "tx")
    assert request.parameters == [{"name": "a", "value": {"longValue": 1}}]
    assert request.continue_after_timeout
    assert request.format == ResultFormat(
        decimal_as_number=True, long_as_string=True, as_json=True, include_metadata=True
    )


def test_absent_options_are_the_data_apis_defaults() -> None:
    request = wire.execute_request({**ARNS, "sql": "SELECT 1", "transactionId": ""})
    assert request.parameters == []
    assert request.database is None
    assert request.transaction_id is None  # an empty id is no transaction
    assert not request.continue_after_timeout
    assert request.format == ResultFormat()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"sql": "SELECT 1"}, "resourceArn and secretArn are required"),
        ({**ARNS, "sql": "  "}, "sql is required"),
        ({**ARNS, "sql": "SELECT 1", "transactionId": 5}, "transactionId must be a string"),
        ({**ARNS, "sql": "SELECT 1", "parameters": {"a": 1}}, "parameters must be a list"),
    ],
)
def test_a_malformed_execute_body_is_a_bad_request_naming_the_field(
    body: dict[str, Any], message: str
) -> None:
    with pytest.raises(DataApiError, match=message) as caught:
        wire.execute_request(body)
    assert caught.value.code == "BadRequestException"


def test_commit_needs_a_transaction_id() -> None:
    assert wire.end_request({**ARNS, "transactionId": "tx"}).transaction_id == "tx"
    with pytest.raises(DataApiError, match="transactionId must be a string"):
        wire.end_request(dict(ARNS))


RECORDS = ResultFormat()


def _result(rows: list[tuple[Any, ...]], fmt: ResultFormat = RECORDS) -> ExecuteResult:
    columns = [Column("id", values.INT8), Column("name", values.TEXT)]
    return ExecuteResult(0, ResultSet(columns, rows, None), fmt)


def test_records_are_encoded_as_fields() -> None:
    body = json.loads(wire.execute_response(_result([(1, "a"), (2, None)])))
    assert body == {
        "records": [
            [{"longValue": 1}, {"stringValue": "a"}],
            [{"longValue": 2}, {"isNull": True}],
        ],
        "numberOfRecordsUpdated": 0,
    }


def test_formatted_records_are_one_json_string_keyed_by_column() -> None:
    body = json.loads(wire.execute_response(_result([(1, "a")], ResultFormat(as_json=True))))
    assert json.loads(body["formattedRecords"]) == [{"id": 1, "name": "a"}]
    assert "records" not in body


def test_a_statement_without_rows_answers_its_update_count() -> None:
    body = json.loads(wire.execute_response(ExecuteResult(3, None, ResultFormat())))
    assert body == {"numberOfRecordsUpdated": 3, "generatedFields": []}


def test_records_over_one_mib_are_refused_when_encoded() -> None:
    just_under = [(i, "x" * 1000) for i in range(1000)]
    assert len(wire.execute_response(_result(just_under))) < wire.MAX_RESPONSE_BYTES
    with pytest.raises(DataApiError, match=wire.RESPONSE_TOO_LARGE):
        wire.execute_response(_result([(i, "x" * 1000) for i in range(1100)]))


def test_a_fault_hits_only_eligible_operations_and_counts_down() -> None:
    faults = Faults("instance-1")
    assert faults.add({"DatabaseResumingException": 2}) == {"DatabaseResumingException": 2}
    faults.take("CommitTransaction")  # commit is never answered "resuming"
    with pytest.raises(DataApiError, match="instance-1 is resuming") as caught:
        faults.take("ExecuteStatement")
    assert caught.value.code == "DatabaseResumingException"
    assert faults.pending() == {"DatabaseResumingException": 1}
    with pytest.raises(DataApiError):
        faults.take("BeginTransaction")
    faults.take("ExecuteStatement")  # none left
    assert faults.pending() == {}


@pytest.mark.parametrize(
    ("faults", "message"),
    [
        ({"NoSuchException": 1}, "unknown fault code 'NoSuchException'"),
        ({"DatabaseErrorException": -1}, "must be a non-negative integer"),
        ({"DatabaseErrorException": True}, "must be a non-negative integer"),
    ],
)
def test_a_bad_fault_is_refused_and_nothing_set(faults: dict[str, int], message: str) -> None:
    pending = Faults("i")
    with pytest.raises(DataApiError, match=message):
        pending.add(faults)
    assert pending.pending() == {}
