"""The one door to Aurora: the RDS Data API client, its ARNs, retries and deadline.

`Gateway` holds an injected rds-data client (`alex_data.rds_data`: built inside `get_gateway`,
so tests never need one) and the cluster, secret and database every request names, and sends
each request through one method, `request`:

- transient failures (DatabaseResumingException, throttling, 5xx, connection errors; outside a
  transaction also serialization failures and deadlocks) are retried with capped exponential
  backoff and jitter, for as long as the deadline allows; every other failure is translated
  once into `alex_schemas.errors` (`alex_data.translation`, `raise ... from exc`);
- a statement that would pass the Data API's 4 MiB request is refused
  (`ValidationFailedError`, naming the limit and the size) before it is sent;
- `calls` counts the requests sent (each one a round trip, retries included).

Statements are run through a `Session` (`alex_data.session`, the one `SqlRunner`):
`gateway.session(seconds)` is one whose retries end `seconds` from now, which the handler asks
for with the invocation's remaining time (Lambda stops an invocation when its time is up, so
retrying must stop first); `gateway.session()` retries within `RetryPolicy.budget_seconds`
(CLI, tests).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal, overload

from alex_schemas import collector
from alex_schemas.errors import ValidationFailedError
from alex_schemas.limits import DATA_API_REQUEST_BYTES
from botocore.exceptions import BotoCoreError, ClientError

from alex_data.rds_data import DataApiClient, data_api_client_factory
from alex_data.session import Session
from alex_data.settings import Settings, get_settings
from alex_data.translation import error_code, translate_error

if TYPE_CHECKING:
    from mypy_boto3_rds_data.type_defs import (
        BeginTransactionRequestTypeDef,
        BeginTransactionResponseTypeDef,
        CommitTransactionRequestTypeDef,
        CommitTransactionResponseTypeDef,
        ExecuteStatementRequestTypeDef,
        ExecuteStatementResponseTypeDef,
        RollbackTransactionResponseTypeDef,
        SqlParameterTypeDef,
    )

__all__ = ["Gateway", "RetryPolicy", "get_gateway"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    """Capped exponential backoff with jitter.

    The n-th wait (n from 0) is drawn from [d/2, d] with d = min(cap, base * 2^n): never zero, so
    a cluster that is resuming is not hammered, and spread so that many callers do not retry in
    step.
    """

    base_seconds: float = 0.25
    cap_seconds: float = 5.0
    max_attempts: int = 12
    # How long a caller without a deadline (CLI, tests) keeps retrying: long enough for a paused
    # Serverless v2 cluster to resume.
    budget_seconds: float = 60.0

    def delay(self, retry: int, jitter: float) -> float:
        ceiling = min(self.cap_seconds, self.base_seconds * 2.0**retry)
        return ceiling / 2 + ceiling / 2 * jitter


Operation = Literal[
    "execute_statement", "begin_transaction", "commit_transaction", "rollback_transaction"
]

# Below this many characters of text a request cannot reach 4 MiB however it is escaped (a
# character takes at most 12 bytes on the wire: a surrogate pair, two escapes of 6 bytes).
_REQUEST_CHECK_CHARS = DATA_API_REQUEST_BYTES // 12


class Gateway:
    """The rds-data client with its ARNs and retry policy; see the module docstring."""

    def __init__(
        self,
        client: DataApiClient,
        *,
        resource_arn: str,
        secret_arn: str,
        database: str,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        renew: Callable[[], DataApiClient] | None = None,
    ) -> None:
        self.client = client
        self._renew = renew
        self.resource_arn = resource_arn
        self.secret_arn = secret_arn
        self.database = database
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._jitter = jitter
        self.calls = 0  # requests sent, retries included

    @classmethod
    def from_settings(
        cls,
        client: DataApiClient,
        settings: Settings,
        renew: Callable[[], DataApiClient] | None = None,
    ) -> Gateway:
        return cls(
            client,
            renew=renew,
            resource_arn=settings.aurora_cluster_arn,
            secret_arn=settings.aurora_secret_arn,
            database=settings.aurora_database,
            retry=RetryPolicy(
                base_seconds=settings.retry_base_seconds,
                cap_seconds=settings.retry_max_seconds,
                max_attempts=settings.max_attempts,
            ),
        )

    def renew_client(self) -> None:
        """A new client from the factory the gateway was given (none: keep this one).

        After a SnapStart restore: no connection or credential of the snapshot is reused.
        """
        if self._renew is not None:
            self.client = self._renew()

    def session(self, seconds: float | None = None) -> Session:
        """A `SqlRunner` whose retries stop `seconds` from now (None: the policy's budget)."""
        budget = self.retry.budget_seconds if seconds is None else max(0.0, seconds)
        return Session(self, self._clock() + budget)

    @overload
    def request(
        self,
        operation: Literal["execute_statement"],
        deadline: float,
        *,
        sql: str,
        parameters: Sequence[SqlParameterTypeDef] = (),
        transaction_id: str | None = None,
    ) -> ExecuteStatementResponseTypeDef: ...

    @overload
    def request(
        self, operation: Literal["begin_transaction"], deadline: float
    ) -> BeginTransactionResponseTypeDef: ...

    @overload
    def request(
        self,
        operation: Literal["commit_transaction", "rollback_transaction"],
        deadline: float,
        *,
        transaction_id: str,
    ) -> CommitTransactionResponseTypeDef | RollbackTransactionResponseTypeDef: ...

    def request(
        self,
        operation: Operation,
        deadline: float,
        *,
        sql: str = "",
        parameters: Sequence[SqlParameterTypeDef] = (),
        transaction_id: str | None = None,
    ) -> (
        ExecuteStatementResponseTypeDef
        | BeginTransactionResponseTypeDef
        | CommitTransactionResponseTypeDef
        | RollbackTransactionResponseTypeDef
    ):
        """One Data API request, retried while transient and `deadline` (the clock's time)
        allows, translated otherwise."""
        send = self._sender(operation, sql, parameters, transaction_id)
        in_transaction = transaction_id is not None
        retry = 0
        while True:
            self.calls += 1
            try:
                return send()
            except (ClientError, BotoCoreError) as exc:
                found = translate_error(exc)
                transient = found.transient or (found.statement_transient and not in_transaction)
                if not transient or retry + 1 >= self.retry.max_attempts:
                    raise found.error from exc
                wait = self.retry.delay(retry, self._jitter())
                if self._clock() + wait >= deadline:
                    raise found.error from exc
                log.warning(
                    "Data API %s failed (%s), retry %d in %.2fs",
                    operation,
                    error_code(exc),
                    retry + 1,
                    wait,
                )
                self._sleep(wait)
                retry += 1

    def _sender(
        self,
        operation: Operation,
        sql: str,
        parameters: Sequence[SqlParameterTypeDef],
        transaction_id: str | None,
    ) -> Callable[
        [],
        ExecuteStatementResponseTypeDef
        | BeginTransactionResponseTypeDef
        | CommitTransactionResponseTypeDef
        | RollbackTransactionResponseTypeDef,
    ]:
        """The request, checked and bound to this gateway's client (read again on each send: a
        renewed client serves the retries)."""
        if operation == "begin_transaction":
            begin: BeginTransactionRequestTypeDef = {
                "resourceArn": self.resource_arn,
                "secretArn": self.secret_arn,
                "database": self.database,
            }
            return lambda: self.client.begin_transaction(**begin)
        if operation != "execute_statement":
            if transaction_id is None:
                raise ValueError(f"{operation} needs the transaction's id")
            end: CommitTransactionRequestTypeDef = {
                "resourceArn": self.resource_arn,
                "secretArn": self.secret_arn,
                "transactionId": transaction_id,
            }
            if operation == "commit_transaction":
                return lambda: self.client.commit_transaction(**end)
            return lambda: self.client.rollback_transaction(**end)
        statement: ExecuteStatementRequestTypeDef = {
            "resourceArn": self.resource_arn,
            "secretArn": self.secret_arn,
            "database": self.database,
            "sql": sql,
        }
        if parameters:
            statement["parameters"] = parameters
        if transaction_id is not None:
            statement["transactionId"] = transaction_id
        _check_request_size(statement)
        return lambda: self.client.execute_statement(**statement)


def _check_request_size(request: ExecuteStatementRequestTypeDef) -> None:
    """Refuse, before sending, a request the Data API would refuse for its size.

    Measured as botocore sends it: compact JSON with non-ASCII escaped, so a parameter's
    quotes, backslashes and multi-byte characters count as often as the wire carries them.
    """
    chars = len(request["sql"])
    for parameter in request.get("parameters", ()):
        value = parameter.get("value")
        if value is not None:
            chars += len(value.get("stringValue", ""))
    if chars < _REQUEST_CHECK_CHARS:
        return
    size = len(json.dumps(request, separators=(",", ":")))
    if size > DATA_API_REQUEST_BYTES:
        raise ValidationFailedError(
            f"the request is {size:,} bytes as sent to the Data API, over its request limit of"
            f" 4 MiB ({DATA_API_REQUEST_BYTES:,} bytes)"
        )


@lru_cache(maxsize=1)
def get_gateway() -> Gateway:
    """The gateway of this container: settings validated and the client built once, by the init
    phase in a Lambda runtime (`alex_data.snapstart.prepare_init`), on first use elsewhere."""
    with collector.paused_in_lambda():  # botocore's import, service model and client: long-lived
        settings = get_settings()
        new_client = data_api_client_factory()
        return Gateway.from_settings(new_client(), settings, renew=new_client)
