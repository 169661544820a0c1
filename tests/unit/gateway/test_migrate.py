"""The migration runner: splitting files into statements, applying each file once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TypeVar

import pytest
from alex_data.migrate import Migration, apply_migrations, load_migrations, split_statements
from alex_data.sql_runner import Params, SqlRunner
from alex_schemas.envelope import ResultJson
from alex_schemas.errors import InternalError
from alex_schemas.results import Result
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


def test_statements_end_with_a_semicolon_at_the_end_of_a_line() -> None:
    sql = "CREATE TABLE a (x int);\n\n-- a comment; not a statement\nCREATE INDEX i ON a (x);  \n"
    assert split_statements(sql) == [
        "CREATE TABLE a (x int);",
        "-- a comment; not a statement\nCREATE INDEX i ON a (x);",
    ]


def test_semicolons_in_quotes_comments_and_dollar_bodies_do_not_split() -> None:
    sql = """
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.x = 1;
    RETURN NEW;
END;
$$;
CREATE FUNCTION g() RETURNS text LANGUAGE sql AS $body$ SELECT 'a;'::text;
$body$;
INSERT INTO t VALUES ('it''s;
still one', E'back\\';slash;
', "odd;
name");
/* block; /* nested;
*/ still comment;
*/
SELECT $1, a$b$c;
"""
    statements = split_statements(sql)
    assert len(statements) == 4
    assert statements[0].startswith("CREATE FUNCTION f()")
    assert statements[0].endswith("$$;")
    assert statements[1].endswith("$body$;")
    assert statements[2].startswith("INSERT INTO t")
    assert statements[2].endswith('name");')
    assert statements[3].endswith("SELECT $1, a$b$c;")


def test_a_semicolon_inside_a_line_does_not_split() -> None:
    assert split_statements("SELECT 1; SELECT 2;\n") == ["SELECT 1; SELECT 2;"]


def test_a_trailing_statement_without_semicolon_is_kept_and_blank_text_dropped() -> None:
    assert split_statements("SELECT 1;\n-- only a comment\n\nSELECT 2") == [
        "SELECT 1;",
        "-- only a comment\n\nSELECT 2",
    ]


def test_an_unterminated_dollar_quote_is_refused() -> None:
    with pytest.raises(InternalError, match="dollar"):
        split_statements("CREATE FUNCTION f() AS $$ SELECT 1;\n")


def test_the_packaged_migrations_load_in_order_and_split() -> None:
    migrations = load_migrations()
    assert migrations, "the package ships its migrations"
    assert [m.version for m in migrations] == sorted(m.version for m in migrations)
    assert migrations[0].name.startswith("001_")
    assert all(m.statements for m in migrations)


class _Applied(BaseModel):
    version: int
    checksum: str


class FakeDatabase:
    """Remembers recorded migrations and the statements run, per transaction."""

    def __init__(self) -> None:
        self.recorded: dict[int, str] = {}
        self.statements: list[str] = []
        self.transactions = 0

    def documents(
        self, sql: str, params: Params, model: type[M], *, text_decimals: bool = False
    ) -> list[M]:
        assert params is not None
        version = int(str(params["version"]))
        if version in self.recorded:
            return [model.model_validate({"version": version, "checksum": self.recorded[version]})]
        return []

    def document(
        self, sql: str, params: Params, model: type[M], *, text_decimals: bool = False
    ) -> M | None:
        found = self.documents(sql, params, model)
        return found[0] if found else None

    def paged_documents(self, sql: str, params: Params, model: type[M]) -> list[M]:
        raise AssertionError("not used")

    def chunked_document(
        self, sql: str, params: Params, model: type[M], *, text_decimals: bool = False
    ) -> M | None:
        raise AssertionError("not used")

    def chunked_answer(self, sql: str, params: Params, model: type[Result]) -> ResultJson | None:
        raise AssertionError("not used")

    def execute(self, sql: str, params: Params = None) -> int:
        self.statements.append(sql.strip())
        if sql.strip().startswith("INSERT INTO schema_migrations"):
            assert params is not None
            self.recorded[int(str(params["version"]))] = str(params["checksum"])
        return 0

    @contextmanager
    def _tx(self) -> Iterator[SqlRunner]:
        self.transactions += 1
        yield self

    def transaction(self) -> AbstractContextManager[SqlRunner]:
        return self._tx()


def _files() -> list[Migration]:
    return [
        Migration(1, "001_a.sql", "CREATE TABLE a (x int);\n"),
        Migration(2, "002_b.sql", "CREATE TABLE b (x int);\nCREATE INDEX bx ON b (x);\n"),
    ]


def test_migrations_apply_once_each_in_their_own_locked_transaction() -> None:
    db = FakeDatabase()
    # When applied twice
    first = apply_migrations(db, _files())
    second = apply_migrations(db, _files())
    # Then each file ran once, in order, and the second run had nothing to do
    assert first == ["001_a.sql", "002_b.sql"]
    assert second == []
    ran = [s for s in db.statements if not s.startswith(("SELECT pg_advisory", "CREATE TABLE IF"))]
    assert ran[0] == "CREATE TABLE a (x int);"
    assert ran[2:4] == ["CREATE TABLE b (x int);", "CREATE INDEX bx ON b (x);"]
    assert db.transactions == 4
    assert db.statements[0] == "SELECT pg_advisory_xact_lock(:key)"


def test_a_migration_changed_after_it_was_applied_is_refused() -> None:
    db = FakeDatabase()
    apply_migrations(db, _files()[:1])
    edited = [Migration(1, "001_a.sql", "CREATE TABLE a (x bigint);\n")]
    with pytest.raises(InternalError, match="changed after it was applied"):
        apply_migrations(db, edited)
