"""The deploy-time migration resource answers CloudFormation exactly once, whatever happens."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

import pytest
from alex_data import cfn_migrate
from alex_data.cfn_migrate import ANSWER_MARGIN_SECONDS, handle

RESPONSE_URL = "https://cloudformation-custom-resource-response.example/answer?sig=1"


@dataclass
class Context:
    remaining_ms: int = 300_000
    log_stream_name: str = "2026/01/01/[$LATEST]abc"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@dataclass
class Outbox:
    """Stands in for the PUT to the pre-signed URL."""

    answers: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)

    def send(self, url: str, body: bytes) -> None:
        self.answers.append((url, json.loads(body)))
        self.arrived.set()


@dataclass
class Migrator:
    applied: list[str] = field(default_factory=lambda: ["001_schema.sql"])
    budgets: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> list[str]:
        self.budgets.append(seconds)
        return self.applied


def request(kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "RequestType": kind,
        "ResponseURL": RESPONSE_URL,
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/alex-data/1",
        "RequestId": "req-1",
        "LogicalResourceId": "Migrations",
        "ResourceType": "Custom::AlexDataMigrations",
        "ResourceProperties": {"ServiceToken": "arn:fn", "Database": "alex", "CodeVersion": "3"},
        **extra,
    }


def test_create_applies_pending_migrations_and_reports_them() -> None:
    # Given a Create request and a runner with one pending file
    outbox, migrator = Outbox(), Migrator()

    # When the resource handles it
    handle(request("Create"), Context(), migrate=migrator, send=outbox.send)

    # Then the migrations ran within the time left, and CloudFormation heard SUCCESS once
    assert migrator.budgets == [pytest.approx(300 - ANSWER_MARGIN_SECONDS)]
    [(url, answer)] = outbox.answers
    assert url == RESPONSE_URL
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"] == {"Applied": "001_schema.sql"}
    assert answer["PhysicalResourceId"] == "alex-data-migrations-alex"
    assert answer["RequestId"] == "req-1"
    assert answer["LogicalResourceId"] == "Migrations"


def test_update_with_nothing_pending_succeeds_and_keeps_the_physical_id() -> None:
    # Given an Update after a code change that added no migration
    outbox = Outbox()
    event = request("Update", PhysicalResourceId="alex-data-migrations-alex")

    handle(event, Context(), migrate=Migrator(applied=[]), send=outbox.send)

    # Then it is a no-op success under the same id (a new id would delete the "old" resource)
    [(_, answer)] = outbox.answers
    assert answer["Status"] == "SUCCESS"
    assert answer["Data"] == {"Applied": "none"}
    assert answer["PhysicalResourceId"] == "alex-data-migrations-alex"


FN = "arn:aws:lambda:us-east-1:123456789012:function:alex-data-MigrateFunction-abc"


def test_a_rollback_to_older_code_does_not_migrate() -> None:
    # Given a deploy that failed after version 8 was migrated, rolling back to version 7
    outbox, migrator = Outbox(), Migrator()
    event = request(
        "Update",
        PhysicalResourceId="alex-data-migrations-alex",
        OldResourceProperties={"Database": "alex", "CodeVersion": f"{FN}:8"},
    )
    event["ResourceProperties"]["CodeVersion"] = f"{FN}:7"

    # When the rollback Update arrives (at the new code, whose migration may be the failure)
    handle(event, Context(), migrate=migrator, send=outbox.send)

    # Then nothing runs, and the rollback succeeds instead of failing on the same migration
    assert migrator.budgets == []
    [(_, answer)] = outbox.answers
    assert answer["Status"] == "SUCCESS"


def test_a_forward_update_migrates() -> None:
    outbox, migrator = Outbox(), Migrator()
    event = request(
        "Update",
        PhysicalResourceId="alex-data-migrations-alex",
        OldResourceProperties={"Database": "alex", "CodeVersion": f"{FN}:9"},
    )
    event["ResourceProperties"]["CodeVersion"] = f"{FN}:10"

    handle(event, Context(), migrate=migrator, send=outbox.send)

    assert len(migrator.budgets) == 1
    assert outbox.answers[0][1]["Status"] == "SUCCESS"


def test_delete_leaves_the_database_alone() -> None:
    outbox, migrator = Outbox(), Migrator()

    handle(
        request("Delete", PhysicalResourceId="alex-data-migrations-alex"),
        Context(),
        migrate=migrator,
        send=outbox.send,
    )

    assert migrator.budgets == []
    [(_, answer)] = outbox.answers
    assert answer["Status"] == "SUCCESS"


def test_a_failing_migration_fails_the_deploy_with_its_message() -> None:
    # Given a runner that fails (e.g. an applied file was edited)
    def broken(seconds: float) -> list[str]:
        raise RuntimeError("migration 001_schema.sql changed after it was applied")

    outbox = Outbox()

    handle(request("Update", PhysicalResourceId="p"), Context(), migrate=broken, send=outbox.send)

    # Then CloudFormation hears FAILED, with the reason and where to read the logs
    [(_, answer)] = outbox.answers
    assert answer["Status"] == "FAILED"
    assert "changed after it was applied" in answer["Reason"]
    assert "[$LATEST]abc" in answer["Reason"]
    assert answer["PhysicalResourceId"] == "p"


def test_a_very_long_reason_is_cut_to_fit_cloudformations_limit() -> None:
    def verbose(seconds: float) -> list[str]:
        raise RuntimeError("x" * 10_000)

    outbox = Outbox()

    handle(request("Create"), Context(), migrate=verbose, send=outbox.send)

    [(_, answer)] = outbox.answers
    assert len(json.dumps(answer)) < 4096


def test_migrations_that_overrun_are_reported_before_the_function_times_out() -> None:
    # Given a function with barely more than the answer margin left, and a runner that only
    # returns once CloudFormation has already been answered
    outbox = Outbox()

    def slow(seconds: float) -> list[str]:
        assert outbox.arrived.wait(timeout=10), "the timer never answered"
        return ["001_schema.sql"]

    context = Context(remaining_ms=int((ANSWER_MARGIN_SECONDS + 0.05) * 1000))

    handle(request("Create"), context, migrate=slow, send=outbox.send)

    # Then the timer answered FAILED, and the late success was not sent a second time
    [(_, answer)] = outbox.answers
    assert answer["Status"] == "FAILED"
    assert "timeout" in answer["Reason"]


def test_answers_go_only_to_https_urls() -> None:
    with pytest.raises(ValueError, match="https"):
        cfn_migrate._put("http://169.254.169.254/", b"{}")
