"""The built function in the Lambda runtime answers every example as the in-process handler
does, with one Data API call per event, after an init phase the emulator reports."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from typing import Any, cast

import pytest
from alex_data.gateway import Gateway
from alex_data.handler import build_handler
from alex_data_dev.artifact import Artifact
from alex_data_dev.local_data_api import LocalDataApi
from alex_data_dev.runtime import Emulator, comparable
from alex_data_dev.testing import LocalLambdaContext
from aws_lambda_powertools.utilities.typing import LambdaContext

from tests.examples import IDS, Story
from tests.integration.function.conftest import DELETE_INSTRUMENTS, DELETE_USER
from tests.runtime.conftest import SEEN


@pytest.fixture
def stories(migrated: Gateway) -> Iterator[tuple[Story, Story]]:
    """Two tellings of the examples: one in-process, one through the runtime."""
    told = (Story(), Story())
    yield told
    for story in told:
        migrated.session().execute(DELETE_USER, {"clerk_user_id": story.user})
        migrated.session().execute(DELETE_INSTRUMENTS, {"symbols": list(story.symbols.values())})


def normalised(answer: Any, stories: tuple[Story, ...]) -> Any:
    """The answer with every story's values back to the examples' (a listing of instruments
    sees both stories' symbols), timestamps and database-made ids blanked."""
    text = json.dumps(answer, sort_keys=True)
    for story in stories:
        text = story.restore(text)
    return comparable(json.loads(text), IDS)


def test_every_example_answers_as_in_process_with_one_data_api_call_per_event(
    function: Emulator,
    local_data_api: LocalDataApi,
    migrated: Gateway,
    stories: tuple[Story, Story],
) -> None:
    here, there = stories
    in_process = build_handler(database=lambda: migrated)
    replayed = []
    for (name, local_event), (_, event) in zip(here.raw(), there.raw(), strict=True):
        expected = in_process(local_event, cast(LambdaContext, LocalLambdaContext()))
        before = local_data_api.calls
        answer = function.invoke(event)
        calls = local_data_api.calls - before

        assert normalised(answer, stories) == normalised(expected, stories), name
        assert answer.get("ok") is True or answer == {"batchItemFailures": []}, (name, answer)
        assert calls == len(event.get("Records", [event])), (name, calls)
        replayed.append(name)
    assert "sqs_batch" in replayed
    assert len(replayed) == len({*replayed}) >= 23


def test_init_report_is_printed_once_and_recorded(function: Emulator, record_property: Any) -> None:
    function.invoke({"type": "GetUser", "clerk_user_id": "user_rt_nobody"})
    warm = []
    for _ in range(10):
        start = time.perf_counter()
        answer = function.invoke({"type": "GetUser", "clerk_user_id": "user_rt_nobody"})
        warm.append((time.perf_counter() - start) * 1000)
        assert answer["ok"] is False
        assert answer["error"]["code"] == "NotFound"

    duration = function.init_duration_ms()
    assert duration is not None, function.log()
    assert 0 < duration < function.artifact.timeout_s * 1000
    # One container, one init: the warm invokes reused it.
    assert function.log().count("INIT REPORT") == 1
    record_property("init_report_ms", duration)
    SEEN["INIT REPORT"] = f"{duration:.0f} ms"
    SEEN["warm invoke p50"] = f"{statistics.median(warm):.1f} ms"


def test_a_bad_event_is_answered_by_the_runtime_not_crashed(function: Emulator) -> None:
    answer = function.invoke({"type": "CreateAccount", "clerk_user_id": "user_rt_nobody"})

    assert answer["ok"] is False
    assert answer["error"]["code"] == "ValidationError"
    assert "account_name: Field required" in answer["error"]["message"]


def test_an_environment_without_a_cluster_completes_its_init_and_answers_why(
    artifact: Artifact,
) -> None:
    # Given the function with no Data API configured (the init phase builds the client)
    with Emulator(artifact) as unconfigured:
        answer = unconfigured.invoke({"type": "GetUser", "clerk_user_id": "user_rt_nobody"})
        # Then the init completed and said why there is no client, and the event is answered
        assert unconfigured.init_duration_ms() is not None, unconfigured.log()
        assert "the Data API client was not built at init" in unconfigured.log()
        assert answer["ok"] is False
        assert answer["error"]["code"] == "Internal"
        assert "AURORA_CLUSTER_ARN" in answer["error"]["message"]
