"""The five Data API operations' requests and results, typed: what `wire` decodes from and
encodes to JSON, and what the engine takes and answers.

Parameters stay in the Data API's own shape (`[{"name", "value": {<kind>: ...}, "typeHint"}]`):
`binding.bind` reads them against the names the SQL uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

TRANSACTION_COMMITTED = "Transaction Committed"
ROLLBACK_COMPLETE = "Rollback Complete"

Parameters = Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Resources:
    """Every call names the cluster and the secret that grants access to it."""

    resource_arn: str
    secret_arn: str


@dataclass(frozen=True)
class ResultFormat:
    decimal_as_number: bool = False  # resultSetOptions.decimalReturnType = DOUBLE_OR_LONG
    long_as_string: bool = False  # resultSetOptions.longReturnType = STRING
    as_json: bool = False  # formatRecordsAs = JSON: formattedRecords instead of records
    include_metadata: bool = False  # includeResultMetadata (records only)


@dataclass(frozen=True)
class ExecuteRequest:
    resources: Resources
    sql: str
    parameters: Parameters
    database: str | None
    transaction_id: str | None
    continue_after_timeout: bool
    format: ResultFormat


@dataclass(frozen=True)
class BatchRequest:
    resources: Resources
    sql: str
    parameter_sets: Sequence[Parameters]
    database: str | None
    transaction_id: str | None


@dataclass(frozen=True)
class BeginRequest:
    resources: Resources
    database: str | None


@dataclass(frozen=True)
class EndRequest:
    """CommitTransaction or RollbackTransaction."""

    resources: Resources
    transaction_id: str


@dataclass(frozen=True)
class Column:
    name: str
    type_oid: int  # PostgreSQL's type of the column's values


@dataclass(frozen=True)
class ResultSet:
    columns: Sequence[Column]
    # Values as psycopg loads them on a Data API connection: int, float, bool, bytes, lists for
    # arrays, and PostgreSQL's own text for every other type.
    rows: Sequence[Sequence[Any]]
    metadata: list[dict[str, Any]] | None  # columnMetadata, when asked for


@dataclass(frozen=True)
class ExecuteResult:
    updated: int  # numberOfRecordsUpdated
    result_set: ResultSet | None  # None: the statement returns no rows (not even zero)
    format: ResultFormat

    @property
    def rows(self) -> int:
        """Rows returned, or updated when the statement returns none."""
        return self.updated if self.result_set is None else len(self.result_set.rows)


@dataclass(frozen=True)
class BatchResult:
    statements: int  # one per parameter set

    @property
    def rows(self) -> int:
        return self.statements


@dataclass(frozen=True)
class BeginResult:
    transaction_id: str


@dataclass(frozen=True)
class EndResult:
    status: str  # TRANSACTION_COMMITTED or ROLLBACK_COMPLETE
