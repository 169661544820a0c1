"""The Data API's modelled errors, as the wire carries them: a code, an HTTP status, a message.

boto3 raises `client.exceptions.<code>` from the `x-amzn-ErrorType` header (or the body's
`code`), so the codes here are exactly the shape names of botocore's rds-data model.
"""

from __future__ import annotations

from typing import Any

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
