"""`ClientTap`: an rds-data client that passes every request on, after `observe` has seen it.

Tests and benchmarks wrap the gateway's client in one (to fail the n-th request, record the
requests, write between two pages) and hand it to a `Gateway` as it is: it is a
`DataApiClient`, typed as the real client, so no cast is needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Unpack

if TYPE_CHECKING:
    from alex_data.rds_data import DataApiClient
    from mypy_boto3_rds_data.type_defs import (
        BeginTransactionRequestTypeDef,
        BeginTransactionResponseTypeDef,
        CommitTransactionRequestTypeDef,
        CommitTransactionResponseTypeDef,
        ExecuteStatementRequestTypeDef,
        ExecuteStatementResponseTypeDef,
        RollbackTransactionRequestTypeDef,
        RollbackTransactionResponseTypeDef,
    )

__all__ = ["ClientTap"]


class ClientTap:
    def __init__(self, inner: DataApiClient) -> None:
        self.inner = inner

    def observe(self, operation: str, request: Mapping[str, object]) -> None:
        """Called before each request is passed on; raising here fails the request."""

    def execute_statement(
        self, **kwargs: Unpack[ExecuteStatementRequestTypeDef]
    ) -> ExecuteStatementResponseTypeDef:
        self.observe("execute_statement", kwargs)
        return self.inner.execute_statement(**kwargs)

    def begin_transaction(
        self, **kwargs: Unpack[BeginTransactionRequestTypeDef]
    ) -> BeginTransactionResponseTypeDef:
        self.observe("begin_transaction", kwargs)
        return self.inner.begin_transaction(**kwargs)

    def commit_transaction(
        self, **kwargs: Unpack[CommitTransactionRequestTypeDef]
    ) -> CommitTransactionResponseTypeDef:
        self.observe("commit_transaction", kwargs)
        return self.inner.commit_transaction(**kwargs)

    def rollback_transaction(
        self, **kwargs: Unpack[RollbackTransactionRequestTypeDef]
    ) -> RollbackTransactionResponseTypeDef:
        self.observe("rollback_transaction", kwargs)
        return self.inner.rollback_transaction(**kwargs)
