"""Concurrency: agents writing the same rows at the same moment, through the handler.

Every race starts its writers at a barrier, each writer invoking the function on its own
thread (one shared gateway and boto3 client, as concurrent invocations of one container
would not, so this is the harder case for the client's connection pool).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from alex_schemas.events import (
    CompleteJob,
    CreateAccount,
    CreateJob,
    FailJob,
    GetJob,
    GetPortfolio,
    InstrumentIn,
    StartJob,
    UpdateSummary,
    UpsertInstruments,
    UpsertPosition,
    UpsertUser,
)
from alex_schemas.payloads import SummaryPayload
from alex_schemas.vocab import InstrumentType
from pydantic import BaseModel

from tests.examples import Story
from tests.reliability.conftest import Function, Scale


def race(function: Function, events: list[BaseModel]) -> list[dict[str, Any]]:
    """Each event on its own thread, all released at once; the answers in event order."""
    barrier = threading.Barrier(len(events))
    answers: list[dict[str, Any]] = [{} for _ in events]
    errors: list[BaseException] = []

    def send(n: int) -> None:
        try:
            barrier.wait()
            answers[n] = function.invoke_concurrently(events[n])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(events))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return answers


def _user_with_job(function: Function, story: Story, started: bool = True) -> dict[str, Any]:
    assert function.invoke(UpsertUser(clerk_user_id=story.user))["ok"]
    job: dict[str, Any] = {"clerk_user_id": story.user, "job_id": uuid.uuid4()}
    assert function.invoke(CreateJob(**job))["ok"]
    if started:
        assert function.invoke(StartJob(**job))["ok"]
    return job


def test_concurrent_summary_merges_keep_every_key(
    function: Function,
    new_story: Callable[[], Story],
    scale: Scale,
    proves: Callable[[str], None],
) -> None:
    job = _user_with_job(function, new_story())
    writers = scale.writers
    # When every writer merges its own key at once
    events: list[BaseModel] = [
        UpdateSummary(**job, summary_payload=SummaryPayload.model_validate({f"agent_{n}": n}))
        for n in range(writers)
    ]
    answers = race(function, events)
    assert all(a["ok"] for a in answers), [a for a in answers if not a["ok"]][:3]
    # Then every key is kept
    summary = function.invoke(GetJob(**job))["result"]["summary_payload"]
    kept = {key: value for key, value in summary.items() if key.startswith("agent_")}
    assert kept == {f"agent_{n}": n for n in range(writers)}
    proves(f"{writers} concurrent UpdateSummary merges: {len(kept)} of {writers} keys kept")


def test_concurrent_upserts_of_one_position_leave_one_row(
    function: Function,
    new_story: Callable[[], Story],
    scale: Scale,
    proves: Callable[[str], None],
) -> None:
    story = new_story()
    symbol = story.symbols["SPY"]
    assert function.invoke(UpsertUser(clerk_user_id=story.user))["ok"]
    instrument = InstrumentIn(symbol=symbol, name="Race fund", instrument_type=InstrumentType.ETF)
    assert function.invoke(UpsertInstruments(instruments=[instrument]))["ok"]
    account = function.invoke(CreateAccount(clerk_user_id=story.user, account_name="Race"))
    account_id = account["result"]["id"]
    sent = [Decimal(f"{n + 1}.5") for n in range(scale.writers)]
    rows = 0
    for _ in range(scale.rounds):
        # When many agents upsert the same account and symbol at once
        events: list[BaseModel] = [
            UpsertPosition(
                clerk_user_id=story.user, account_id=account_id, symbol=symbol, quantity=q
            )
            for q in sent
        ]
        answers = race(function, events)
        assert all(a["ok"] for a in answers)
        # Then there is one position, holding one of the quantities sent
        portfolio = function.invoke(GetPortfolio(clerk_user_id=story.user))["result"]
        positions = [p for a in portfolio["accounts"] for p in a["positions"]]
        assert len(positions) == 1
        assert Decimal(positions[0]["quantity"]) in sent
        rows = len(positions)
    proves(
        f"{scale.writers} concurrent UpsertPosition on one account and symbol, "
        f"{scale.rounds} rounds: {rows} row, 0 duplicates"
    )


def test_concurrent_starts_and_creates_end_in_one_job(
    function: Function,
    new_story: Callable[[], Story],
    scale: Scale,
    proves: Callable[[str], None],
) -> None:
    story = new_story()
    job = _user_with_job(function, story, started=False)
    # When many StartJob arrive at once
    starts = race(function, [StartJob(**job) for _ in range(scale.writers)])
    # Then all succeed and the job started once
    assert all(a["ok"] for a in starts)
    assert len({a["result"]["started_at"] for a in starts}) == 1
    assert function.invoke(GetJob(**job))["result"]["status"] == "running"
    # And when many deliveries of one CreateJob race (an SQS redelivery beside the first)
    same: dict[str, Any] = {"clerk_user_id": story.user, "job_id": uuid.uuid4()}
    copies = race(function, [CreateJob(**same, request_payload={"n": 1})] * scale.writers)
    # Then all succeed with the one job
    assert all(a["ok"] for a in copies), [a for a in copies if not a["ok"]][:3]
    assert {a["result"]["id"] for a in copies} == {str(same["job_id"])}
    # And when CreateJobs with one id but different requests race
    other: dict[str, Any] = {"clerk_user_id": story.user, "job_id": uuid.uuid4()}
    rivals = race(
        function,
        [CreateJob(**other, request_payload={"writer": n}) for n in range(scale.writers)],
    )
    # Then one wins, the others are Conflict, and the job holds the winner's request
    won = [n for n, a in enumerate(rivals) if a["ok"]]
    assert len(won) == 1
    assert all(a["error"]["code"] == "Conflict" for a in rivals if not a["ok"])
    stored = function.invoke(GetJob(**other))["result"]
    assert stored["request_payload"] == {"writer": won[0]}
    proves(
        f"{scale.writers} concurrent StartJob: 1 start, {len(starts)} successes; "
        f"{scale.writers} racing copies of one CreateJob: 1 job, all succeed; "
        f"{scale.writers} CreateJob racing with one id: 1 winner stored, "
        f"{len(rivals) - 1} Conflict"
    )


def test_complete_against_fail_ends_in_one_consistent_state(
    function: Function,
    new_story: Callable[[], Story],
    scale: Scale,
    proves: Callable[[str], None],
) -> None:
    story = new_story()
    outcomes = {"completed": 0, "failed": 0}
    for _ in range(scale.rounds * 5):
        job = _user_with_job(function, story)
        half = max(1, scale.writers // 10)
        events: list[BaseModel] = [CompleteJob(**job) for _ in range(half)]
        events += [FailJob(**job, error_message="the planner gave up") for _ in range(half)]
        # When completing and failing race
        answers = race(function, events)
        stored = function.invoke(GetJob(**job))["result"]
        status = stored["status"]
        # Then one of them won: its side all succeed, the other side is Conflict
        assert status in outcomes
        won = answers[:half] if status == "completed" else answers[half:]
        lost = answers[half:] if status == "completed" else answers[:half]
        assert all(a["ok"] for a in won)
        assert all(not a["ok"] and a["error"]["code"] == "Conflict" for a in lost)
        # And the stored job is consistent with the winner
        assert stored["completed_at"] is not None
        assert (stored["error_message"] is None) == (status == "completed")
        outcomes[status] += 1
    proves(
        f"{sum(outcomes.values())} races of {half} CompleteJob against {half} FailJob: "
        f"{outcomes['completed']} completed, {outcomes['failed']} failed, every one consistent"
    )
