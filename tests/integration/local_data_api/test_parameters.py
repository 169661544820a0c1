"""Named parameters through boto3: every Field kind, the typeHints, and what Aurora refuses."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from tests.integration.local_data_api.conftest import Execute


def test_every_field_kind_reaches_postgres_typed_as_aurora_types_it(execute: Execute) -> None:
    # When each Field kind is selected back with its PostgreSQL type
    answer = execute(
        "SELECT :s, pg_typeof(:s)::text, :l, pg_typeof(:l)::text, :d, pg_typeof(:d)::text, "
        ":b, pg_typeof(:b)::text, :x, pg_typeof(:x)::text, CAST(:n AS int) IS NULL",
        {
            "s": {"stringValue": "héllo"},
            "l": {"longValue": 9007199254740993},
            "d": {"doubleValue": 2.5},
            "b": {"booleanValue": False},
            "x": {"blobValue": b"\x00\xff"},
            "n": {"isNull": True},
        },
    )
    # Then the values survive and the types are those of Aurora's JDBC binding
    assert answer["records"] == [
        [
            {"stringValue": "héllo"},
            {"stringValue": "character varying"},
            {"longValue": 9007199254740993},
            {"stringValue": "bigint"},
            {"doubleValue": 2.5},
            {"stringValue": "double precision"},
            {"booleanValue": False},
            {"stringValue": "boolean"},
            {"blobValue": b"\x00\xff"},
            {"stringValue": "bytea"},
            {"booleanValue": True},
        ]
    ]


@pytest.mark.parametrize(
    ("hint", "text", "pg_type", "printed"),
    [
        ("DATE", "2024-02-29", "date", "2024-02-29"),
        ("TIME", "23:59:01", "time without time zone", "23:59:01"),
        (
            "TIMESTAMP",
            "2024-02-29 23:59:01.5",
            "timestamp without time zone",
            "2024-02-29 23:59:01.5",
        ),
        ("DECIMAL", "12.3400", "numeric", "12.3400"),
        (
            "UUID",
            "6f1c5a9e-0d55-4c2c-8a4e-94c3b3d8e2a1",
            "uuid",
            "6f1c5a9e-0d55-4c2c-8a4e-94c3b3d8e2a1",
        ),
        ("JSON", '{"b": 1, "a": [true]}', "json", '{"b": 1, "a": [true]}'),
    ],
)
def test_type_hints_bind_the_string_as_that_type(
    execute: Execute, hint: str, text: str, pg_type: str, printed: str
) -> None:
    answer = execute("SELECT :v, pg_typeof(:v)::text", {"v": ({"stringValue": text}, hint)})
    assert answer["records"] == [[{"stringValue": printed}, {"stringValue": pg_type}]]


def test_string_without_hint_is_refused_by_a_uuid_column(execute: Execute, table: str) -> None:
    # Given a uuid column
    execute(f"CREATE TABLE {table} (id uuid PRIMARY KEY)")
    value = {"stringValue": "6f1c5a9e-0d55-4c2c-8a4e-94c3b3d8e2a1"}
    # When a plain string goes in, PostgreSQL refuses it (varchar is not uuid), as on Aurora
    with pytest.raises(ClientError) as caught:
        execute(f"INSERT INTO {table} VALUES (:id)", {"id": value})
    assert caught.value.response["Error"]["Code"] == "DatabaseErrorException"
    assert "is of type uuid but expression is of type character varying" in str(caught.value)
    # And with the UUID hint it goes in
    answer = execute(f"INSERT INTO {table} VALUES (:id)", {"id": (value, "UUID")})
    assert answer["numberOfRecordsUpdated"] == 1


def test_json_hint_goes_into_jsonb_column_and_casts_for_expressions(
    execute: Execute, table: str
) -> None:
    execute(f"CREATE TABLE {table} (doc jsonb NOT NULL)")
    doc = ({"stringValue": '{"equity": 70}'}, "JSON")
    execute(f"INSERT INTO {table} VALUES (:doc)", {"doc": doc})
    patch = ({"stringValue": '{"cash": 30}'}, "JSON")
    execute(f"UPDATE {table} SET doc = doc || CAST(:patch AS jsonb)", {"patch": patch})
    assert execute(f"SELECT doc FROM {table}")["records"] == [
        [{"stringValue": '{"cash": 30, "equity": 70}'}]
    ]


def test_parameters_inside_quotes_comments_and_casts_are_not_parameters(execute: Execute) -> None:
    answer = execute(
        "SELECT ':a' AS q, :a::int AS cast, $$ :a $$ AS d -- :a\n /* :a */",
        {"a": {"stringValue": "42"}},
    )
    assert answer["records"] == [
        [{"stringValue": ":a"}, {"longValue": 42}, {"stringValue": " :a "}]
    ]


def test_a_parameter_the_sql_names_but_the_call_lacks_is_an_error(execute: Execute) -> None:
    with pytest.raises(ClientError) as caught:
        execute("SELECT :given, :missing", {"given": {"longValue": 1}})
    assert caught.value.response["Error"]["Code"] == "DatabaseErrorException"
    assert ":missing" in caught.value.response["Error"]["Message"]


def test_timestamp_hint_with_iso_t_separator_is_refused(execute: Execute) -> None:
    with pytest.raises(ClientError) as caught:
        execute("SELECT :t", {"t": ({"stringValue": "2024-01-01T00:00:00"}, "TIMESTAMP")})
    assert caught.value.response["Error"]["Code"] == "BadRequestException"


def test_array_parameter_is_refused(execute: Execute) -> None:
    with pytest.raises(ClientError) as caught:
        execute("SELECT :a", {"a": {"arrayValue": {"longValues": [1, 2]}}})
    assert caught.value.response["Error"]["Code"] == "BadRequestException"
