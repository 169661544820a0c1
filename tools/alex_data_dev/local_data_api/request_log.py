"""One served Data API request, as a request log (`alex-data serve --log-requests`) sees it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Served:
    operation: str  # as the API model names it
    status: int  # HTTP
    error: str | None  # the error code, None when it succeeded
    request: Mapping[str, Any]  # the decoded JSON body ({} when it was not JSON)
    response_bytes: int
    rows: int | None  # returned, or updated when none are returned; None for an error
    ms: float

    @property
    def sql(self) -> str:
        """The statement on one line: static text, since values travel as parameters and
        are never logged."""
        sql = self.request.get("sql")
        return " ".join(sql.split()) if isinstance(sql, str) else ""


RequestLog = Callable[[Served], None]
