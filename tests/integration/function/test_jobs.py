"""The job lifecycle against the database: transitions, scoping, payload rules, concurrency."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest
from alex_data.gateway import Gateway
from alex_data_dev.local_data_api import LocalDataApi
from alex_schemas.errors import ConflictError, NotFoundError
from alex_schemas.events import (
    CompleteJob,
    CreateJob,
    Event,
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
from alex_schemas.results import JobView
from alex_schemas.vocab import JobStatus, JobType
from pydantic import JsonValue

from tests.integration.function.conftest import make_gateway, run

CHART: dict[str, Any] = {
    "title": "Asset mix",
    "type": "pie",
    "data": [{"name": "Equity", "value": "1234.56", "percentage": "100", "color": "#3B82F6"}],
}


def _job(db: Gateway, user: str) -> dict[str, Any]:
    job = run(db, CreateJob(clerk_user_id=user, request_payload={"analysis_type": "full"}))
    return {"clerk_user_id": user, "job_id": job.id}


def test_a_job_goes_pending_running_completed_with_its_timestamps(db: Gateway, user: str) -> None:
    ids = _job(db, user)
    assert run(db, GetJob(**ids)).status == JobStatus.PENDING
    started = run(db, StartJob(**ids))
    assert started.status == JobStatus.RUNNING
    assert started.started_at is not None
    assert started.completed_at is None
    done = run(db, CompleteJob(**ids))
    assert done.status == JobStatus.COMPLETED
    assert done.completed_at is not None
    assert done.started_at == started.started_at


def test_fail_job_records_the_error_and_keeps_the_first(db: Gateway, user: str) -> None:
    ids = _job(db, user)
    run(db, StartJob(**ids))
    failed = run(db, FailJob(**ids, error_message="charter timed out"))
    assert failed.status == JobStatus.FAILED
    # a redelivered FailJob with another message succeeds and changes nothing
    again = run(db, FailJob(**ids, error_message="second attempt"))
    assert again.error_message == "charter timed out"
    assert again.updated_at == failed.updated_at


def test_repeating_a_transition_is_a_no_op(db: Gateway, user: str) -> None:
    ids = _job(db, user)
    first = run(db, StartJob(**ids))
    second = run(db, StartJob(**ids))
    assert second == first  # same row, not touched again (updated_at included)


@pytest.mark.parametrize(
    ("path", "illegal", "status"),
    [
        ([], CompleteJob, JobStatus.PENDING),
        ([], FailJob, JobStatus.PENDING),
        ([StartJob, CompleteJob], StartJob, JobStatus.COMPLETED),
        ([StartJob, CompleteJob], FailJob, JobStatus.COMPLETED),
        ([StartJob, FailJob], CompleteJob, JobStatus.FAILED),
        ([StartJob, FailJob], StartJob, JobStatus.FAILED),
    ],
)
def test_an_illegal_transition_is_a_conflict_and_changes_nothing(
    db: Gateway, user: str, path: list[type[Any]], illegal: type[Any], status: JobStatus
) -> None:
    ids = _job(db, user)
    for step in path:
        run(db, step(**ids, **({"error_message": "x"} if step is FailJob else {})))
    before = run(db, GetJob(**ids))
    extra = {"error_message": "late"} if illegal is FailJob else {}
    with pytest.raises(ConflictError, match=f"is {status}"):
        run(db, illegal(**ids, **extra))
    assert run(db, GetJob(**ids)) == before


def test_another_users_job_is_not_found_for_every_job_event(
    db: Gateway, new_user: Callable[[], str]
) -> None:
    owner, intruder = new_user(), new_user()
    ids = _job(db, owner)
    theirs: dict[str, Any] = {"clerk_user_id": intruder, "job_id": ids["job_id"]}
    events: list[Event[Any]] = [
        GetJob(**theirs),
        StartJob(**theirs),
        UpdateReport(**theirs, report_payload=ReportPayload(content="# mine now")),
        UpdateCharts.model_validate(theirs | {"charts_payload": {"mix": CHART}}),
        UpdateRetirement(**theirs, retirement_payload=RetirementPayload(analysis="x")),
        UpdateSummary(**theirs, summary_payload=SummaryPayload(summary="x")),
        CompleteJob(**theirs),
        FailJob(**theirs, error_message="x"),
    ]
    for event in events:
        with pytest.raises(NotFoundError):
            run(db, event)
    # and the owner's job is untouched; the intruder's list is empty
    job = run(db, GetJob(**ids))
    assert job.status == JobStatus.PENDING
    assert job.report_payload is None
    assert run(db, ListJobs(clerk_user_id=intruder)).items == []


def test_create_job_is_idempotent_and_an_id_is_not_shared(
    db: Gateway, new_user: Callable[[], str]
) -> None:
    owner, other = new_user(), new_user()
    event = CreateJob(clerk_user_id=owner, job_type=JobType.RETIREMENT_PROJECTION)
    first = run(db, event)
    assert run(db, event) == first
    with pytest.raises(ConflictError):
        run(db, CreateJob(clerk_user_id=other, job_id=event.job_id))
    with pytest.raises(NotFoundError, match="no user"):
        run(db, CreateJob(clerk_user_id=f"nobody_{uuid4().hex}"))


def test_payloads_are_stored_typed_and_charts_merge_by_key(db: Gateway, user: str) -> None:
    ids = _job(db, user)
    run(db, StartJob(**ids))
    run(db, UpdateReport(**ids, report_payload=ReportPayload(content="# Report")))
    run(db, UpdateCharts.model_validate(ids | {"charts_payload": {"mix": CHART}}))
    run(db, UpdateCharts.model_validate(ids | {"charts_payload": {"regions": CHART}}))
    run(db, UpdateRetirement(**ids, retirement_payload=RetirementPayload(analysis="On track")))
    run(db, UpdateSummary.model_validate(ids | {"summary_payload": {"equity_share": 0.82}}))
    job = run(db, GetJob(**ids))
    # the summary's own keys come back as the JSON numbers written
    assert job.model_dump(mode="json")["summary_payload"]["equity_share"] == 0.82
    assert job.report_payload is not None
    assert job.report_payload.content == "# Report"
    assert job.charts_payload is not None
    assert set(job.charts_payload) == {"mix", "regions"}
    assert str(job.charts_payload["mix"].data[0].value) == "1234.56"
    assert job.retirement_payload is not None
    assert job.retirement_payload.analysis == "On track"


def test_a_finished_job_accepts_a_redelivered_write_and_refuses_a_new_one(
    db: Gateway, user: str
) -> None:
    ids = _job(db, user)
    report = UpdateReport(**ids, report_payload=ReportPayload(content="# Final"))
    summary = UpdateSummary.model_validate(
        ids | {"summary_payload": {"summary": "done", "score": 7}}
    )
    run(db, StartJob(**ids))
    run(db, report)
    run(db, summary)
    run(db, CompleteJob(**ids))
    done = run(db, GetJob(**ids))
    # the same writes again (SQS redelivery) succeed and change nothing
    run(db, report)
    run(db, summary)
    run(db, UpdateSummary.model_validate(ids | {"summary_payload": {"score": 7}}))
    assert run(db, GetJob(**ids)) == done
    # a different write would change a shown result: Conflict
    with pytest.raises(ConflictError, match="is completed"):
        run(db, UpdateReport(**ids, report_payload=ReportPayload(content="# Rewritten")))
    with pytest.raises(ConflictError):
        run(db, UpdateSummary.model_validate(ids | {"summary_payload": {"score": 8}}))
    assert run(db, GetJob(**ids)) == done


def test_concurrent_summary_merges_lose_nothing(
    db: Gateway, local_data_api: LocalDataApi, user: str
) -> None:
    # Given a running job and eight writers, each with its own gateway and its own keys
    ids = _job(db, user)
    run(db, StartJob(**ids))
    writers = 8
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        gateway = make_gateway(local_data_api)
        try:
            barrier.wait()
            for round_ in range(3):
                patch: dict[str, JsonValue] = {f"agent_{n}": round_, "last_writer": n}
                run(
                    gateway,
                    UpdateSummary(**ids, summary_payload=SummaryPayload.model_validate(patch)),
                )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    # When they merge at the same time
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Then every writer's key holds its last value
    summary = run(db, GetJob(**ids)).summary_payload
    assert summary is not None
    extra = summary.model_extra or {}
    assert {key: extra[key] for key in extra if key.startswith("agent_")} == {
        f"agent_{n}": 2 for n in range(writers)
    }
    assert extra["last_writer"] in range(writers)


def test_concurrent_starts_all_succeed_and_start_once(
    db: Gateway, local_data_api: LocalDataApi, user: str
) -> None:
    ids = _job(db, user)
    results: list[Any] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        gateway = make_gateway(local_data_api)
        barrier.wait()
        results.append(run(gateway, StartJob(**ids)))

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert len({r.started_at for r in results}) == 1


def test_list_jobs_pages_newest_first_and_filters(db: Gateway, user: str) -> None:
    made = [run(db, CreateJob(clerk_user_id=user)).id for _ in range(5)]
    retirement = run(db, CreateJob(clerk_user_id=user, job_type=JobType.RETIREMENT_PROJECTION)).id
    seen: list[UUID] = []
    cursor = None
    while True:
        page = run(db, ListJobs(clerk_user_id=user, limit=2, cursor=cursor))
        seen.extend(job.id for job in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [retirement, *reversed(made)]
    only = run(db, ListJobs(clerk_user_id=user, job_type=JobType.RETIREMENT_PROJECTION))
    assert [job.id for job in only.items] == [retirement]
    assert run(db, ListJobs(clerk_user_id=user, status=JobStatus.RUNNING)).items == []


def test_the_same_create_job_delivered_at_once_answers_one_job(
    db: Gateway, local_data_api: LocalDataApi, user: str
) -> None:
    event = CreateJob(clerk_user_id=user)
    answers: list[JobView] = []
    barrier = threading.Barrier(4)

    def deliver() -> None:
        gateway = make_gateway(local_data_api)
        barrier.wait()
        answers.append(run(gateway, event))

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 4
    assert {job.id for job in answers} == {event.job_id}
    assert len({job.created_at for job in answers}) == 1
