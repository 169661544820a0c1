"""The one door to Aurora: the RDS Data API, typed, retried and translated.

This is the only module that builds an AWS client (botocore's, inside `get_gateway`, so tests
never need one).
`Gateway` wraps an injected rds-data client and implements `SqlRunner` (`alex_data.sql_runner`),
the interface the repositories code against:

- `rows`/`one` decode records positionally into a row model, `documents`/`document` validate
  one JSON document per row (built in SQL), `execute` answers numberOfRecordsUpdated; each is
  one request;
- `paged_documents` and `chunked_document` read statements whose answer may pass the Data
  API's 1 MiB response: the statement takes `:page_start` and `:page_rows` and the gateway asks
  for pages until one comes back short, halving a page the Data API refuses as too large. The
  statement text never changes (no SQL is composed). `chunked_document` joins the ordered
  (digest, chunk) rows of `alex_chunks` into one document, so no row passes 64 KB whatever the
  document's size, and reads it again if the digest changed between pages;
- a request that would pass the Data API's 4 MiB is refused (`ValidationFailedError`, naming
  the limit and the size) before it is sent;
- `transaction()` threads a transaction id through every statement of the block, commits only
  if the block completes (checking the status text), rolls back otherwise;
- transient failures (DatabaseResumingException, throttling, 5xx, connection errors) are retried
  with capped exponential backoff and jitter, for as long as the deadline allows; every other
  failure is translated once into `alex_schemas.errors` (`alex_data.translation`,
  `raise ... from exc`);
- `calls` counts the requests sent (each one a round trip, retries included).

Deadlines: Lambda stops an invocation when its time is up, so retrying must stop first. The
handler asks for `gateway.bounded(seconds)`, a runner whose retries end `seconds` from now;
the gateway itself, used directly (CLI, tests), retries within `RetryPolicy.budget_seconds`.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol, cast

from alex_schemas.errors import (
    DataError,
    InternalError,
    UnavailableError,
    ValidationFailedError,
)
from alex_schemas.limits import DATA_API_REQUEST_BYTES
from botocore.exceptions import BotoCoreError, ClientError

from alex_data.codec import (
    FieldValue,
    Record,
    decode_documents,
    decode_rows,
    encode_parameters,
    field_value,
)
from alex_data.settings import Settings, SettingsError, get_settings
from alex_data.sql_runner import M, Params, SqlRunner
from alex_data.translation import ResponseTooLarge, error_code, translate_error

__all__ = [
    "DataApiClient",
    "Gateway",
    "RetryPolicy",
    "data_api_client_factory",
    "get_gateway",
]

log = logging.getLogger(__name__)


class DataApiClient(Protocol):
    """The part of boto3's rds-data client the gateway uses (tests pass a fake)."""

    def execute_statement(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def begin_transaction(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def commit_transaction(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def rollback_transaction(self, **kwargs: Any) -> Mapping[str, Any]: ...


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


# --- the gateway ------------------------------------------------------------------------------


class Gateway:
    """`SqlRunner` over the RDS Data API; see the module docstring."""

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

    def bounded(self, seconds: float) -> SqlRunner:
        """A runner whose retries stop `seconds` from now (the invocation's remaining time)."""
        return _Session(self, deadline=self._clock() + max(0.0, seconds), transaction_id=None)

    # SqlRunner, with the policy's budget as deadline
    def rows(self, sql: str, params: Params, model: type[M]) -> list[M]:
        return self._session().rows(sql, params, model)

    def one(self, sql: str, params: Params, model: type[M]) -> M | None:
        return self._session().one(sql, params, model)

    def documents(self, sql: str, params: Params, model: type[M]) -> list[M]:
        return self._session().documents(sql, params, model)

    def document(self, sql: str, params: Params, model: type[M]) -> M | None:
        return self._session().document(sql, params, model)

    def paged_documents(self, sql: str, params: Params, model: type[M]) -> list[M]:
        return self._session().paged_documents(sql, params, model)

    def chunked_document(self, sql: str, params: Params, model: type[M]) -> M | None:
        return self._session().chunked_document(sql, params, model)

    def execute(self, sql: str, params: Params = None) -> int:
        return self._session().execute(sql, params)

    def transaction(self) -> AbstractContextManager[SqlRunner]:
        return self._session().transaction()

    def _session(self) -> _Session:
        return _Session(self, self._clock() + self.retry.budget_seconds, transaction_id=None)

    def _call(
        self,
        operation: str,
        deadline: float,
        *,
        in_transaction: bool,
        **request: Any,
    ) -> Mapping[str, Any]:
        """One Data API request, retried while transient and time allows, translated otherwise."""
        method: Callable[..., Mapping[str, Any]] = getattr(self.client, operation)
        retry = 0
        while True:
            self.calls += 1
            try:
                return method(**request)
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


# Paged statements take :page_start (rows already read) and :page_rows. A page of documents
# starts at 100 rows (each within the row budget); one refused as too large is halved and read
# again. A page of chunks is 30 rows: 30 x (24,000 bytes as 32,000 of base64, and the digest)
# is about 962 KB, under 1 MiB whatever the text, so it is never refused.
_FIRST_PAGE_ROWS = 100
_CHUNK_PAGE_ROWS = 30
# A document read in several pages is cut from the same version only if every chunk names the
# same digest; one that changed in between is read again from the start, this many times.
_CHUNKED_READ_ATTEMPTS = 3
# Below this many characters of text a request cannot reach 4 MiB however it is escaped (a
# character takes at most 12 bytes on the wire: a surrogate pair, two escapes of 6 bytes).
_REQUEST_CHECK_CHARS = DATA_API_REQUEST_BYTES // 12


class _Session:
    """A `SqlRunner` with a deadline, optionally bound to one transaction."""

    def __init__(self, gateway: Gateway, deadline: float, transaction_id: str | None) -> None:
        self._gateway = gateway
        self._deadline = deadline
        self._transaction_id = transaction_id

    def rows(self, sql: str, params: Params, model: type[M]) -> list[M]:
        return decode_rows(self._records(sql, params), model)

    def one(self, sql: str, params: Params, model: type[M]) -> M | None:
        found = self.rows(sql, params, model)
        return found[0] if found else None

    def documents(self, sql: str, params: Params, model: type[M]) -> list[M]:
        return decode_documents(self._records(sql, params), model)

    def document(self, sql: str, params: Params, model: type[M]) -> M | None:
        found = self.documents(sql, params, model)
        return found[0] if found else None

    def execute(self, sql: str, params: Params = None) -> int:
        return int(self._statement(sql, params).get("numberOfRecordsUpdated", 0))

    def transaction(self) -> AbstractContextManager[SqlRunner]:
        return self._transaction()

    @contextmanager
    def _transaction(self) -> Iterator[SqlRunner]:
        if self._transaction_id is not None:
            # Already inside one: the inner block joins it (no savepoints over the Data API).
            yield self
            return
        gateway = self._gateway
        begun = gateway._call(
            "begin_transaction",
            self._deadline,
            in_transaction=False,
            resourceArn=gateway.resource_arn,
            secretArn=gateway.secret_arn,
            database=gateway.database,
        )
        transaction_id = str(begun["transactionId"])
        try:
            yield _Session(gateway, self._deadline, transaction_id)
        except BaseException:
            self._rollback(transaction_id)
            raise
        try:
            ended = gateway._call(
                "commit_transaction",
                self._deadline,
                in_transaction=True,
                resourceArn=gateway.resource_arn,
                secretArn=gateway.secret_arn,
                transactionId=transaction_id,
            )
        except DataError:
            self._rollback(transaction_id)
            raise
        status = str(ended.get("transactionStatus", ""))
        if status != "Transaction Committed":
            raise InternalError(f"the commit answered {status!r}, not 'Transaction Committed'")

    def _rollback(self, transaction_id: str) -> None:
        # Best effort: the error that got us here is the one to report. A transaction left open
        # is rolled back by the Data API after its timeout anyway.
        gateway = self._gateway
        try:
            ended = gateway._call(
                "rollback_transaction",
                self._deadline,
                in_transaction=True,
                resourceArn=gateway.resource_arn,
                secretArn=gateway.secret_arn,
                transactionId=transaction_id,
            )
        except DataError as exc:
            log.warning("rollback of a failed transaction failed: %s", exc)
            return
        status = str(ended.get("transactionStatus", ""))
        if status != "Rollback Complete":
            log.warning("rollback answered %r", status)

    # --- statements ---

    def _statement(self, sql: str, params: Params) -> Mapping[str, Any]:
        gateway = self._gateway
        request: dict[str, Any] = {
            "resourceArn": gateway.resource_arn,
            "secretArn": gateway.secret_arn,
            "database": gateway.database,
            "sql": sql,
        }
        parameters = encode_parameters(params)
        if parameters:
            request["parameters"] = parameters
        if self._transaction_id is not None:
            request["transactionId"] = self._transaction_id
        _check_request_size(request)
        return gateway._call(
            "execute_statement",
            self._deadline,
            in_transaction=self._transaction_id is not None,
            **request,
        )

    def _records(self, sql: str, params: Params) -> list[Record]:
        return list(self._statement(sql, params).get("records", []))

    def _paged_records(
        self, sql: str, params: Params, first_page: int = _FIRST_PAGE_ROWS
    ) -> list[Record]:
        """Every row of a paged statement, in as few responses of at most 1 MiB as it takes."""
        records: list[Record] = []
        page = first_page
        while True:
            try:
                found = self._statement(
                    sql, {**(params or {}), "page_start": len(records), "page_rows": page}
                )
            except ResponseTooLarge:
                if page == 1:
                    raise
                page = max(1, page // 2)
                continue
            batch = found.get("records", [])
            records.extend(batch)
            if len(batch) < page:
                return records

    def _chunked_text(self, sql: str, params: Params) -> str | None:
        """The document a chunked statement cuts into (digest, bytes) rows, joined again.

        The bytes are joined before they are decoded: a chunk may end inside a character.
        """
        for _ in range(_CHUNKED_READ_ATTEMPTS):
            records = self._paged_records(sql, params, _CHUNK_PAGE_ROWS)
            if not records:
                return None
            digests = {field_value(record[0]) for record in records}
            if len(digests) == 1:
                return b"".join(_chunk_bytes(record[1]) for record in records).decode()
            log.info("a document changed while read in pages: reading it again")
        raise UnavailableError("the data kept changing while it was read; try again")

    def paged_documents(self, sql: str, params: Params, model: type[M]) -> list[M]:
        """`documents` of a paged statement: one document per row, pages of at most 1 MiB."""
        return decode_documents(self._paged_records(sql, params), model)

    def chunked_document(self, sql: str, params: Params, model: type[M]) -> M | None:
        """One document that the statement returns in ordered chunks; None for no rows."""
        text = self._chunked_text(sql, params)
        if text is None:
            return None
        return decode_documents([[{"stringValue": text}]], model)[0]


def _chunk_bytes(field: FieldValue) -> bytes:
    value = field_value(field)
    if not isinstance(value, bytes):
        raise InternalError(f"a document chunk must be bytes, not {type(value).__name__}")
    return value


def _check_request_size(request: Mapping[str, Any]) -> None:
    """Refuse, before sending, a request the Data API would refuse for its size.

    Measured as botocore sends it: compact JSON with non-ASCII escaped, so a parameter's
    quotes, backslashes and multi-byte characters count as often as the wire carries them.
    """
    parameters = request.get("parameters") or []
    chars = sum(len(str(p.get("value", {}).get("stringValue", ""))) for p in parameters)
    if chars + len(request.get("sql", "")) < _REQUEST_CHECK_CHARS:
        return
    size = len(json.dumps(request, separators=(",", ":")))
    if size > DATA_API_REQUEST_BYTES:
        raise ValidationFailedError(
            f"the request is {size:,} bytes as sent to the Data API, over its request limit of"
            f" 4 MiB ({DATA_API_REQUEST_BYTES:,} bytes)"
        )


def data_api_client_factory() -> Callable[[], DataApiClient]:
    """What makes rds-data clients for this container: one botocore session, a client per call.

    botocore's session makes the same client boto3.client() would, without importing boto3
    (~14 ms of a cold start: its resource and docs machinery, unused here); imported here so
    that importing the package stays cheap and offline. The session keeps the loaded service
    model and the client class, so a second client costs ~2 ms instead of ~40 ms.
    """
    from botocore.config import Config
    from botocore.session import get_session

    session = get_session()
    # botocore's own retries are off: the gateway retries within the invocation's deadline and
    # counts every request. A statement may run up to the Data API's 45 s.
    config = Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=50,
        tcp_keepalive=True,
    )

    def new_client() -> DataApiClient:
        try:
            client = session.create_client("rds-data", config=config)
        except BotoCoreError as exc:  # e.g. no region configured
            raise SettingsError(f"cannot build the Data API client: {exc}") from exc
        return cast(DataApiClient, client)

    return new_client


@lru_cache(maxsize=1)
def get_gateway() -> Gateway:
    """The gateway of this container: settings validated and the client built on first use."""
    settings = get_settings()
    new_client = data_api_client_factory()
    return Gateway.from_settings(new_client(), settings, renew=new_client)
