"""`alex-data invoke` offline: what it prints and its exit status, without any database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
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


def answer(done: subprocess.CompletedProcess[str], status: int = 0) -> Any:
    assert done.returncode == status, done.stderr
    return json.loads(done.stdout)


def test_an_invalid_event_prints_the_validation_envelope_and_exits_one() -> None:
    found = answer(invoke('{"type": "GetUser"}'), status=1)
    assert found["ok"] is False
    assert found["error"]["code"] == "ValidationError"
    assert "GetUser.clerk_user_id: Field required" in found["error"]["message"]


def test_a_missing_configuration_names_the_variables_and_the_next_step() -> None:
    done = invoke('{"type": "GetUser", "clerk_user_id": "user_1"}')
    found = answer(done, status=1)
    assert found["error"]["code"] == "Internal"
    assert "AURORA_CLUSTER_ARN" in found["error"]["message"]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("alex-data invoke: AURORA_CLUSTER_ARN and AURORA_SECRET_ARN are not set")
    assert "`alex-data serve`" in last


def test_a_batch_of_poison_records_prints_each_failure_with_its_reason() -> None:
    record = {"messageId": "m1", "body": "{nope", "eventSource": "aws:sqs", "attributes": {}}
    done = invoke(json.dumps({"Records": [record]}))
    # the SQS record lacks most fields SQS sends: the record fails validation as a whole
    (failure,) = answer(done, status=1)["batchItemFailures"]
    assert failure["itemIdentifier"] == "m1"
    assert failure["code"] == "ValidationError"
    assert failure["message"]
    assert "not a valid event" in done.stderr


def test_json_lines_on_stdin_are_answered_one_line_each_in_order() -> None:
    events = ['{"type": "GetUser"}', "", '{"type": "Nope"}', '{"type": "ListJobs"}']
    done = invoke("\n".join(events) + "\n")
    assert done.returncode == 1, done.stderr
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert [a["error"]["code"] for a in answers] == ["ValidationError"] * 3
    assert "GetUser.clerk_user_id" in answers[0]["error"]["message"]
    assert "ListJobs" in answers[2]["error"]["message"]


def test_several_files_are_answered_one_line_each(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text('{\n  "type": "GetUser"\n}\n')
    second.write_text('{"type": "GetJob", "clerk_user_id": "u"}')
    done = invoke("", str(first), str(second))
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(answers) == 2
    assert "GetUser." in answers[0]["error"]["message"]
    assert "GetJob." in answers[1]["error"]["message"]


def test_quiet_keeps_the_function_logs_off_stderr_and_default_keeps_metrics_off() -> None:
    event = '{"type": "GetUser", "clerk_user_id": "user_1"}'
    default, quiet, verbose = invoke(event), invoke(event, "--quiet", "-"), invoke(event, "-v", "-")
    # the function logs the failure at ERROR: shown by default, not with --quiet
    assert '"level":"ERROR"' in default.stderr
    assert '"_aws"' not in default.stderr
    assert '"level"' not in quiet.stderr
    assert '"_aws"' in verbose.stderr
    assert json.loads(quiet.stdout) == json.loads(default.stdout.replace("\n", ""))


@pytest.mark.parametrize(("stdin", "args"), [("not json", ()), ("", ("/nonexistent.json",))])
def test_unreadable_input_exits_two_with_nothing_on_stdout(stdin: str, args: tuple[str]) -> None:
    done = invoke(stdin, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "cannot read an event" in done.stderr


def test_a_bad_json_line_is_named_by_its_number() -> None:
    done = invoke('{"type": "GetUser"}\n{oops\n')
    assert done.returncode == 2
    assert done.stdout == ""
    assert "line 2" in done.stderr
