"""The job lifecycle: CreateJob, StartJob, Update{Report,Charts,Retirement,Summary},
CompleteJob, FailJob, GetJob, ListJobs.

Status moves only pending -> running -> completed | failed. Repeating a transition that
already happened is a no-op success (an SQS redelivery, a retried invoke); any other move is
`Conflict`, naming the status found. Agents' payloads are accepted while the job is open
(pending or running). On a finished job (completed or failed) a write that would change
nothing (a redelivery of one already applied) succeeds, and one that would change the result
is `Conflict`: a finished job's result is what its owner was shown. A job of another user is
`NotFound`, exactly like a missing one.
"""

from __future__ import annotations

from alex_schemas.errors import (
    ConflictError,
    InternalError,
    NotFoundError,
    UnavailableError,
    ValidationFailedError,
)
from alex_schemas.event_base import JobEvent
from alex_schemas.job_events import (
    CompleteJob,
    CreateJob,
    FailJob,
    GetJob,
    ListJobs,
    StartJob,
    UpdateCharts,
    UpdateReport,
    UpdateRetirement,
    UpdateSummary,
)
from alex_schemas.limits import JOB_PAYLOADS_BYTES
from alex_schemas.results import JobPage, JobSummary, JobView
from alex_schemas.vocab import JobStatus

from alex_data.repositories.jobs import JobRepository, PayloadSlot
from alex_data.sql_runner import SqlRunner


def _not_found(event: JobEvent[JobSummary] | JobEvent[JobView]) -> NotFoundError:
    return NotFoundError(f"no job {event.job_id} for this user")


def create_job(event: CreateJob, db: SqlRunner) -> JobView:
    outcome = JobRepository(db).create(
        event.clerk_user_id, event.job_id, event.job_type, event.request_payload
    )
    if outcome is None:
        raise InternalError("the job insert answered nothing")
    if not outcome.user_found:
        raise NotFoundError(f"no user {event.clerk_user_id}")
    if outcome.job is not None:
        if not outcome.same_request:
            raise ConflictError(f"job id {event.job_id} is already in use for another request")
        # created, or a redelivery that finds the job it created before: the answer carries
        # the request back from the event, not from the database (it may be megabytes)
        return JobView(**outcome.job.model_dump(), request_payload=dict(event.request_payload))
    if outcome.id_taken:
        raise ConflictError(f"job id {event.job_id} is already in use")
    # another user's job committed while this ran (the same uuid twice: not in practice)
    raise UnavailableError(f"job id {event.job_id} is being used concurrently; retry")


def _transition(
    event: JobEvent[JobSummary],
    db: SqlRunner,
    source: JobStatus,
    target: JobStatus,
    error_message: str | None = None,
) -> JobSummary:
    change = JobRepository(db).transition(
        event.clerk_user_id, event.job_id, source, target, error_message
    )
    if change is None:
        raise _not_found(event)
    if not (change.changed or change.same):
        raise ConflictError(
            f"job {event.job_id} is {change.previous_status}: it cannot become {target}"
        )
    return change.job


def start_job(event: StartJob, db: SqlRunner) -> JobSummary:
    return _transition(event, db, JobStatus.PENDING, JobStatus.RUNNING)


def complete_job(event: CompleteJob, db: SqlRunner) -> JobSummary:
    return _transition(event, db, JobStatus.RUNNING, JobStatus.COMPLETED)


def fail_job(event: FailJob, db: SqlRunner) -> JobSummary:
    # Repeated, the first message stays: the failure happened once.
    return _transition(event, db, JobStatus.RUNNING, JobStatus.FAILED, event.error_message)


def _write(
    event: JobEvent[JobSummary], db: SqlRunner, slot: PayloadSlot, payload: object
) -> JobSummary:
    change = JobRepository(db).write_payload(event.clerk_user_id, event.job_id, slot, payload)
    if change is None:
        raise _not_found(event)
    if change.too_large:
        raise ValidationFailedError(
            f"{slot}_payload would make the job's payloads {change.payloads_bytes:,} bytes, over"
            f" the {JOB_PAYLOADS_BYTES:,} bytes (4 MiB) one job may hold; nothing was written"
        )
    if not (change.changed or change.same):
        raise ConflictError(
            f"job {event.job_id} is {change.previous_status}: its {slot} can no longer change"
        )
    return change.job


def update_report(event: UpdateReport, db: SqlRunner) -> JobSummary:
    return _write(event, db, "report", event.report_payload)


def update_charts(event: UpdateCharts, db: SqlRunner) -> JobSummary:
    return _write(event, db, "charts", event.charts_payload)


def update_retirement(event: UpdateRetirement, db: SqlRunner) -> JobSummary:
    return _write(event, db, "retirement", event.retirement_payload)


def update_summary(event: UpdateSummary, db: SqlRunner) -> JobSummary:
    # Only the keys set: a key left out must keep its stored value through the merge.
    return _write(event, db, "summary", event.summary_payload.as_patch())


def get_job(event: GetJob, db: SqlRunner) -> JobView:
    job = JobRepository(db).get(event.clerk_user_id, event.job_id)
    if job is None:
        raise _not_found(event)
    return job


def list_jobs(event: ListJobs, db: SqlRunner) -> JobPage:
    items, next_cursor = JobRepository(db).list_page(
        event.clerk_user_id, event.limit, event.cursor, event.status, event.job_type
    )
    return JobPage(items=items, next_cursor=next_cursor)


__all__ = [
    "complete_job",
    "create_job",
    "fail_job",
    "get_job",
    "list_jobs",
    "start_job",
    "update_charts",
    "update_report",
    "update_retirement",
    "update_summary",
]
