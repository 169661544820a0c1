"""`columnMetadata` as Aurora's Data API reports it: PgJDBC's ResultSetMetaData, in JSON.

typeName is PostgreSQL's type name (`int4`, `numeric`, `jsonb`, `_int4` for arrays, `serial`
for an auto-increment int4), type the java.sql.Types code, nullable 0 (NOT NULL), 1 (nullable)
or 2 (unknown: not a table column), precision and scale as PgJDBC computes them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg

from alex_data_dev.local_data_api import values as v

# java.sql.Types
BIT, SMALLINT, INTEGER, BIGINT, REAL, DOUBLE, NUMERIC, CHAR, VARCHAR = -7, 5, 4, -5, 7, 8, 2, 1, 12
DATE, TIME, TIMESTAMP, BINARY, OTHER, ARRAY = 91, 92, 93, -2, 1111, 2003

_JDBC_TYPE = {
    v.BOOL: BIT,
    v.INT2: SMALLINT,
    v.INT4: INTEGER,
    v.INT8: BIGINT,
    v.OID: BIGINT,
    v.FLOAT4: REAL,
    v.FLOAT8: DOUBLE,
    v.MONEY: DOUBLE,
    v.NUMERIC: NUMERIC,
    v.BPCHAR: CHAR,
    v.VARCHAR: VARCHAR,
    v.TEXT: VARCHAR,
    v.NAME: VARCHAR,
    v.DATE: DATE,
    v.TIME: TIME,
    v.TIMETZ: TIME,
    v.TIMESTAMP: TIMESTAMP,
    v.TIMESTAMPTZ: TIMESTAMP,
    v.BYTEA: BINARY,
}
_UNBOUNDED = 2147483647
# oid -> (precision, scale) for the types whose size does not depend on a typmod
_FIXED_SIZE = {
    v.BOOL: (1, 0),
    v.INT2: (5, 0),
    v.INT4: (10, 0),
    v.INT8: (19, 0),
    v.OID: (10, 0),
    v.FLOAT4: (8, 8),
    v.FLOAT8: (17, 17),
    v.DATE: (13, 0),
    v.UUID: (36, 0),
    v.NAME: (63, 0),
}
_SIGNED = frozenset({v.INT2, v.INT4, v.INT8, v.FLOAT4, v.FLOAT8, v.NUMERIC, v.MONEY})
_CASE_SENSITIVE = frozenset({v.TEXT, v.VARCHAR, v.BPCHAR, v.NAME, v.JSON, v.JSONB})

_TABLE_COLUMNS_SQL = """
SELECT a.attrelid, a.attnum, a.attnotnull, c.relname,
       a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid), '') LIKE 'nextval(%%'
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid::int8 = ANY(%s) AND a.attnum > 0
"""
_TYPE_NAMES_SQL = (
    "SELECT oid::int8, typname, typcategory = 'A' FROM pg_type WHERE oid::int8 = ANY(%s)"
)


@dataclass(frozen=True)
class _TableColumn:
    not_null: bool
    table: str
    auto_increment: bool


class TypeNames:
    """oid -> (typname, is_array), looked up once per oid from pg_type and shared."""

    def __init__(self) -> None:
        self._names: dict[int, tuple[str, bool]] = {}
        self._lock = threading.Lock()

    def lookup(
        self, conn: psycopg.Connection[Any], oids: Sequence[int]
    ) -> dict[int, tuple[str, bool]]:
        with self._lock:
            missing = [oid for oid in set(oids) if oid not in self._names]
        if missing:
            rows = conn.execute(
                _TYPE_NAMES_SQL,
                [missing],
                prepare=False,
            ).fetchall()
            with self._lock:
                for oid, name, is_array in rows:
                    self._names[int(oid)] = (str(name), bool(is_array))
        with self._lock:
            return {oid: self._names.get(oid, ("unknown", False)) for oid in oids}


def _precision_scale(oid: int, typmod: int) -> tuple[int, int]:
    if oid in _FIXED_SIZE:
        return _FIXED_SIZE[oid]
    if oid == v.NUMERIC:
        if typmod < 4:
            return 0, 0
        return ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
    if oid in (v.VARCHAR, v.BPCHAR):
        return (typmod - 4, 0) if typmod >= 4 else (_UNBOUNDED, 0)
    if oid in (v.TIME, v.TIMETZ, v.TIMESTAMP, v.TIMESTAMPTZ):
        fraction = typmod if typmod >= 0 else 6
        base = {v.TIME: 8, v.TIMETZ: 14, v.TIMESTAMP: 19, v.TIMESTAMPTZ: 22}[oid]
        return base + (fraction + 1 if fraction else 0), fraction
    return _UNBOUNDED, 0


def column_metadata(
    conn: psycopg.Connection[Any], cursor: psycopg.Cursor[Any], type_names: TypeNames
) -> list[dict[str, Any]]:
    result = cursor.pgresult
    description = cursor.description
    if result is None or description is None:
        return []
    oids = [column.type_code for column in description]
    names = type_names.lookup(conn, oids)
    tables = {result.ftable(i) for i in range(len(description))} - {0}
    columns: dict[tuple[int, int], _TableColumn] = {}
    if tables:
        for relid, attnum, not_null, relname, auto in conn.execute(
            _TABLE_COLUMNS_SQL, [sorted(tables)], prepare=False
        ):
            columns[(int(relid), int(attnum))] = _TableColumn(not_null, relname, bool(auto))
    metadata = []
    for i, column in enumerate(description):
        oid = column.type_code
        type_name, is_array = names[oid]
        table_column = columns.get((result.ftable(i), result.ftablecol(i)))
        auto = table_column.auto_increment if table_column else False
        if auto and oid in (v.INT4, v.INT8):
            type_name = "serial" if oid == v.INT4 else "bigserial"
        precision, scale = _precision_scale(oid, result.fmod(i))
        metadata.append(
            {
                "name": column.name,
                "label": column.name,
                "type": ARRAY if is_array else _JDBC_TYPE.get(oid, OTHER),
                "typeName": type_name,
                "schemaName": "",
                "tableName": table_column.table if table_column else "",
                "isAutoIncrement": auto,
                "isSigned": oid in _SIGNED,
                "isCurrency": oid == v.MONEY,
                "isCaseSensitive": oid in _CASE_SENSITIVE,
                "nullable": (0 if table_column.not_null else 1) if table_column else 2,
                "precision": precision,
                "scale": scale,
                "arrayBaseColumnType": 0,
            }
        )
    return metadata
