"""The real handler (real dispatch, real gateway) against the local Data API: direct invokes,
an SQS batch with a poison record, resume faults, and the CLI commands."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alex_data.gateway import Gateway, RetryPolicy
from alex_data.handler import build_handler
from alex_data_dev.local_data_api import LocalDataApi
from alex_data_dev.testing import LocalLambdaContext, sqs_record
from aws_lambda_powertools.utilities.typing import LambdaContext

Handler = Callable[[Any, LambdaContext], Any]
REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def handler(migrated: Gateway, local_data_api: LocalDataApi) -> Iterator[Handler]:
    """The Lambda's handler over the session's gateway, retrying fast (fault injection)."""
    saved = migrated.retry
    migrated.retry = RetryPolicy(base_seconds=0.01, cap_seconds=0.05)
    yield build_handler(database=lambda: migrated)
    migrated.retry = saved
    local_data_api.clear_faults()


@pytest.fixture
def faults(local_data_api: LocalDataApi) -> Iterator[LocalDataApi]:
    """The endpoint for fault injection; faults are cleared before other fixtures clean up."""
    yield local_data_api
    local_data_api.clear_faults()


@pytest.fixture
def user(migrated: Gateway) -> Iterator[str]:
    clerk_user_id = f"user_h_{uuid.uuid4().hex[:12]}"
    yield clerk_user_id
    migrated.session().execute("DELETE FROM users WHERE clerk_user_id = :u", {"u": clerk_user_id})


def invoke(handler: Handler, event: Any) -> Any:
    return handler(event, LocalLambdaContext())


def sqs(*bodies: tuple[str, object]) -> dict[str, Any]:
    return {"Records": [sqs_record(body, message_id=message_id) for message_id, body in bodies]}


def test_a_direct_invoke_answers_the_envelope(handler: Handler, user: str) -> None:
    created = invoke(handler, {"type": "UpsertUser", "clerk_user_id": user, "display_name": "A"})
    assert created["ok"] is True
    assert created["result"]["clerk_user_id"] == user
    fetched = invoke(handler, {"type": "GetUser", "clerk_user_id": user})
    assert fetched == created


def test_a_missing_thing_is_not_found_in_the_envelope(handler: Handler, user: str) -> None:
    answer = invoke(handler, {"type": "GetUser", "clerk_user_id": user})
    assert answer["ok"] is False
    assert answer["error"]["code"] == "NotFound"
    assert answer["error"]["retryable"] is False


def test_an_sqs_batch_commits_good_records_and_reports_the_poison_one(
    handler: Handler, user: str, migrated: Gateway
) -> None:
    # Given a batch: create a user, a poison body, create an account for another (missing) user,
    # create an account for the new user
    account = str(uuid.uuid4())
    batch = sqs(
        ("m1", {"type": "UpsertUser", "clerk_user_id": user, "display_name": "B"}),
        ("m2", '{"type": "UpsertUser", "clerk_user_id": '),
        (
            "m3",
            {
                "type": "CreateAccount",
                "clerk_user_id": f"{user}_missing",
                "account_id": str(uuid.uuid4()),
                "account_name": "Nobody's",
            },
        ),
        (
            "m4",
            {
                "type": "CreateAccount",
                "clerk_user_id": user,
                "account_id": account,
                "account_name": "Brokerage",
                "account_type": "taxable",
            },
        ),
    )
    # When the handler processes it
    answer = invoke(handler, batch)
    # Then the poison record and the failing one are reported, and the good ones committed
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m2"}, {"itemIdentifier": "m3"}]}
    portfolio = invoke(handler, {"type": "GetPortfolio", "clerk_user_id": user})
    assert portfolio["ok"] is True
    assert [a["id"] for a in portfolio["result"]["accounts"]] == [account]
    # And redelivering the whole batch changes nothing and fails the same records
    assert invoke(handler, batch) == answer
    again = invoke(handler, {"type": "GetPortfolio", "clerk_user_id": user})
    assert again["result"]["accounts"] == portfolio["result"]["accounts"]


def test_a_resuming_database_is_retried_within_the_invocation(
    handler: Handler, user: str, faults: LocalDataApi, migrated: Gateway
) -> None:
    faults.inject_resuming(3)
    before = migrated.calls
    answer = invoke(handler, {"type": "UpsertUser", "clerk_user_id": user})
    assert answer["ok"] is True
    assert migrated.calls - before >= 4


def test_a_database_that_stays_unavailable_is_a_retryable_error(
    handler: Handler, user: str, faults: LocalDataApi
) -> None:
    faults.inject_resuming(10_000)
    context = LocalLambdaContext(timeout_ms=2000)
    answer = handler({"type": "GetUser", "clerk_user_id": user}, context)
    assert answer["ok"] is False
    assert answer["error"]["code"] == "Unavailable"
    assert answer["error"]["retryable"] is True
    # it gave up with time left to answer
    assert context.get_remaining_time_in_millis() > 0


def test_a_retryable_record_is_reported_for_retry(
    handler: Handler, user: str, faults: LocalDataApi
) -> None:
    faults.inject_resuming(10_000)
    answer = handler(
        sqs(("m1", {"type": "GetUser", "clerk_user_id": user})),
        LocalLambdaContext(timeout_ms=2000),
    )
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


# --- the CLI ----------------------------------------------------------------------------------


def cli(
    local_data_api: LocalDataApi,
    *args: str,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> Any:
    """`alex-data ARGS` in a fresh interpreter, aimed at the endpoint unless `env` is given."""
    environment = env if env is not None else {**os.environ, **local_data_api.env()}
    return subprocess.run(  # noqa: S603 - our own CLI, arguments from the test
        [sys.executable, "-m", "alex_data_dev.cli", *args],
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        check=False,
    )


def test_migrate_command_reports_an_up_to_date_database(
    migrated: Gateway, local_data_api: LocalDataApi
) -> None:
    done = cli(local_data_api, "migrate")
    assert done.returncode == 0, done.stderr
    assert "up to date" in done.stdout


def test_migrate_command_fails_cleanly_without_configuration(
    local_data_api: LocalDataApi,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AURORA_")}
    done = cli(local_data_api, "migrate", env=env)
    assert done.returncode == 1
    assert "AURORA_CLUSTER_ARN" in done.stderr


def test_invoke_command_prints_only_the_answer(
    migrated: Gateway, local_data_api: LocalDataApi, user: str, tmp_path: Path
) -> None:
    # Given an event file
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"type": "UpsertUser", "clerk_user_id": user}))
    # When invoked from the file, then from stdin
    from_file = cli(local_data_api, "invoke", str(event))
    from_stdin = cli(
        local_data_api, "invoke", "-", stdin=json.dumps({"type": "GetUser", "clerk_user_id": user})
    )
    # Then stdout is exactly the JSON answer (logs and metrics went to stderr)
    assert from_file.returncode == 0, from_file.stderr
    assert json.loads(from_file.stdout)["result"]["clerk_user_id"] == user
    assert json.loads(from_stdin.stdout)["ok"] is True
    # metrics stay off the terminal unless asked for
    assert '"_aws"' not in from_file.stderr
    verbose = cli(local_data_api, "invoke", "--verbose", str(event))
    assert '"_aws"' in verbose.stderr
    assert json.loads(verbose.stdout)["ok"] is True


def test_invoke_command_exits_one_on_an_error_envelope_and_lists_failed_records(
    local_data_api: LocalDataApi, migrated: Gateway, user: str
) -> None:
    invalid = cli(local_data_api, "invoke", "-", stdin='{"type": "GetUser"}')
    assert invalid.returncode == 1
    assert json.loads(invalid.stdout)["error"]["code"] == "ValidationError"
    batch = cli(
        local_data_api,
        "invoke",
        "-",
        stdin=json.dumps(
            sqs(("m1", "{poison"), ("m2", {"type": "GetUser", "clerk_user_id": "user_nobody_x"}))
        ),
    )
    assert batch.returncode == 1
    failures = json.loads(batch.stdout)["batchItemFailures"]
    assert [(f["itemIdentifier"], f["code"]) for f in failures] == [
        ("m1", "ValidationError"),
        ("m2", "NotFound"),
    ]
    assert "user_nobody_x" in failures[1]["message"]


def test_invoke_command_fails_at_once_when_nothing_answers(local_data_api: LocalDataApi) -> None:
    # Given the exports of a server that is not running (a port nothing listens on)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    env = {**os.environ, **local_data_api.env(), "AWS_ENDPOINT_URL_RDS_DATA": url}
    started = time.monotonic()
    invoked = cli(
        local_data_api, "invoke", "-", stdin='{"type": "GetUser", "clerk_user_id": "u"}', env=env
    )
    migrated = cli(local_data_api, "migrate", env=env)
    # Then both refuse within seconds, naming the URL and the command that starts a server
    assert time.monotonic() - started < 20
    assert invoked.returncode == 3
    assert migrated.returncode == 1
    for done in (invoked, migrated):
        assert done.stdout == ""
        assert f"nothing answers at {url}" in done.stderr
        assert "`alex-data serve`" in done.stderr


def test_an_internal_answer_logs_its_database_cause_with_the_request_id(
    local_data_api: LocalDataApi, migrated: Gateway
) -> None:
    # Given a database the migrations have not reached (a fresh one on the same server)
    with psycopg.connect(local_data_api.dsn, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS alex_unmigrated")
        conn.execute("CREATE DATABASE alex_unmigrated")
    env = {**os.environ, **local_data_api.env(), "AURORA_DATABASE": "alex_unmigrated"}
    try:
        done = cli(
            local_data_api,
            "invoke",
            "-",
            stdin='{"type": "GetUser", "clerk_user_id": "user_secret_value"}',
            env=env,
        )
    finally:
        with psycopg.connect(local_data_api.dsn, autocommit=True) as conn:
            conn.execute("DROP DATABASE alex_unmigrated WITH (FORCE)")
    # Then the answer is Internal, and the log says why at ERROR with the request id
    assert done.returncode == 1
    assert json.loads(done.stdout)["error"]["code"] == "Internal"
    (line,) = [json.loads(x) for x in done.stderr.splitlines() if '"level":"ERROR"' in x]
    assert line["cause"].startswith("SQLSTATE 42P01: relation")
    assert "does not exist" in line["cause"]
    assert line["function_request_id"]
    # never the parameter values
    assert "user_secret_value" not in done.stderr


def test_invoke_command_refuses_unreadable_input(local_data_api: LocalDataApi) -> None:
    done = cli(local_data_api, "invoke", "-", stdin="not json")
    assert done.returncode == 2
    assert done.stdout == ""
