"""A fake rds-data client: records every request, answers through a scripted responder.

It is an `alex_data.rds_data.DataApiClient`, typed as boto3's stubs type the real client (a
responder answers the parts of a response a test cares about); faults are botocore's own
`ClientError`s, built the way botocore builds them from a service answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Unpack

from botocore.exceptions import ClientError

if TYPE_CHECKING:
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

Responder = Callable[[str, dict[str, Any]], Mapping[str, Any]]


def client_error(code: str, message: str = "", status: int = 400) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "ExecuteStatement")


def sql_error(state: str, message: str) -> ClientError:
    return client_error("DatabaseErrorException", f"ERROR: {message}; SQLState: {state}")


def default_responder(operation: str, request: dict[str, Any]) -> Mapping[str, Any]:
    if operation == "begin_transaction":
        return {"transactionId": "tx-1"}
    if operation == "commit_transaction":
        return {"transactionStatus": "Transaction Committed"}
    if operation == "rollback_transaction":
        return {"transactionStatus": "Rollback Complete"}
    return {"records": [], "numberOfRecordsUpdated": 0}


@dataclass
class FakeDataApi:
    responder: Responder = default_responder
    # raised, in order, before the responder is asked (fault injection)
    faults: list[Exception] = field(default_factory=list)
    requests: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def fail_next(self, *faults: Exception) -> None:
        self.faults.extend(faults)

    def _answer(self, operation: str, request: Mapping[str, Any]) -> Any:
        self.requests.append((operation, dict(request)))
        if self.faults:
            raise self.faults.pop(0)
        return self.responder(operation, dict(request))

    def execute_statement(
        self, **kwargs: Unpack[ExecuteStatementRequestTypeDef]
    ) -> ExecuteStatementResponseTypeDef:
        answer: ExecuteStatementResponseTypeDef = self._answer("execute_statement", kwargs)
        return answer

    def begin_transaction(
        self, **kwargs: Unpack[BeginTransactionRequestTypeDef]
    ) -> BeginTransactionResponseTypeDef:
        answer: BeginTransactionResponseTypeDef = self._answer("begin_transaction", kwargs)
        return answer

    def commit_transaction(
        self, **kwargs: Unpack[CommitTransactionRequestTypeDef]
    ) -> CommitTransactionResponseTypeDef:
        answer: CommitTransactionResponseTypeDef = self._answer("commit_transaction", kwargs)
        return answer

    def rollback_transaction(
        self, **kwargs: Unpack[RollbackTransactionRequestTypeDef]
    ) -> RollbackTransactionResponseTypeDef:
        answer: RollbackTransactionResponseTypeDef = self._answer("rollback_transaction", kwargs)
        return answer

    def operations(self) -> list[str]:
        return [operation for operation, _ in self.requests]

    def statements(self) -> list[str]:
        return [r["sql"] for op, r in self.requests if op == "execute_statement"]


@dataclass
class FakeTime:
    """A clock that only moves when the gateway sleeps."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def records(*rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    return {"records": [list(row) for row in rows]}
