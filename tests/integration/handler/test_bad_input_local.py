"""The bad-input properties against the real thing: generated events the exported JSON Schema
refuses, through the real handler, dispatch and gateway, against the local Data API over
PostgreSQL. Every one is answered ValidationError, no Data API call is made for any, and no
table changes; a batch of ten such records fails ten records and makes no call either."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import pytest
from alex_data.gateway import Gateway
from alex_data.handler import build_handler
from alex_data_dev.testing import LocalLambdaContext
from aws_lambda_powertools.utilities.typing import LambdaContext
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from tests.bad_inputs import arbitrary_events, bad_record, json_text_can_hold, schema_accepts

TABLES = ("users", "instruments", "accounts", "positions", "jobs")
SNAPSHOT = (
    "SELECT jsonb_build_object("
    + ", ".join(
        f"'{table}', (SELECT count(*) || ':' || md5(coalesce(string_agg(to_jsonb(t)::text, ','"
        f" ORDER BY to_jsonb(t)::text), '')) FROM {table} AS t)"
        for table in TABLES
    )
    + ")"
)


class Snapshot(BaseModel):
    """Each table's row count and a digest of every row."""

    users: str
    instruments: str
    accounts: str
    positions: str
    jobs: str


TALLY = {"direct": 0, "validation_errors": 0, "records": 0, "data_api_calls": 0}


class Calls:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, **_: Any) -> None:
        self.count += 1


@pytest.fixture(scope="module")
def calls(migrated: Gateway, rds_data: Any) -> Iterator[Calls]:
    """Counts every Data API call the session's client makes, and holds the tables unchanged
    across the module."""
    before = migrated.session().document(SNAPSHOT, None, Snapshot)
    assert before is not None
    counter = Calls()
    rds_data.meta.events.register("before-call.rds-data", counter)
    yield counter
    rds_data.meta.events.unregister("before-call.rds-data", counter)
    assert migrated.session().document(SNAPSHOT, None, Snapshot) == before
    print(f"\nbad-input tally (local Data API): {TALLY}")


def context() -> LambdaContext:
    return cast(LambdaContext, LocalLambdaContext())


@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(event=arbitrary_events)
def test_what_the_schema_refuses_makes_no_call(event: Any, calls: Calls, migrated: Gateway) -> None:
    assume(not json_text_can_hold(event) or not schema_accepts(event))
    before = calls.count
    answer = build_handler(database=lambda: migrated)(event, context())
    TALLY["direct"] += 1
    assert answer["ok"] is False
    assert answer["error"]["code"] == "ValidationError"
    TALLY["validation_errors"] += 1
    TALLY["data_api_calls"] += calls.count - before
    assert calls.count == before


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(records=st.tuples(*(bad_record(f"m{i}") for i in range(10))))
def test_a_batch_of_bad_records_fails_each_and_makes_no_call(
    records: tuple[dict[str, Any], ...], calls: Calls, migrated: Gateway
) -> None:
    from alex_schemas.sqs import DataEventSqsRecord
    from pydantic import ValidationError

    def refused(record: dict[str, Any]) -> bool:
        try:
            DataEventSqsRecord.model_validate(record)
        except ValidationError:
            return True
        return False

    assume(all(refused(r) for r in records))
    before = calls.count
    answer = build_handler(database=lambda: migrated)({"Records": list(records)}, context())
    TALLY["records"] += len(records)
    failed = {item["itemIdentifier"] for item in answer["batchItemFailures"]}
    named = {r["messageId"] for r in records if isinstance(r.get("messageId"), str)}
    assert failed == named
    TALLY["data_api_calls"] += calls.count - before
    assert calls.count == before
