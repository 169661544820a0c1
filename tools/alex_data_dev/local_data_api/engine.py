"""The five Data API operations over PostgreSQL, typed requests in and typed results out.

Each call is admitted first (the cluster and secret ARNs must match, then an injected fault
may answer instead), then runs on a pooled connection in autocommit mode, so it commits on its
own as on Aurora, or on the connection its transaction holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from alex_schemas.limits import DATA_API_ROW_BYTES

from alex_data_dev.local_data_api import binding
from alex_data_dev.local_data_api.connections import Connection, Pools
from alex_data_dev.local_data_api.errors import DataApiError, bad_request
from alex_data_dev.local_data_api.execution import Execution, scan_statement
from alex_data_dev.local_data_api.faults import Faults
from alex_data_dev.local_data_api.messages import (
    ROLLBACK_COMPLETE,
    TRANSACTION_COMMITTED,
    BatchRequest,
    BatchResult,
    BeginRequest,
    BeginResult,
    EndRequest,
    EndResult,
    ExecuteRequest,
    ExecuteResult,
    Resources,
)
from alex_data_dev.local_data_api.transactions import Transactions


@dataclass(frozen=True)
class EngineConfig:
    dsn: str  # reaches `database`
    database: str
    cluster_arn: str
    secret_arn: str
    transaction_timeout: float = 180.0
    statement_timeout: float = 45.0
    transaction_max_age: float = 24 * 3600.0  # Aurora ends any transaction after 24 hours
    instance_id: str = "alex-local-instance-1"
    pool_max: int = 50  # transactions each hold one; Aurora has no small limit here
    # Aurora refuses a result row over 64 KB; 0 turns the check off
    row_limit_bytes: int = DATA_API_ROW_BYTES


class Engine:
    def __init__(self, config: EngineConfig) -> None:
        self.config = config
        self.faults = Faults(config.instance_id)
        timeout_ms = int(config.statement_timeout * 1000)
        self._pools = Pools(config.dsn, config.database, timeout_ms, config.pool_max)
        self._transactions = Transactions(
            self._pools, config.transaction_timeout, config.transaction_max_age
        )
        self._execution = Execution(config.statement_timeout, config.row_limit_bytes)

    def close(self) -> None:
        self._transactions.close()
        self._pools.close()

    def open_transactions(self) -> int:
        return self._transactions.count()

    # --- operations ---------------------------------------------------------------------------

    def execute_statement(self, request: ExecuteRequest) -> ExecuteResult:
        self._admit(request.resources, "ExecuteStatement")
        scanned = scan_statement(request.sql)
        params = binding.bind(scanned.names, request.parameters)
        if request.continue_after_timeout:
            return self._execution.execute_detached(
                lambda: self._connection(request.transaction_id, request.database),
                scanned,
                params,
                request.format,
            )
        with self._connection(request.transaction_id, request.database) as conn:
            return self._execution.execute(conn, scanned, params, request.format)

    def batch_execute_statement(self, request: BatchRequest) -> BatchResult:
        self._admit(request.resources, "BatchExecuteStatement")
        scanned = scan_statement(request.sql)
        params = [binding.bind(scanned.names, each) for each in request.parameter_sets]
        if params:
            with self._connection(request.transaction_id, request.database) as conn:
                in_transaction = request.transaction_id is not None
                self._execution.execute_many(conn, scanned, params, in_transaction)
        return BatchResult(len(params))

    def begin_transaction(self, request: BeginRequest) -> BeginResult:
        self._admit(request.resources, "BeginTransaction")
        return BeginResult(self._transactions.begin(request.database))

    def commit_transaction(self, request: EndRequest) -> EndResult:
        self._admit(request.resources, "CommitTransaction")
        if self._transactions.end(request.transaction_id, "COMMIT") != "COMMIT":
            # PostgreSQL answers COMMIT of a failed transaction with ROLLBACK; say so, as
            # PgJDBC does, rather than claim a commit that did not happen.
            raise DataApiError(
                "DatabaseErrorException",
                "The database returned ROLLBACK, so the transaction cannot be committed.",
            )
        return EndResult(TRANSACTION_COMMITTED)

    def rollback_transaction(self, request: EndRequest) -> EndResult:
        self._admit(request.resources, "RollbackTransaction")
        self._transactions.end(request.transaction_id, "ROLLBACK")
        return EndResult(ROLLBACK_COMPLETE)

    # --- common -------------------------------------------------------------------------------

    def _admit(self, resources: Resources, operation: str) -> None:
        if resources.resource_arn != self.config.cluster_arn:
            raise bad_request(f"HttpEndpoint is not enabled for resource {resources.resource_arn}")
        if resources.secret_arn != self.config.secret_arn:
            raise bad_request(
                f"Error fetching secret {resources.secret_arn} : Secrets Manager can't find the "
                "specified secret. (Service: AWSSecretsManager; Status Code: 400; "
                "Error Code: ResourceNotFoundException)"
            )
        self.faults.take(operation)

    @contextmanager
    def _connection(self, transaction_id: str | None, database: str | None) -> Iterator[Connection]:
        """The transaction's connection, or a pooled one for a call outside any."""
        if transaction_id is not None:
            with self._transactions.connection(transaction_id) as conn:
                yield conn
        else:
            with self._pools.connection(database) as conn:
                yield conn
