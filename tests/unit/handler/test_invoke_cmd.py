"""`alex-data invoke` offline: what it prints and its exit status, without any database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest


def invoke(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    # No AURORA_* and no endpoint: anything that reaches the database fails as configuration.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AURORA_", "AWS_"))}
    return subprocess.run(  # noqa: S603 - our own CLI, arguments from the test
        [sys.executable, "-m", "alex_data_dev.cli", "invoke", *(args or ("-",))],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def answer(done: subprocess.CompletedProcess[str]) -> Any:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_an_invalid_event_prints_the_validation_envelope_and_exits_zero() -> None:
    found = answer(invoke('{"type": "GetUser"}'))
    assert found["ok"] is False
    assert found["error"]["code"] == "ValidationError"
    assert "GetUser.clerk_user_id: Field required" in found["error"]["message"]


def test_a_missing_configuration_is_an_internal_envelope_naming_the_variable() -> None:
    found = answer(invoke('{"type": "GetUser", "clerk_user_id": "user_1"}'))
    assert found["error"]["code"] == "Internal"
    assert "AURORA_CLUSTER_ARN" in found["error"]["message"]


def test_a_batch_of_poison_records_prints_the_partial_batch_answer() -> None:
    record = {"messageId": "m1", "body": "{nope", "eventSource": "aws:sqs", "attributes": {}}
    done = invoke(json.dumps({"Records": [record]}))
    # the SQS record lacks most fields SQS sends: the record fails validation as a whole
    assert answer(done) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert "not a valid event" in done.stderr


@pytest.mark.parametrize(("stdin", "args"), [("not json", ()), ("", ("/nonexistent.json",))])
def test_unreadable_input_exits_two_with_nothing_on_stdout(stdin: str, args: tuple[str]) -> None:
    done = invoke(stdin, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "cannot read an event" in done.stderr
