"""Resume storms: the endpoint answers DatabaseResumingException for a stretch of time, as a
paused Aurora Serverless v2 cluster does while it resumes.

Every write event then either completes exactly once (a storm shorter than the invocation's
time: the gateway retries through it) or answers a retryable `Unavailable` having written
nothing (a storm longer than that), and is applied exactly once when delivered again after.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from alex_data_dev.local_data_api import LocalDataApi
from alex_schemas.events import DataEvent

from tests.examples import Story
from tests.reliability.conftest import WRITE_TYPES, Function, Scale, writes


@contextmanager
def storm(api: LocalDataApi, seconds: float) -> Iterator[None]:
    """Every call Aurora may refuse while resuming is refused for `seconds` from now."""
    api.inject_resuming(10**9)
    ends = threading.Timer(seconds, api.clear_faults)
    ends.start()
    try:
        yield
    finally:
        ends.cancel()
        api.clear_faults()


def assert_delivered_again_changes_nothing(
    function: Function, story: Story, name: str, event: DataEvent
) -> None:
    once = story.state(function.gateway.session())
    assert function.invoke(event)["ok"] is True, name
    assert story.state(function.gateway.session()) == once, name


def _short_storm(scale: Scale) -> float:
    # Well inside the retry budget (invocation time less the handler's answer margin).
    return 2.0 if scale.long else 0.3


def test_a_storm_shorter_than_the_invocation_is_ridden_out_exactly_once(
    function: Function,
    local_data_api: LocalDataApi,
    new_story: Callable[[], Story],
    scale: Scale,
    proves: Callable[[str], None],
) -> None:
    story = new_story()
    seconds, timeout = _short_storm(scale), scale.invocation_seconds + 1.5
    done, retried, slowest = 0, 0, 0.0
    covered = set()
    for name, event in writes(story):
        # Given a resume storm shorter than the invocation's time
        calls = function.gateway.calls
        started = time.perf_counter()
        with storm(local_data_api, seconds):
            # When the event arrives in it
            answer = function.invoke(event, timeout_seconds=timeout)
        took = time.perf_counter() - started
        # Then it completes, after retrying through the storm
        assert answer["ok"] is True, f"{name}: {answer}"
        retried += function.gateway.calls - calls - 1
        slowest = max(slowest, took)
        # And it was applied once: delivering it again changes nothing
        assert_delivered_again_changes_nothing(function, story, name, event)
        done += 1
        covered.add(event.type)
    assert covered == WRITE_TYPES
    assert retried >= done  # every event met the storm
    proves(
        f"{done} write events ({len(covered)} types) each in a {seconds:g} s storm, invocation "
        f"{timeout:g} s: {done}/{done} completed exactly once after {retried} refused calls, "
        f"slowest {slowest:.2f} s"
    )


def test_a_storm_longer_than_the_invocation_answers_unavailable_and_writes_nothing(
    function: Function,
    local_data_api: LocalDataApi,
    new_story: Callable[[], Story],
    scale: Scale,
    proves: Callable[[str], None],
) -> None:
    story = new_story()
    # The handler keeps 1.5 s to answer: this leaves the gateway `invocation - 1.5` s to retry.
    timeout = scale.invocation_seconds if scale.long else 2.0
    unavailable, latest = 0, 0.0
    for name, event in writes(story):
        before = story.state(function.gateway.session())
        # Given a storm that outlasts the invocation
        started = time.perf_counter()
        with storm(local_data_api, timeout + 60):
            answer = function.invoke(event, timeout_seconds=timeout)
        took = time.perf_counter() - started
        # Then the event answers a retryable Unavailable in time, having written nothing
        assert answer["ok"] is False, f"{name}: {answer}"
        assert answer["error"]["code"] == "Unavailable", name
        assert answer["error"]["retryable"] is True, name
        assert took < timeout, f"{name} answered after {took:.2f} s"
        latest = max(latest, took)
        assert story.state(function.gateway.session()) == before, name
        unavailable += 1
        # And delivered again once the cluster is up, it is applied exactly once
        assert function.invoke(event)["ok"] is True, name
        assert_delivered_again_changes_nothing(function, story, name, event)
    proves(
        f"{unavailable} write events in a storm outlasting a {timeout:g} s invocation: "
        f"{unavailable}/{unavailable} answered retryable Unavailable (latest after {latest:.2f} s) "
        "with nothing written, then applied exactly once on redelivery"
    )


def test_an_sqs_batch_in_a_long_storm_fails_every_record_and_writes_nothing(
    function: Function,
    local_data_api: LocalDataApi,
    new_story: Callable[[], Story],
    proves: Callable[[str], None],
) -> None:
    story = new_story()
    events = [event for _, event in writes(story)]
    bodies = [event.model_dump_json() for event in events]
    before = story.state(function.gateway.session())
    # Given a batch of every write, delivered while the cluster resumes for longer than the
    # invocation
    with storm(local_data_api, 60):
        failed = function.batch(bodies, timeout_seconds=2.0)
    # Then every record is reported failed (SQS redelivers it) and nothing was written
    assert len(failed) == len(bodies)
    assert story.state(function.gateway.session()) == before
    # And the redelivered batch, once the cluster is up, applies every record (in order, as a
    # FIFO queue would hand them over)
    assert function.batch(bodies) == []
    assert story.state(function.gateway.session()) != before
    proves(
        f"SQS batch of {len(bodies)} writes in a long storm: {len(failed)}/{len(bodies)} reported "
        "failed with nothing written; redelivered after the storm: every record applied"
    )
