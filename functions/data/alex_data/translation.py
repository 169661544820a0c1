"""Data API failures into the error tree: a pure function of the botocore exception.

`translate_error` answers the `alex_schemas.errors` exception to raise (its cause stays the
botocore error, for the log) and whether sending the same request again may succeed. The
message never carries SQL or row values: PostgreSQL's primary message only, its Detail lines
kept out because they may quote the row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from alex_schemas.errors import (
    ConflictError,
    DataError,
    InternalError,
    NotFoundError,
    UnavailableError,
    ValidationFailedError,
)
from alex_schemas.limits import ROW_TOO_LARGE
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

__all__ = [
    "ResponseTooLarge",
    "RowTooLarge",
    "Translation",
    "error_code",
    "translate_error",
]


class ResponseTooLarge(InternalError):
    """The result exceeded the Data API's 1 MiB response limit (a paged read halves its page)."""


class RowTooLarge(InternalError):
    """A result row exceeded the Data API's 64 KB row limit: a statement broke its row budget."""


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


def error_code(exc: Exception) -> str:
    """The Data API's error code, or the exception's class: what a retry log line names."""
    if isinstance(exc, ClientError):
        return str(exc.response.get("Error", {}).get("Code", "ClientError"))
    return type(exc).__name__
