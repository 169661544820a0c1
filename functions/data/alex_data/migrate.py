"""Versioned SQL migrations, applied in order over the Data API and recorded in the database.

Files: `alex_data/migrations/NNN_name.sql` (shipped inside the package), applied in the order of
NNN. Each file runs in one transaction together with its row in `schema_migrations`, so a file
is applied entirely or not at all. The transaction first takes a transaction-scoped advisory
lock, so two runners started at once (two deploys, a deploy and a developer) queue instead of
applying a file twice; the second one finds the row and skips the file.

File format. The Data API runs one statement per request, so a file is split into statements:
- a statement ends with `;` as the last thing on its line (trailing spaces allowed);
- a `;` inside 'string literals' (including E'...' escapes), "quoted identifiers",
  -- line comments, /* block comments */ or dollar-quoted bodies ($$...$$, $tag$...$tag$)
  never ends a statement, wherever it stands (`alex_data.sql_lexer` reads them, as the local
  Data API does); one left unterminated is an error;
- a statement of nothing but whitespace and comments is dropped.
A file must not contain BEGIN/COMMIT: the runner owns the transaction. An applied file must not
change afterwards (its SHA-256 is recorded and checked): add a new file instead.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

from alex_schemas.errors import InternalError
from pydantic import BaseModel

from alex_data.sql_lexer import Kind, tokenize
from alex_data.sql_runner import SqlRunner

__all__ = ["Migration", "apply_migrations", "load_migrations", "split_statements"]

# Any constant both runners agree on; this is "alex" in ASCII.
_LOCK_KEY = 0x616C6578

_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""
_LOCK = "SELECT pg_advisory_xact_lock(:key)"
_APPLIED = """
SELECT jsonb_build_object('version', m.version, 'checksum', m.checksum)
FROM schema_migrations AS m WHERE m.version = :version
"""
_RECORD = """
INSERT INTO schema_migrations (version, name, checksum) VALUES (:version, :name, :checksum)
"""
_FILE_NAME = re.compile(r"^(\d{3,})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str  # the file name, e.g. "001_schema.sql"
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()

    @property
    def statements(self) -> list[str]:
        return split_statements(self.sql)


class _Applied(BaseModel):
    version: int
    checksum: str


def load_migrations() -> list[Migration]:
    """The package's migration files, by version."""
    found: list[Migration] = []
    folder = resources.files("alex_data").joinpath("migrations")
    for entry in folder.iterdir():
        match = _FILE_NAME.match(entry.name)
        if match is None:
            continue
        found.append(Migration(int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort(key=lambda m: m.version)
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise InternalError(f"two migration files share a version: {versions}")
    return found


def apply_migrations(db: SqlRunner, migrations: list[Migration] | None = None) -> list[str]:
    """Apply the files not yet recorded; answers the names applied now (empty when up to date)."""
    applied: list[str] = []
    for migration in load_migrations() if migrations is None else migrations:
        with db.transaction() as tx:
            tx.execute(_LOCK, {"key": _LOCK_KEY})
            tx.execute(_CREATE_TABLE)
            done = tx.document(_APPLIED, {"version": migration.version}, _Applied)
            if done is not None:
                if done.checksum != migration.checksum:
                    raise InternalError(
                        f"migration {migration.name} changed after it was applied; "
                        "add a new migration instead"
                    )
                continue
            for statement in migration.statements:
                tx.execute(statement)
            tx.execute(
                _RECORD,
                {
                    "version": migration.version,
                    "name": migration.name,
                    "checksum": migration.checksum,
                },
            )
        applied.append(migration.name)
    return applied


def split_statements(sql: str) -> list[str]:
    """Split a migration file into statements (see the module docstring for the rules)."""
    statements: list[str] = []
    start = end = 0
    content = False  # sql[start:end] holds more than whitespace and comments
    for token in tokenize(sql):
        if not token.terminated:
            line = sql.count("\n", 0, end) + 1
            raise InternalError(f"unterminated {token.kind.value} at line {line}")
        end += len(token.text)
        if token.kind is not Kind.SEMICOLON:
            content = content or not token.blank
        elif not sql[end : _end_of_line(sql, end)].strip():
            if content:
                statements.append(sql[start:end].strip())
            start, content = end, False
    if content:
        statements.append(sql[start:].strip())
    return statements


def _end_of_line(sql: str, i: int) -> int:
    end = sql.find("\n", i)
    return len(sql) if end < 0 else end
