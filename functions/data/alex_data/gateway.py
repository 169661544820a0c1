"""The one door to Aurora: the RDS Data API, typed, retried and translated.

This is the only module that builds an AWS client (botocore's, inside `get_gateway`, so tests
never need one).
`Gateway` wraps an injected rds-data client and implements `SqlRunner`, the interface the
repositories code against:

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
  failure is translated once into `alex_schemas.errors` (`raise ... from exc`);
- `calls` counts the requests sent (each one a round trip, retries included).

Deadlines: Lambda stops an invocation when its time is up, so retrying must stop first. The
handler asks for `gateway.bounded(seconds)`, a runner whose retries end `seconds` from now;
the gateway itself, used directly (CLI, tests), retries within `RetryPolicy.budget_seconds`.
"""

from __future__ import annotations

import json
import logging
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol, TypeVar, cast

from alex_schemas.errors import (
    ConflictError,
    DataError,
    InternalError,
    NotFoundError,
    UnavailableError,
    ValidationFailedError,
)
from alex_schemas.limits import DATA_API_REQUEST_BYTES, ROW_TOO_LARGE
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError
from pydantic import BaseModel

from alex_data.codec import (
    FieldValue,
    Record,
    decode_documents,
    decode_rows,
    encode_parameters,
    field_value,
)
from alex_data.settings import Settings, SettingsError, get_settings

__all__ = [
    "DataApiClient",
    "Gateway",
    "Params",
    "ResponseTooLarge",
    "RetryPolicy",
    "SqlRunner",
    "data_api_client_factory",
    "get_gateway",
    "translate_error",
]

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)
Params = Mapping[str, object] | None


class SqlRunner(Protocol):
    """What repositories need from the database: static SQL, named parameters, typed rows."""

    def rows(self, sql: str, params: Params, model: type[M]) -> list[M]: ...

    def one(self, sql: str, params: Params, model: type[M]) -> M | None: ...

    def documents(self, sql: str, params: Params, model: type[M]) -> list[M]: ...

    def document(self, sql: str, params: Params, model: type[M]) -> M | None: ...

    def paged_documents(self, sql: str, params: Params, model: type[M]) -> list[M]: ...

    def chunked_document(self, sql: str, params: Params, model: type[M]) -> M | None: ...

    def execute(self, sql: str, params: Params = None) -> int: ...

    def transaction(self) -> AbstractContextManager[SqlRunner]: ...


class DataApiClient(Protocol):
    """The part of boto3's rds-data client the gateway uses (tests pass a fake)."""

    def execute_statement(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def begin_transaction(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def commit_transaction(self, **kwargs: Any) -> Mapping[str, Any]: ...

    def rollback_transaction(self, **kwargs: Any) -> Mapping[str, Any]: ...


class ResponseTooLarge(InternalError):
    """The result exceeded the Data API's 1 MiB response limit (a paged read halves its page)."""


class RowTooLarge(InternalError):
    """A result row exceeded the Data API's 64 KB row limit: a statement broke its row budget."""


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


# --- error translation ------------------------------------------------------------------------

_THROTTLING = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ProvisionedThroughputExceededException",
    }
)
# The request was not served: the same request may well succeed in a moment.
_TRANSIENT = frozenset(
    {
        "DatabaseResumingException",
        "DatabaseUnavailableException",
        "ServiceUnavailableError",
        "ServiceUnavailableException",
        "InternalServerErrorException",
        "InvalidResourceStateException",
        "SecretsErrorException",
    }
)
_SQLSTATE = re.compile(r"SQLState:\s*([0-9A-Z]{5})")
_TOO_LARGE = re.compile(r"response size limit|response (is )?too large|exceed\w* .*1 ?MiB", re.I)
# SQLSTATEs worth retrying as a whole statement: serialization failure, deadlock, lock timeout,
# the server shutting down or out of resources, connection trouble.
_SQL_TRANSIENT_PREFIXES = ("40001", "40P01", "55P03", "57P01", "57P02", "57P03", "53", "08")


@dataclass(frozen=True)
class Translation:
    error: DataError
    # retrying the same request may help
    transient: bool = False
    # transient only when the statement runs on its own: inside a transaction the database has
    # aborted the whole transaction, so only the caller can start over
    statement_transient: bool = False


def translate_error(exc: Exception) -> Translation:
    """The domain error for a botocore failure (and whether retrying the request may help)."""
    if isinstance(exc, ClientError):
        return _translate_client_error(exc)
    if isinstance(exc, BotoConnectionError | HTTPClientError):
        url = exc.kwargs.get("endpoint_url")
        where = f" at {url}" if url else ""
        return Translation(
            UnavailableError(f"the Data API could not be reached{where}"), transient=True
        )
    if isinstance(exc, BotoCoreError):
        return Translation(InternalError("the Data API client failed", detail=str(exc)))
    return Translation(
        InternalError("unexpected failure calling the Data API", detail=type(exc).__name__)
    )


def _translate_client_error(exc: ClientError) -> Translation:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    message = str(error.get("Message", ""))
    status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    if code == "DatabaseResumingException":
        return Translation(UnavailableError("the database is resuming; try again shortly"), True)
    if code in _THROTTLING:
        return Translation(UnavailableError("the Data API is throttling requests"), transient=True)
    if code in _TRANSIENT or status >= 500:
        return Translation(
            UnavailableError("the database is temporarily unavailable"), transient=True
        )
    if ROW_TOO_LARGE in message:
        return Translation(RowTooLarge("a result row exceeds the Data API's 64 KB row limit"))
    if _TOO_LARGE.search(message):
        return Translation(ResponseTooLarge("the result exceeds the Data API's 1 MiB limit"))
    if code == "StatementTimeoutException":
        return Translation(UnavailableError("the statement timed out"))
    if code == "TransactionNotFoundException":
        return Translation(UnavailableError("the transaction expired before it finished"))
    if code in {"DatabaseErrorException", "BadRequestException"}:
        return _translate_sql_error(message)
    # Access denied, bad ARN or secret, HTTP endpoint disabled: the deployment is wrong.
    return Translation(
        InternalError(
            "the database is not reachable with this configuration", detail=f"{code}: {message}"
        )
    )


# Aurora's Data API ends a PostgreSQL error with "; SQLState: NNNNN". Where that suffix is missing
# (a local endpoint, an older API version) PostgreSQL's own primary message still names the
# class of error; these are its fixed English texts.
_SQLSTATE_BY_MESSAGE = (
    ("duplicate key value violates unique constraint", "23505"),
    ("violates foreign key constraint", "23503"),
    ("violates check constraint", "23514"),
    ("violates not-null constraint", "23502"),
    ("violates exclusion constraint", "23P01"),
    ("invalid input syntax", "22P02"),
    ("out of range", "22003"),
    ("could not serialize access", "40001"),
    ("deadlock detected", "40P01"),
)


def _sqlstate(message: str) -> str:
    match = _SQLSTATE.search(message)
    if match:
        return match.group(1)
    primary = message.splitlines()[0] if message else ""
    for text, state in _SQLSTATE_BY_MESSAGE:
        if text in primary:
            return state
    return ""


def _translate_sql_error(message: str) -> Translation:
    state = _sqlstate(message)
    reason = _primary_message(message)
    if state == "23505":
        return Translation(ConflictError(f"already exists: {reason}"))
    if state == "23503":
        if "still referenced" in message:
            return Translation(ConflictError(f"still in use: {reason}"))
        return Translation(NotFoundError(f"refers to something that does not exist: {reason}"))
    if state in {"23514", "23502", "23P01"} or state.startswith("22"):
        return Translation(ValidationFailedError(f"rejected by the database: {reason}"))
    if state == "P0002":
        return Translation(NotFoundError(reason))
    if state.startswith(_SQL_TRANSIENT_PREFIXES):
        return Translation(
            UnavailableError("the database could not complete the statement now; try again"),
            statement_transient=True,
        )
    if state == "57014":
        return Translation(UnavailableError("the statement was cancelled (timeout)"))
    # PostgreSQL's primary message only: its Detail lines may quote the row's values.
    return Translation(
        InternalError(
            "the database rejected a statement",
            detail=f"SQLSTATE {state or 'unknown'}: {reason}",
        )
    )


def _primary_message(message: str) -> str:
    # "ERROR: new row ... violates check constraint \"x\"\n  Detail: ...; SQLState: 23514"
    lines = message.split("; SQLState")[0].splitlines()
    first = lines[0] if lines else ""
    return first.removeprefix("ERROR:").strip() or "invalid value"


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
                    _error_code(exc),
                    retry + 1,
                    wait,
                )
                self._sleep(wait)
                retry += 1


def _error_code(exc: Exception) -> str:
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__


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
