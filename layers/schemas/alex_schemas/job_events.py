"""The analysis jobs' events (alex_schemas.events lists every event)."""

import functools
from typing import Annotated, Literal
from uuid import uuid4

from pydantic import (
    BeforeValidator,
    Field,
    JsonValue,
    StringConstraints,
    TypeAdapter,
    field_serializer,
    field_validator,
)
from pydantic_core import PydanticCustomError

from alex_schemas.event_base import MAX_ERROR_MESSAGE, JobEvent, SizedPayload, UserEvent
from alex_schemas.limits import within_payload_bytes
from alex_schemas.payloads import ChartsPayload, ReportPayload, RetirementPayload, SummaryPayload
from alex_schemas.results import JobPage, JobSummary, JobView
from alex_schemas.vocab import Cursor, JobStatus, JobType, JsonObject, StrictInteger, Text, Uuid


class CreateJob(UserEvent[JobView]):
    """Create a pending job; replaying it with the same `job_id` returns the same job."""

    type: Literal["CreateJob"] = "CreateJob"
    job_id: Uuid = Field(default_factory=uuid4)
    job_type: JobType = JobType.PORTFOLIO_ANALYSIS
    request_payload: Annotated[JsonObject, SizedPayload] = Field(default_factory=dict)


class StartJob(JobEvent[JobSummary]):
    """pending -> running (sets `started_at`); repeating it is a no-op success."""

    type: Literal["StartJob"] = "StartJob"


class UpdateReport(JobEvent[JobSummary]):
    """Store the reporter's payload (replacing any earlier one)."""

    type: Literal["UpdateReport"] = "UpdateReport"
    report_payload: Annotated[ReportPayload, SizedPayload]


class UpdateCharts(JobEvent[JobSummary]):
    """Merge charts into the job's charts by key (SQL `||`): a chart with a new key is
    added, one with an existing key replaced, others kept; so the charter can save each
    chart as it makes it."""

    type: Literal["UpdateCharts"] = "UpdateCharts"
    charts_payload: Annotated[ChartsPayload, Field(min_length=1, max_length=20), SizedPayload]


class UpdateRetirement(JobEvent[JobSummary]):
    """Store the retirement specialist's payload (replacing any earlier one)."""

    type: Literal["UpdateRetirement"] = "UpdateRetirement"
    retirement_payload: Annotated[RetirementPayload, SizedPayload]


@functools.cache
def _json_object() -> TypeAdapter[dict[str, JsonValue]]:
    return TypeAdapter(JsonObject)


def _summary_patch_in(value: object) -> object:
    # Whatever the summary is given as, it is checked as the JSON object jsonb will store
    # (finite numbers, storable text, bounded nesting) before its keys are typed.
    patch = value.as_patch() if isinstance(value, SummaryPayload) else value
    return _json_object().validate_python(patch)


class UpdateSummary(JobEvent[JobSummary]):
    """Merge the keys set in `summary_payload` into the job's summary, shallowly (SQL `||`):
    keys given replace stored ones, others are kept, so concurrent writers lose nothing.
    Keys `SummaryPayload` declares must have its types, so the merged summary always reads
    back as a `SummaryPayload`; other keys are kept as given. On the wire the payload is the
    patch: only the keys that were set."""

    type: Literal["UpdateSummary"] = "UpdateSummary"
    summary_payload: Annotated[
        SummaryPayload,
        BeforeValidator(_summary_patch_in),
        Field(json_schema_extra={"minProperties": 1}),
    ]

    @field_validator("summary_payload")
    @classmethod
    def _a_patch(cls, payload: SummaryPayload) -> SummaryPayload:
        patch = payload.as_patch()
        if not patch:
            raise PydanticCustomError("summary_empty", "the summary patch must set a key")
        within_payload_bytes(patch)
        return payload

    @field_serializer("summary_payload")
    def _as_patch(self, payload: SummaryPayload) -> dict[str, JsonValue]:
        return payload.as_patch()


class CompleteJob(JobEvent[JobSummary]):
    """running -> completed (sets `completed_at`); repeating it is a no-op success."""

    type: Literal["CompleteJob"] = "CompleteJob"


def _cut(message: object) -> object:
    if isinstance(message, str) and len(message) > MAX_ERROR_MESSAGE:
        return message[: MAX_ERROR_MESSAGE - 1] + "…"
    return message


class FailJob(JobEvent[JobSummary]):
    """-> failed with `error_message` (sets `completed_at`); messages longer than 4000
    characters are cut, not refused."""

    type: Literal["FailJob"] = "FailJob"
    error_message: Annotated[Text, StringConstraints(min_length=1)]

    @field_validator("error_message", mode="before")
    @classmethod
    def _cut_long(cls, value: object) -> object:
        return _cut(value)


class GetJob(JobEvent[JobView]):
    type: Literal["GetJob"] = "GetJob"


class ListJobs(UserEvent[JobPage]):
    """The user's jobs, newest first, a page at a time."""

    type: Literal["ListJobs"] = "ListJobs"
    limit: StrictInteger = Field(default=20, ge=1, le=100)
    cursor: Cursor | None = None
    status: JobStatus | None = None
    job_type: JobType | None = None
