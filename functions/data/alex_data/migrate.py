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
  never ends a statement, wherever it stands;
- text that is only whitespace and comments is dropped.
A file must not contain BEGIN/COMMIT: the runner owns the transaction. An applied file must not
change afterwards (its SHA-256 is recorded and checked): add a new file instead.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources

from pydantic import BaseModel

from alex_data.errors import InternalError
from alex_data.gateway import SqlRunner

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
_APPLIED = "SELECT version, checksum FROM schema_migrations WHERE version = :version"
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
            done = tx.one(_APPLIED, {"version": migration.version}, _Applied)
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
    start = 0
    i = 0
    n = len(sql)
    while i < n:
        ch = sql[i]
        if ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            i = n if end < 0 else end
            continue
        if ch == "/" and sql.startswith("/*", i):
            i = _skip_block_comment(sql, i)
            continue
        if ch == "'":
            escapes = i > 0 and sql[i - 1] in "eE" and (i < 2 or not _is_word(sql[i - 2]))
            i = _skip_quoted(sql, i, "'", backslash=escapes)
            continue
        if ch == '"':
            i = _skip_quoted(sql, i, '"', backslash=False)
            continue
        if ch == "$":
            tag = _dollar_tag(sql, i)
            if tag is not None:
                end = sql.find(tag, i + len(tag))
                if end < 0:
                    raise InternalError(f"unterminated dollar quote {tag}")
                i = end + len(tag)
                continue
        if ch == ";" and _rest_of_line_blank(sql, i + 1):
            _append(statements, sql[start : i + 1])
            start = i + 1
        i += 1
    _append(statements, sql[start:])
    return statements


def _append(statements: list[str], chunk: str) -> None:
    if _strip_comments(chunk).strip():
        statements.append(chunk.strip())


def _strip_comments(chunk: str) -> str:
    without_lines = re.sub(r"--[^\n]*", "", chunk)
    return re.sub(r"/\*.*?\*/", "", without_lines, flags=re.S)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _skip_block_comment(sql: str, i: int) -> int:
    # PostgreSQL block comments nest.
    depth = 0
    while i < len(sql):
        if sql.startswith("/*", i):
            depth += 1
            i += 2
        elif sql.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    raise InternalError("unterminated /* comment")


def _skip_quoted(sql: str, i: int, quote: str, *, backslash: bool) -> int:
    i += 1
    while i < len(sql):
        ch = sql[i]
        if backslash and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if sql.startswith(quote * 2, i):  # a doubled quote is the quote itself
                i += 2
                continue
            return i + 1
        i += 1
    raise InternalError(f"unterminated {quote} quote")


_DOLLAR_TAG = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def _dollar_tag(sql: str, i: int) -> str | None:
    # `$1` is a parameter and `a$b$` part of an identifier, not a dollar quote.
    if i > 0 and _is_word(sql[i - 1]):
        return None
    match = _DOLLAR_TAG.match(sql, i)
    return match.group(0) if match else None


def _rest_of_line_blank(sql: str, i: int) -> bool:
    end = sql.find("\n", i)
    return not sql[i : (len(sql) if end < 0 else end)].strip()
