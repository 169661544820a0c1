"""The Data API's JSON on the wire: requests decoded into `messages`, results encoded back.

Records are written straight as JSON text, column by column (`values.records_json`): building
a dict per value for json.dumps costs about twice as much for large results. The response
limits apply to the encoded text: 1 MiB for records, 10 MB for formattedRecords.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from alex_data_dev.local_data_api import values
from alex_data_dev.local_data_api.engine import Engine
from alex_data_dev.local_data_api.errors import DataApiError, bad_request
from alex_data_dev.local_data_api.messages import (
    BatchRequest,
    BatchResult,
    BeginRequest,
    BeginResult,
    EndRequest,
    EndResult,
    ExecuteRequest,
    ExecuteResult,
    Parameters,
    Resources,
    ResultFormat,
    ResultSet,
)

MAX_RESPONSE_BYTES = 1024 * 1024  # records: "the call is terminated" past 1 MiB
MAX_FORMATTED_BYTES = 10 * 1000 * 1000  # formattedRecords has its own 10 MB limit
RESPONSE_TOO_LARGE = "Database returned more than the allowed response size limit"

Json = Mapping[str, Any]

# --- requests ---------------------------------------------------------------------------------


def json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"{}")
    except ValueError:
        raise bad_request("The request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise bad_request("The request body must be a JSON object")
    return value


def _resources(request: Json) -> Resources:
    resource_arn, secret_arn = request.get("resourceArn"), request.get("secretArn")
    if not isinstance(resource_arn, str) or not isinstance(secret_arn, str):
        raise bad_request("resourceArn and secretArn are required")
    return Resources(resource_arn, secret_arn)


def _sql(request: Json) -> str:
    sql = request.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        raise bad_request("sql is required")
    return sql


def _optional_str(request: Json, key: str) -> str | None:
    value = request.get(key) or None
    if value is not None and not isinstance(value, str):
        raise bad_request(f"{key} must be a string")
    return value


def _parameters(value: object, key: str) -> Parameters:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(p, Mapping) for p in value):
        raise bad_request(f"{key} must be a list of parameters")
    return value


def execute_request(request: Json) -> ExecuteRequest:
    options = request.get("resultSetOptions") or {}
    if not isinstance(options, Mapping):
        raise bad_request("resultSetOptions must be an object")
    fmt = ResultFormat(
        decimal_as_number=options.get("decimalReturnType") == "DOUBLE_OR_LONG",
        long_as_string=options.get("longReturnType") == "STRING",
        as_json=request.get("formatRecordsAs") == "JSON",
        include_metadata=bool(request.get("includeResultMetadata")),
    )
    return ExecuteRequest(
        resources=_resources(request),
        sql=_sql(request),
        parameters=_parameters(request.get("parameters"), "parameters"),
        database=_optional_str(request, "database"),
        transaction_id=_optional_str(request, "transactionId"),
        continue_after_timeout=bool(request.get("continueAfterTimeout")),
        format=fmt,
    )


def batch_request(request: Json) -> BatchRequest:
    sets = request.get("parameterSets") or []
    if not isinstance(sets, list):
        raise bad_request("parameterSets must be a list")
    return BatchRequest(
        resources=_resources(request),
        sql=_sql(request),
        parameter_sets=[_parameters(each, "parameterSets") for each in sets],
        database=_optional_str(request, "database"),
        transaction_id=_optional_str(request, "transactionId"),
    )


def begin_request(request: Json) -> BeginRequest:
    return BeginRequest(_resources(request), _optional_str(request, "database"))


def end_request(request: Json) -> EndRequest:
    resources = _resources(request)
    transaction_id = request.get("transactionId")
    if not isinstance(transaction_id, str):
        raise bad_request("transactionId must be a string")
    return EndRequest(resources, transaction_id)


# --- results ----------------------------------------------------------------------------------


def _dumps(value: object) -> bytes:
    return json.dumps(value).encode()


def execute_response(result: ExecuteResult) -> bytes:
    result_set = result.result_set
    if result_set is None:
        return _dumps({"numberOfRecordsUpdated": result.updated, "generatedFields": []})
    fmt = result.format
    if fmt.as_json:
        formatted = _formatted_records(result_set, fmt)
        return _dumps({"numberOfRecordsUpdated": result.updated, "formattedRecords": formatted})
    fragments = [
        values.fragment_for(c.type_oid, fmt.decimal_as_number, fmt.long_as_string)
        for c in result_set.columns
    ]
    parts = ['{"records":', values.records_json(result_set.rows, fragments)]
    parts.append(f',"numberOfRecordsUpdated":{result.updated}')
    if result_set.metadata is not None:
        parts.append(f',"columnMetadata":{json.dumps(result_set.metadata)}')
    parts.append("}")
    body = "".join(parts).encode()
    if len(body) > MAX_RESPONSE_BYTES:
        raise bad_request(RESPONSE_TOO_LARGE)
    return body


def _formatted_records(result_set: ResultSet, fmt: ResultFormat) -> str:
    """formatRecordsAs=JSON: one JSON string of objects keyed by column name."""
    converters = [
        values.converter_for(c.type_oid, fmt.decimal_as_number, fmt.long_as_string)
        for c in result_set.columns
    ]
    names = [c.name for c in result_set.columns]
    formatted = json.dumps(
        [
            {n: values.field_to_json(f) for n, f in zip(names, row, strict=True)}
            for row in values.convert_rows(result_set.rows, converters)
        ]
    )
    if len(formatted) > MAX_FORMATTED_BYTES:
        raise bad_request(RESPONSE_TOO_LARGE)
    return formatted


def batch_response(result: BatchResult) -> bytes:
    return _dumps({"updateResults": [{"generatedFields": []}] * result.statements})


def begin_response(result: BeginResult) -> bytes:
    return _dumps({"transactionId": result.transaction_id})


def end_response(result: EndResult) -> bytes:
    return _dumps({"transactionStatus": result.status})


def error_response(error: DataApiError) -> bytes:
    return _dumps(error.body())


# --- operations -------------------------------------------------------------------------------


class Answer(NamedTuple):
    body: bytes
    rows: int | None  # returned or updated, for the request log; None where neither applies


class Operation(NamedTuple):
    name: str  # as the API model names it
    serve: Callable[[Engine, Json], Answer]


def _execute(engine: Engine, request: Json) -> Answer:
    result = engine.execute_statement(execute_request(request))
    return Answer(execute_response(result), result.rows)


def _batch(engine: Engine, request: Json) -> Answer:
    result = engine.batch_execute_statement(batch_request(request))
    return Answer(batch_response(result), result.rows)


def _begin(engine: Engine, request: Json) -> Answer:
    return Answer(begin_response(engine.begin_transaction(begin_request(request))), None)


def _commit(engine: Engine, request: Json) -> Answer:
    return Answer(end_response(engine.commit_transaction(end_request(request))), None)


def _rollback(engine: Engine, request: Json) -> Answer:
    return Answer(end_response(engine.rollback_transaction(end_request(request))), None)


# path -> the Data API operation served there
OPERATIONS = {
    "/Execute": Operation("ExecuteStatement", _execute),
    "/BatchExecute": Operation("BatchExecuteStatement", _batch),
    "/BeginTransaction": Operation("BeginTransaction", _begin),
    "/CommitTransaction": Operation("CommitTransaction", _commit),
    "/RollbackTransaction": Operation("RollbackTransaction", _rollback),
}
