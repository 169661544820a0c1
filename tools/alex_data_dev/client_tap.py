"""`ClientTap`: an rds-data client that passes every request on through `around`.

Tests and benchmarks wrap the gateway's client in one (to fail the n-th request, record or
time the requests, write between two pages) and hand it to a `Gateway` as it is: it is a
`DataApiClient`, typed as the real client, so no cast is needed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar, Unpack

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

R = TypeVar("R")


class ClientTap:
    def __init__(self, inner: DataApiClient) -> None:
        self.inner = inner

    def around(self, operation: str, request: Mapping[str, object], send: Callable[[], R]) -> R:
        """Each request on its way: `send()` passes it on; a subclass may look at it first,
        time it, or fail it instead."""
        return send()

    def execute_statement(
        self, **kwargs: Unpack[ExecuteStatementRequestTypeDef]
    ) -> ExecuteStatementResponseTypeDef:
        return self.around(
            "execute_statement", kwargs, lambda: self.inner.execute_statement(**kwargs)
        )

    def begin_transaction(
        self, **kwargs: Unpack[BeginTransactionRequestTypeDef]
    ) -> BeginTransactionResponseTypeDef:
        return self.around(
            "begin_transaction", kwargs, lambda: self.inner.begin_transaction(**kwargs)
        )

    def commit_transaction(
        self, **kwargs: Unpack[CommitTransactionRequestTypeDef]
    ) -> CommitTransactionResponseTypeDef:
        return self.around(
            "commit_transaction", kwargs, lambda: self.inner.commit_transaction(**kwargs)
        )

    def rollback_transaction(
        self, **kwargs: Unpack[RollbackTransactionRequestTypeDef]
    ) -> RollbackTransactionResponseTypeDef:
        return self.around(
            "rollback_transaction", kwargs, lambda: self.inner.rollback_transaction(**kwargs)
        )
