"""Job operations: the outcome a statement reports becomes a result, NotFound or Conflict."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from alex_data.dispatch import dispatch
from alex_data.operations import jobs as ops
from alex_data.repositories import jobs
from alex_data.repositories.paging import encode_cursor
from alex_schemas.errors import (
    ConflictError,
    NotFoundError,
    UnavailableError,
    ValidationFailedError,
)
from alex_schemas.events import (
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
from alex_schemas.payloads import ReportPayload, RetirementPayload, SummaryPayload
from alex_schemas.results import JobSummary, JobView
from alex_schemas.vocab import JobStatus

from tests.unit.operations import documents as doc
from tests.unit.operations.fakes import FakeDb

IDS: dict[str, Any] = {"clerk_user_id": doc.USER, "job_id": UUID(doc.JOB_ID)}


def _transition_answers(previous: str, *, changed: bool, same: bool, now: str) -> FakeDb:
    return FakeDb().answer(
        jobs.TRANSITION_JOB,
        doc.job_change(previous, changed=changed, same=same, job_doc=doc.job(now)),
    )


def test_start_job_moves_pending_to_running_and_answers_the_summary() -> None:
    db = _transition_answers("pending", changed=True, same=False, now="running")
    result = ops.start_job(StartJob(**IDS), db)
    # Then the statement was asked for pending -> running, scoped by the user
    assert db.params["from_status"] == JobStatus.PENDING
    assert db.params["to_status"] == JobStatus.RUNNING
    assert db.params["clerk_user_id"] == doc.USER
    # and the answer is a summary, without payloads
    assert type(result) is JobSummary
    assert result.status == JobStatus.RUNNING


def test_a_repeated_transition_is_a_no_op_success() -> None:
    # Given a job already running (the statement found it so and changed nothing)
    db = _transition_answers("running", changed=False, same=True, now="running")
    result = ops.start_job(StartJob(**IDS), db)
    assert result.status == JobStatus.RUNNING


@pytest.mark.parametrize(
    ("event", "found"),
    [
        (StartJob(**IDS), "completed"),
        (CompleteJob(**IDS), "pending"),
        (CompleteJob(**IDS), "failed"),
        (FailJob(**IDS, error_message="late"), "completed"),
        (FailJob(**IDS, error_message="early"), "pending"),
    ],
)
def test_an_illegal_transition_is_a_conflict_naming_the_status(
    event: StartJob | CompleteJob | FailJob, found: str
) -> None:
    db = _transition_answers(found, changed=False, same=False, now=found)
    with pytest.raises(ConflictError, match=f"is {found}"):
        dispatch(event, db)
    assert len(db.calls) == 1


def test_a_job_the_user_does_not_have_is_not_found() -> None:
    # the statement returns no row for a missing job and for another user's job alike
    db = FakeDb().answer(jobs.TRANSITION_JOB, None)
    with pytest.raises(NotFoundError):
        ops.complete_job(CompleteJob(**IDS), db)


def test_fail_job_records_its_message() -> None:
    db = _transition_answers("running", changed=True, same=False, now="failed")
    ops.fail_job(FailJob(**IDS, error_message="reporter timed out"), db)
    assert db.params["to_status"] == JobStatus.FAILED
    assert db.params["error_message"] == "reporter timed out"


@pytest.mark.parametrize(
    ("event", "slot"),
    [
        (UpdateReport(**IDS, report_payload=ReportPayload(content="# Report")), "report"),
        (
            UpdateCharts.model_validate(
                IDS
                | {
                    "charts_payload": {
                        "mix": {
                            "title": "Mix",
                            "type": "pie",
                            "data": [
                                {"name": "Eq", "value": "10", "percentage": 100, "color": "#000"}
                            ],
                        }
                    }
                }
            ),
            "charts",
        ),
        (
            UpdateRetirement(**IDS, retirement_payload=RetirementPayload(analysis="On track")),
            "retirement",
        ),
        (UpdateSummary(**IDS, summary_payload=SummaryPayload(summary="ok")), "summary"),
    ],
)
def test_payload_writes_name_their_column_and_send_the_payload(
    event: UpdateReport | UpdateCharts | UpdateRetirement | UpdateSummary, slot: str
) -> None:
    running = doc.job("running")
    db = FakeDb().answer(
        jobs.WRITE_JOB_PAYLOAD,
        doc.job_change("running", changed=True, same=False, job_doc=running),
    )
    result = dispatch(event, db)
    assert db.params["slot"] == slot
    # the summary is a merge patch: only the keys set are sent
    payload = getattr(event, f"{slot}_payload")
    sent = payload.as_patch() if isinstance(payload, SummaryPayload) else payload
    assert db.params["payload"] == sent
    assert type(result) is JobSummary


def test_a_payload_write_that_changes_nothing_on_a_finished_job_succeeds() -> None:
    # Given a completed job that already holds this report (an SQS redelivery)
    done = doc.job("completed", report_payload={"content": "# Report", "agent": "reporter"})
    db = FakeDb().answer(
        jobs.WRITE_JOB_PAYLOAD, doc.job_change("completed", changed=False, same=True, job_doc=done)
    )
    event = UpdateReport(**IDS, report_payload=ReportPayload(content="# Report"))
    result = ops.update_report(event, db)
    assert result.status == JobStatus.COMPLETED


def test_a_payload_write_that_would_change_a_finished_job_is_a_conflict() -> None:
    done = doc.job("failed")
    db = FakeDb().answer(
        jobs.WRITE_JOB_PAYLOAD, doc.job_change("failed", changed=False, same=False, job_doc=done)
    )
    with pytest.raises(ConflictError, match="is failed"):
        ops.update_summary(UpdateSummary(**IDS, summary_payload=SummaryPayload(summary="late")), db)


def test_create_job_answers_the_job_created_or_found_again() -> None:
    db = FakeDb().answer(
        jobs.CREATE_JOB,
        {"user_found": True, "id_taken": True, "job": doc.job("running"), "same_request": True},
    )
    event = CreateJob(
        clerk_user_id=doc.USER, job_id=UUID(doc.JOB_ID), request_payload={"analysis": "full"}
    )
    result = ops.create_job(event, db)
    # a redelivery answers the job as it now is, not a fresh copy, with the request it holds
    assert isinstance(result, JobView)
    assert result.status == JobStatus.RUNNING
    assert result.request_payload == {"analysis": "full"}
    assert db.params["job_id"] == UUID(doc.JOB_ID)


def test_create_job_with_an_id_the_user_used_for_another_request_is_a_conflict() -> None:
    answer = {"user_found": True, "id_taken": True, "job": doc.job(), "same_request": False}
    db = FakeDb().answer(jobs.CREATE_JOB, answer)
    with pytest.raises(ConflictError, match="another request"):
        ops.create_job(CreateJob(clerk_user_id=doc.USER), db)


def test_a_payload_write_over_what_a_job_may_hold_is_refused_naming_the_size() -> None:
    change = doc.job_change("running", changed=False, same=False, job_doc=doc.job("running"))
    db = FakeDb().answer(
        jobs.WRITE_JOB_PAYLOAD, change | {"too_large": True, "payloads_bytes": 5_000_000}
    )
    event = UpdateReport(
        clerk_user_id=doc.USER, job_id=UUID(doc.JOB_ID), report_payload=ReportPayload(content="x")
    )
    with pytest.raises(ValidationFailedError, match=r"5,000,000 bytes, over the 4,194,304 bytes"):
        ops.update_report(event, db)


def test_create_job_for_an_unknown_user_is_not_found() -> None:
    db = FakeDb().answer(jobs.CREATE_JOB, {"user_found": False, "id_taken": False, "job": None})
    with pytest.raises(NotFoundError, match="no user"):
        ops.create_job(CreateJob(clerk_user_id=doc.USER), db)


def test_create_job_with_an_id_another_user_holds_is_a_conflict() -> None:
    answer = {"user_found": True, "id_taken": True, "job": None}
    db = FakeDb().answer(jobs.CREATE_JOB, answer)
    with pytest.raises(ConflictError, match="already in use"):
        ops.create_job(CreateJob(clerk_user_id=doc.USER), db)


def test_a_job_id_another_user_took_meanwhile_is_retryable() -> None:
    answer = {"user_found": True, "id_taken": False, "job": None}
    db = FakeDb().answer(jobs.CREATE_JOB, answer)
    with pytest.raises(UnavailableError):
        ops.create_job(CreateJob(clerk_user_id=doc.USER), db)


def test_get_job_keeps_free_form_numbers_as_json_numbers() -> None:
    # The gateway reads JSON numbers as exact decimals; a free-form payload gets JSON back.
    # (as loads_exact reads them: an integer as an int, a number with a point as a Decimal)
    summary = {
        "summary": "ok",
        "equity_share": Decimal("0.82"),
        "accounts": 2,
        "r": Decimal("60.0"),
    }
    db = FakeDb().answer(jobs.GET_JOB, doc.job("completed", summary_payload=summary))
    result = ops.get_job(GetJob(**IDS), db)
    assert result.request_payload == {"analysis_type": "full", "weight": 0.5}
    assert result.summary_payload is not None
    answered = result.model_dump(mode="json")["summary_payload"]
    assert answered["equity_share"] == 0.82
    assert answered["accounts"] == 2
    assert isinstance(answered["accounts"], int)
    assert answered["r"] == 60.0
    assert isinstance(answered["r"], float)


def test_get_job_of_another_user_is_not_found() -> None:
    db = FakeDb().answer(jobs.GET_JOB, None)
    with pytest.raises(NotFoundError):
        ops.get_job(GetJob(**IDS), db)


def test_list_jobs_pages_with_a_cursor_after_the_last_job() -> None:
    # Given one row more than the page holds
    newer = doc.job("completed", created_at=doc.T1)
    older = doc.job("completed", id="1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d")
    db = FakeDb().answer(jobs.LIST_JOBS, [newer, older])
    page = ops.list_jobs(ListJobs(clerk_user_id=doc.USER, limit=1), db)
    # Then one job is answered, with a cursor naming it
    assert [job.id for job in page.items] == [UUID(doc.JOB_ID)]
    assert page.next_cursor is not None
    assert db.params["limit"] == 1
    assert db.params["after_created_at"] is None
    # When the cursor comes back, Then the next page starts after that job
    follow = FakeDb().answer(jobs.LIST_JOBS, [older])
    last = ops.list_jobs(ListJobs(clerk_user_id=doc.USER, limit=1, cursor=page.next_cursor), follow)
    assert follow.params["after_id"] == UUID(doc.JOB_ID)
    assert follow.params["after_created_at"] == page.items[0].created_at
    assert last.next_cursor is None


def _forged(*parts: str) -> str:
    """A cursor as a caller might hand-make one: the right shape, no valid checksum."""
    import base64
    import json

    text = json.dumps(list(parts)).encode()
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


_JOB = "9b8c7d6e-5f4a-4b3c-8d2e-1f0a9b8c7d61"
_AT = "2026-11-25T09:00:00+00:00"


@pytest.mark.parametrize(
    "cursor",
    [
        "not-base64!",
        encode_cursor("jobs", "only-one-part"),
        encode_cursor("jobs", "x", "y"),
        encode_cursor("instruments", "SPY"),  # another listing's
        encode_cursor("jobs", "2026-11-25T09:00:00", _JOB),  # naive
        encode_cursor("jobs", "0001-01-01T00:00:00+05:00", _JOB),  # year 0 in UTC
        encode_cursor("jobs", "9999-12-31T23:59:59-05:00", _JOB),  # year 10000 in UTC
        encode_cursor("jobs", _AT, _JOB.replace("-", "")),
        encode_cursor("jobs", _AT + "\x00", _JOB),
        _forged("jobs", _AT, _JOB),  # no checksum
        encode_cursor("jobs", _AT, _JOB)[:-1] + "A",  # checksum altered
        _forged("jobs", _AT.replace("09:", "08:"), _JOB)
        + encode_cursor("jobs", _AT, _JOB)[-12:],  # position altered, checksum kept
        "e30." + "A" * 11,
        "W10",
    ],
)
def test_a_cursor_this_function_did_not_write_is_invalid_input(cursor: str) -> None:
    db = FakeDb()
    with pytest.raises(ValidationFailedError, match=r"^invalid cursor$"):
        ops.list_jobs(ListJobs(clerk_user_id=doc.USER, cursor=cursor), db)
    assert db.calls == []


def test_a_cursor_the_function_wrote_is_accepted() -> None:
    db = FakeDb().answer(jobs.LIST_JOBS, [])
    ops.list_jobs(ListJobs(clerk_user_id=doc.USER, cursor=encode_cursor("jobs", _AT, _JOB)), db)
    assert db.params["after_id"] == UUID(_JOB)
