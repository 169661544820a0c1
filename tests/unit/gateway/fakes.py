"""A fake rds-data client: records every request, answers through a scripted responder.

It satisfies `alex_data.gateway.DataApiClient`; faults are botocore's own `ClientError`s, built
the way botocore builds them from a service answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

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

    def _answer(self, operation: str, request: dict[str, Any]) -> Mapping[str, Any]:
        self.requests.append((operation, request))
        if self.faults:
            raise self.faults.pop(0)
        return self.responder(operation, request)

    def execute_statement(self, **kwargs: Any) -> Mapping[str, Any]:
        return self._answer("execute_statement", kwargs)

    def begin_transaction(self, **kwargs: Any) -> Mapping[str, Any]:
        return self._answer("begin_transaction", kwargs)

    def commit_transaction(self, **kwargs: Any) -> Mapping[str, Any]:
        return self._answer("commit_transaction", kwargs)

    def rollback_transaction(self, **kwargs: Any) -> Mapping[str, Any]:
        return self._answer("rollback_transaction", kwargs)

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
