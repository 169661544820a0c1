"""The Data API's modelled errors, as the wire carries them: a code, an HTTP status, a message.

boto3 raises `client.exceptions.<code>` from the `x-amzn-ErrorType` header (or the body's
`code`), so the codes here are exactly the shape names of botocore's rds-data model. A
PostgreSQL error reaches the caller as Aurora passes it on (`database_error`).
"""

from __future__ import annotations

from typing import Any

import psycopg

# code -> HTTP status, from botocore/data/rds-data/2018-08-01/service-2.json
STATUS = {
    "AccessDeniedException": 403,
    "BadRequestException": 400,
    "DatabaseErrorException": 400,
    "DatabaseNotFoundException": 404,
    "DatabaseResumingException": 400,
    "DatabaseUnavailableException": 504,
    "ForbiddenException": 403,
    "HttpEndpointNotEnabledException": 400,
    "InternalServerErrorException": 500,
    "InvalidResourceStateException": 400,
    "InvalidSecretException": 400,
    "NotFoundException": 404,
    "SecretsErrorException": 400,
    "ServiceUnavailableError": 503,
    "StatementTimeoutException": 400,
    "TransactionNotFoundException": 404,
    "UnsupportedResultException": 400,
}


class DataApiError(Exception):
    def __init__(self, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        if code not in STATUS:
            raise ValueError(f"not an rds-data error: {code}")
        self.code = code
        self.message = message
        self.extra = extra

    @property
    def status(self) -> int:
        return STATUS[self.code]

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


def bad_request(message: str) -> DataApiError:
    return DataApiError("BadRequestException", message)


def format_pg_error(error: psycopg.Error) -> str:
    """PostgreSQL's error as Aurora's Data API passes it on: PgJDBC's rendering of the server's
    message (`ERROR: ...` then `  Detail:`/`  Hint:`/`  Position:`/`  Where:` lines), then
    `; SQLState: <code>` (as seen in public clients that parse Aurora's messages)."""
    diag = error.diag
    primary = diag.message_primary
    if primary is None:
        # A refused connection carries libpq's text: keep the server's part of it.
        libpq = str(error).strip()
        fatal = libpq.rfind("FATAL:")
        return " ".join(libpq[fatal:].split()) if fatal >= 0 else libpq
    lines = [f"{diag.severity or 'ERROR'}: {primary}"]
    for label, text in (
        ("Detail", diag.message_detail),
        ("Hint", diag.message_hint),
        ("Position", diag.statement_position),
        ("Where", diag.context),
    ):
        if text:
            lines.append(f"  {label}: {text}")
    message = "\n".join(lines)
    # Aurora appends the SQLSTATE this way, e.g. "...\n  Position: 8; SQLState: 42703".
    return f"{message}; SQLState: {diag.sqlstate}" if diag.sqlstate else message


def database_error(error: psycopg.Error) -> DataApiError:
    """What the caller sees of a PostgreSQL error: DatabaseErrorException with its text."""
    return DataApiError("DatabaseErrorException", format_pg_error(error))
