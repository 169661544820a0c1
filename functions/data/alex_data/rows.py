"""Internal row documents: what a conditional write reports besides the row it touched.

A write that may find nothing, find someone else's row, or find the row in the wrong state
answers all of that in the same statement (one round trip), as one JSON document validated
here; the operation then decides between the result, `NotFound` and `Conflict`.
"""

from __future__ import annotations

from decimal import Decimal

from alex_schemas.results import AccountView, InstrumentView, JobSummary, JobView, PositionView
from alex_schemas.vocab import JobStatus
from pydantic import BaseModel, ConfigDict, field_validator

__all__ = [
    "AccountCreation",
    "InstrumentLookup",
    "JobChange",
    "JobCreation",
    "JobRecord",
    "PositionWrite",
]


def _plain_json(value: object) -> object:
    # A number read with a point or an exponent was written as a float (codec._float_text
    # always writes one); an integer stays the int json.loads made of it.
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _plain_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain_json(item) for item in value]
    return value


class JobRecord(JobView):
    """A stored job as `JobView`, read from a document whose numbers are exact decimals.

    The free-form parts, `request_payload` (`JsonValue`, which admits no Decimal) and the
    summary's own keys (kept as given), get their numbers back as the JSON numbers they were:
    an integer as an int, a float (written with a point) as that float, exactly.
    """

    @field_validator("request_payload", "summary_payload", mode="before")
    @classmethod
    def _json_numbers(cls, value: object) -> object:
        return _plain_json(value)


class _Document(BaseModel):
    # forbid: a key misspelt in the SQL fails in tests, not in an agent at 3 a.m.
    model_config = ConfigDict(extra="forbid", frozen=True)


class JobChange(_Document):
    """A status transition or payload write on one of the user's jobs."""

    previous_status: JobStatus
    # the row was updated by this statement
    changed: bool
    # the stored value already equals what was asked (a redelivery, or a repeated transition)
    same: bool
    # payload writes: the write would make the job's payloads larger than a job may hold, and
    # the size they would have had (bytes, as stored)
    too_large: bool = False
    payloads_bytes: int | None = None
    job: JobSummary


class JobCreation(_Document):
    user_found: bool
    # the id is used by a job this statement can see (the user's own, or another user's)
    id_taken: bool
    # the job created, or found again; None when the id is another user's job's
    job: JobSummary | None
    # the job found holds the request_payload sent (None when no job is answered)
    same_request: bool | None = None


class AccountCreation(_Document):
    user_found: bool
    # the id is used by an account this statement can see (the user's own, or another's)
    id_taken: bool
    # the account created, or found again; None when the id is another user's account's
    account: AccountView | None


class PositionWrite(_Document):
    account_found: bool
    instrument_found: bool
    position: PositionView | None


class InstrumentLookup(_Document):
    """One symbol of a GetInstruments: the instrument stored under it, or None."""

    symbol: str
    instrument: InstrumentView | None
