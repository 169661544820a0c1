"""Results as Aurora PostgreSQL's Data API returns them, through boto3."""

from __future__ import annotations

import json

import pytest

from tests.integration.local_data_api.conftest import Arns, Execute


@pytest.mark.parametrize(
    ("expression", "field"),
    [
        ("1::int2", {"longValue": 1}),
        ("2::int4", {"longValue": 2}),
        ("9223372036854775807::int8", {"longValue": 9223372036854775807}),
        ("1.50::numeric(6,2)", {"stringValue": "1.50"}),
        ("0.1::float8", {"doubleValue": 0.1}),
        ("0.5::float4", {"doubleValue": 0.5}),
        ("true", {"booleanValue": True}),
        ("'text'::text", {"stringValue": "text"}),
        ("'vc'::varchar(5)", {"stringValue": "vc"}),
        (
            "'6f1c5a9e-0d55-4c2c-8a4e-94c3b3d8e2a1'::uuid",
            {"stringValue": "6f1c5a9e-0d55-4c2c-8a4e-94c3b3d8e2a1"},
        ),
        ("'{\"a\":1}'::json", {"stringValue": '{"a":1}'}),
        ('\'{"b":2, "a":1}\'::jsonb', {"stringValue": '{"a": 1, "b": 2}'}),
        ("'2024-02-29'::date", {"stringValue": "2024-02-29"}),
        ("'13:14:15.5'::time", {"stringValue": "13:14:15.5"}),
        ("'2024-02-29 13:14:15'::timestamp", {"stringValue": "2024-02-29 13:14:15"}),
        # timestamptz comes back in UTC, without an offset
        ("'2024-02-29 13:14:15+02'::timestamptz", {"stringValue": "2024-02-29 11:14:15"}),
        ("'\\x00ff'::bytea", {"blobValue": b"\x00\xff"}),
        ("ARRAY[1, 2]::int4[]", {"arrayValue": {"longValues": [1, 2]}}),
        ("ARRAY['a', 'b']", {"arrayValue": {"stringValues": ["a", "b"]}}),
        ("ARRAY[1.5, 2]::float8[]", {"arrayValue": {"doubleValues": [1.5, 2.0]}}),
        ("ARRAY[true]", {"arrayValue": {"booleanValues": [True]}}),
        ("ARRAY[1.10]::numeric[]", {"arrayValue": {"stringValues": ["1.10"]}}),
        ("NULL::int", {"isNull": True}),
    ],
)
def test_each_type_comes_back_as_aurora_returns_it(
    execute: Execute, expression: str, field: dict[str, object]
) -> None:
    assert execute(f"SELECT {expression}")["records"] == [[field]]


def test_decimal_return_type_double_or_long(execute: Execute) -> None:
    answer = execute(
        "SELECT 12::numeric, 1.25::numeric, 'x'::text",
        resultSetOptions={"decimalReturnType": "DOUBLE_OR_LONG"},
    )
    assert answer["records"] == [[{"longValue": 12}, {"doubleValue": 1.25}, {"stringValue": "x"}]]


def test_long_return_type_string(execute: Execute) -> None:
    answer = execute(
        "SELECT 9223372036854775807::int8", resultSetOptions={"longReturnType": "STRING"}
    )
    assert answer["records"] == [[{"stringValue": "9223372036854775807"}]]


def test_column_metadata_describes_table_columns(execute: Execute, table: str) -> None:
    # Given a table with typical columns
    execute(
        f"CREATE TABLE {table} (id serial PRIMARY KEY, price numeric(12,4) NOT NULL, "
        "doc jsonb, name varchar(20))"
    )
    # When selected with includeResultMetadata
    answer = execute(
        f"SELECT id, price, doc, name AS label, 1 AS expr FROM {table}",
        includeResultMetadata=True,
    )
    # Then each column is described as PgJDBC (behind Aurora's Data API) describes it
    meta = {m["name"]: m for m in answer["columnMetadata"]}
    assert [m["name"] for m in answer["columnMetadata"]] == ["id", "price", "doc", "label", "expr"]
    assert meta["id"]["typeName"] == "serial"
    assert meta["id"]["type"] == 4
    assert meta["id"]["isAutoIncrement"] is True
    assert meta["id"]["nullable"] == 0
    assert (meta["price"]["typeName"], meta["price"]["type"]) == ("numeric", 2)
    assert (meta["price"]["precision"], meta["price"]["scale"]) == (12, 4)
    assert meta["price"]["nullable"] == 0
    assert (meta["doc"]["typeName"], meta["doc"]["type"], meta["doc"]["nullable"]) == (
        "jsonb",
        1111,
        1,
    )
    assert (meta["label"]["typeName"], meta["label"]["precision"]) == ("varchar", 20)
    assert meta["label"]["label"] == "label"
    assert meta["label"]["tableName"] == table.split(".")[1]
    assert (meta["expr"]["typeName"], meta["expr"]["nullable"]) == ("int4", 2)
    assert answer["records"] == []


def test_format_records_as_json(execute: Execute) -> None:
    answer = execute(
        "SELECT 1 AS n, 1.50::numeric AS d, 'x' AS s, NULL::int AS z, '{\"a\":1}'::jsonb AS j, "
        "ARRAY[1,2] AS a",
        formatRecordsAs="JSON",
    )
    assert "records" not in answer
    assert json.loads(answer["formattedRecords"]) == [
        {"n": 1, "d": "1.50", "s": "x", "z": None, "j": '{"a": 1}', "a": [1, 2]}
    ]


def test_number_of_records_updated_and_returning_rows(execute: Execute, table: str) -> None:
    execute(f"CREATE TABLE {table} (id int PRIMARY KEY, v text)")
    # When rows are inserted with RETURNING
    inserted = execute(f"INSERT INTO {table} VALUES (1, 'a'), (2, 'b') RETURNING id")
    # Then the rows come back and are counted
    assert inserted["records"] == [[{"longValue": 1}], [{"longValue": 2}]]
    assert inserted["numberOfRecordsUpdated"] == 2
    # And a plain UPDATE counts without records
    updated = execute(f"UPDATE {table} SET v = 'c'")
    assert updated["numberOfRecordsUpdated"] == 2
    assert "records" not in updated
    # And a SELECT updates nothing
    assert execute(f"SELECT * FROM {table}")["numberOfRecordsUpdated"] == 0


def test_batch_execute_runs_each_parameter_set(
    execute: Execute, table: str, rds_data: object, arns: Arns
) -> None:
    execute(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    answer = rds_data.batch_execute_statement(  # type: ignore[attr-defined]
        sql=f"INSERT INTO {table} VALUES (:id)",
        parameterSets=[[{"name": "id", "value": {"longValue": i}}] for i in range(3)],
        **arns,
    )
    assert answer["updateResults"] == [{"generatedFields": []}] * 3
    assert execute(f"SELECT count(*) FROM {table}")["records"] == [[{"longValue": 3}]]


def test_batch_outside_a_transaction_is_all_or_nothing(
    execute: Execute, table: str, rds_data: object, arns: Arns
) -> None:
    execute(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    # When the third set violates the primary key
    sets = [[{"name": "id", "value": {"longValue": i}}] for i in (1, 2, 1)]
    with pytest.raises(Exception, match="duplicate key") as caught:
        rds_data.batch_execute_statement(  # type: ignore[attr-defined]
            sql=f"INSERT INTO {table} VALUES (:id)", parameterSets=sets, **arns
        )
    assert type(caught.value).__name__ == "DatabaseErrorException"
    # Then none of the rows stayed
    assert execute(f"SELECT count(*) FROM {table}")["records"] == [[{"longValue": 0}]]


def test_multiple_statements_without_parameters_run_and_answer_the_first(
    execute: Execute, table: str
) -> None:
    answer = execute(
        f"CREATE TABLE {table} (id int); INSERT INTO {table} VALUES (1); SELECT 1 AS one"
    )
    assert "records" not in answer  # the first statement's answer: CREATE TABLE
    assert execute(f"SELECT count(*) FROM {table}")["records"] == [[{"longValue": 1}]]


def test_multiple_statements_with_parameters_are_refused(execute: Execute) -> None:
    with pytest.raises(Exception, match="cannot insert multiple commands") as caught:
        execute("SELECT :a; SELECT 2", {"a": {"longValue": 1}})
    assert type(caught.value).__name__ == "DatabaseErrorException"
