"""The gateway against the local Data API over real PostgreSQL: every type, transactions,
resume faults, results over 1 MiB and rows over 64 KB, migrations."""

from __future__ import annotations

import enum
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import pytest
from alex_data.gateway import Gateway, RetryPolicy
from alex_data.migrate import Migration, apply_migrations, load_migrations
from alex_data.settings import Settings
from alex_data.translation import RowTooLarge
from alex_data_dev.local_data_api import LocalDataApi
from alex_schemas.errors import (
    ConflictError,
    InternalError,
    UnavailableError,
    ValidationFailedError,
)
from alex_schemas.limits import ROW_BUDGET_BYTES
from alex_schemas.vocab import UtcDatetime
from pydantic import Base64Bytes, BaseModel

if TYPE_CHECKING:
    from mypy_boto3_rds_data import RDSDataServiceClient


class Colour(enum.StrEnum):
    RED = "red"


class Value(BaseModel):
    value: Any


@pytest.fixture
def fast(local_data_api: LocalDataApi, rds_data: RDSDataServiceClient) -> Iterator[Gateway]:
    """A gateway on the endpoint that retries quickly (fault injection tests)."""
    settings = Settings.from_environment(local_data_api.env())
    gateway = Gateway.from_settings(rds_data, settings)
    gateway.retry = RetryPolicy(base_seconds=0.01, cap_seconds=0.05, budget_seconds=5.0)
    yield gateway
    local_data_api.clear_faults()


@pytest.fixture
def probe(migrated: Gateway) -> Iterator[str]:
    """A scratch table for transaction tests, dropped afterwards."""
    migrated.session().execute(
        "CREATE TABLE IF NOT EXISTS gateway_probe (id uuid PRIMARY KEY, note text)"
    )
    yield "gateway_probe"
    migrated.session().execute("DROP TABLE IF EXISTS gateway_probe")


# --- one round trip per type ------------------------------------------------------------------


class DecimalRow(BaseModel):
    value: Decimal


class UuidRow(BaseModel):
    value: UUID


class DateRow(BaseModel):
    value: date


class TimestampRow(BaseModel):
    value: UtcDatetime


class TimeRow(BaseModel):
    value: time


class BoolRow(BaseModel):
    value: bool


class IntRow(BaseModel):
    value: int


class FloatRow(BaseModel):
    value: float


class TextRow(BaseModel):
    value: str


class BytesRow(BaseModel):
    value: Base64Bytes


class JsonRow(BaseModel):
    value: dict[str, Any]


class NullRow(BaseModel):
    value: str | None


PARIS = timezone(timedelta(hours=1))


@pytest.mark.parametrize(
    ("sql", "sent", "model", "expected"),
    [
        (
            "SELECT jsonb_build_object('value', CAST(:v AS numeric(20, 8)))",
            Decimal("123456789012.12345678"),
            DecimalRow,
            Decimal("123456789012.12345678"),
        ),
        ("SELECT jsonb_build_object('value', CAST(:v AS uuid))", UUID(int=7), UuidRow, UUID(int=7)),
        (
            "SELECT jsonb_build_object('value', CAST(:v AS date))",
            date(2026, 11, 25),
            DateRow,
            date(2026, 11, 25),
        ),
        (
            "SELECT jsonb_build_object('value', CAST(:v AS timestamptz))",
            datetime(2026, 11, 25, 10, 30, 0, 123456, tzinfo=PARIS),
            TimestampRow,
            datetime(2026, 11, 25, 9, 30, 0, 123456, tzinfo=UTC),
        ),
        (
            "SELECT jsonb_build_object('value', CAST(:v AS time))",
            time(9, 30, 15),
            TimeRow,
            time(9, 30, 15),
        ),
        (
            "SELECT jsonb_build_object('value', CAST(:v AS time))",
            time(9, 30, 15, 500000),
            TimeRow,
            time(9, 30, 15, 500000),
        ),
        ("SELECT jsonb_build_object('value', CAST(:v AS boolean))", True, BoolRow, True),
        ("SELECT jsonb_build_object('value', CAST(:v AS bigint))", 2**62, IntRow, 2**62),
        (
            "SELECT jsonb_build_object('value', CAST(:v AS double precision))",
            0.125,
            FloatRow,
            0.125,
        ),
        (
            "SELECT jsonb_build_object('value', CAST(:v AS text))",
            "naïve ☃ 'quoted'",
            TextRow,
            "naïve ☃ 'quoted'",
        ),
        ("SELECT jsonb_build_object('value', CAST(:v AS text))", Colour.RED, TextRow, "red"),
        (
            "SELECT jsonb_build_object('value', encode(CAST(:v AS bytea), 'base64'))",
            b"\x00\xff\x10",
            BytesRow,
            b"\x00\xff\x10",
        ),
        (
            "SELECT jsonb_build_object('value', CAST(:v AS jsonb))",
            {"equity": Decimal("70.000000000000000001"), "tags": ["a"], "id": UUID(int=1)},
            JsonRow,
            {"equity": Decimal("70.000000000000000001"), "tags": ["a"], "id": str(UUID(int=1))},
        ),
        ("SELECT jsonb_build_object('value', CAST(:v AS text))", None, NullRow, None),
    ],
)
def test_each_type_round_trips_through_the_data_api(
    migrated: Gateway, sql: str, sent: object, model: type[BaseModel], expected: object
) -> None:
    # Given a value sent as a typed parameter / When the database hands it back
    (row,) = migrated.session().documents(sql, {"v": sent}, model)
    # Then it decodes to the same value, in its declared type
    assert getattr(row, "value") == expected  # noqa: B009


def test_a_timestamp_column_comes_back_aware_utc(migrated: Gateway) -> None:
    found = migrated.session().document(
        "SELECT jsonb_build_object('value', now())", None, TimestampRow
    )
    assert found is not None
    assert found.value.tzinfo is UTC
    assert abs(found.value - datetime.now(UTC)) < timedelta(minutes=1)


def test_a_document_built_in_sql_validates_with_exact_numbers(migrated: Gateway) -> None:
    class Doc(BaseModel):
        amount: Decimal
        at: datetime
        items: list[int]

    found = migrated.session().document(
        "SELECT jsonb_build_object('amount', CAST(:a AS numeric), 'at', now(), "
        "'items', jsonb_build_array(1, 2))",
        {"a": Decimal("12345678901234.12345678")},
        Doc,
    )
    assert found is not None
    assert found.amount == Decimal("12345678901234.12345678")
    assert found.at.tzinfo is not None
    assert found.items == [1, 2]


# --- errors -----------------------------------------------------------------------------------


def test_a_unique_violation_is_a_conflict(migrated: Gateway, probe: str) -> None:
    key = uuid4()
    migrated.session().execute("INSERT INTO gateway_probe (id) VALUES (:id)", {"id": key})
    with pytest.raises(ConflictError):
        migrated.session().execute("INSERT INTO gateway_probe (id) VALUES (:id)", {"id": key})


def test_a_check_violation_is_invalid_input(migrated: Gateway) -> None:
    with pytest.raises(ValidationFailedError, match="check constraint"):
        migrated.session().execute(
            "INSERT INTO users (clerk_user_id, years_until_retirement) VALUES (:u, 500)",
            {"u": f"user_{uuid4()}"},
        )


# --- transactions -----------------------------------------------------------------------------


def test_a_completed_transaction_commits(migrated: Gateway, probe: str) -> None:
    key = uuid4()
    with migrated.session().transaction() as tx:
        tx.execute("INSERT INTO gateway_probe (id, note) VALUES (:id, 'a')", {"id": key})
        tx.execute("UPDATE gateway_probe SET note = 'b' WHERE id = :id", {"id": key})
    found = migrated.session().document(
        "SELECT jsonb_build_object('value', note) FROM gateway_probe WHERE id = :id",
        {"id": key},
        TextRow,
    )
    assert found == TextRow(value="b")


def test_a_failing_transaction_rolls_back_everything(
    migrated: Gateway, probe: str, local_data_api: LocalDataApi
) -> None:
    key = uuid4()

    def block() -> None:
        with migrated.session().transaction() as tx:
            tx.execute("INSERT INTO gateway_probe (id) VALUES (:id)", {"id": key})
            tx.execute("INSERT INTO gateway_probe (id) VALUES (:id)", {"id": key})

    with pytest.raises(ConflictError):
        block()
    count = migrated.session().document(
        "SELECT jsonb_build_object('value', count(*)) FROM gateway_probe WHERE id = :id",
        {"id": key},
        IntRow,
    )
    assert count == IntRow(value=0)
    assert local_data_api.open_transactions() == 0


# --- resume faults ----------------------------------------------------------------------------


def test_a_resuming_database_is_retried_until_it_answers(
    fast: Gateway, local_data_api: LocalDataApi
) -> None:
    # Given a cluster that refuses the next three calls while it resumes
    local_data_api.inject_resuming(3)
    before = fast.calls
    # When a statement is run
    found = fast.session().document("SELECT jsonb_build_object('value', 41 + 1)", None, IntRow)
    # Then it succeeds on the fourth request
    assert found == IntRow(value=42)
    assert fast.calls - before == 4


def test_a_transaction_begun_while_resuming_is_retried(
    fast: Gateway, local_data_api: LocalDataApi
) -> None:
    local_data_api.inject_resuming(2)
    with fast.session().transaction() as tx:
        found = tx.document("SELECT jsonb_build_object('value', 1)", None, IntRow)
    assert found == IntRow(value=1)


def test_resuming_past_the_deadline_is_unavailable_and_retryable(
    fast: Gateway, local_data_api: LocalDataApi
) -> None:
    local_data_api.inject_resuming(1000)
    with pytest.raises(UnavailableError) as caught:
        fast.session(0.3).execute("SELECT 1")
    assert caught.value.retryable


# --- results over 1 MiB, rows over 64 KB ----------------------------------------------------


class Wide(BaseModel):
    n: int
    filler: str


def test_documents_over_1_mib_are_read_in_pages_of_the_same_statement(migrated: Gateway) -> None:
    # Given a paged statement whose 1500 documents of 2 KiB (~3 MiB) exceed one response
    sql = (
        "SELECT jsonb_build_object('n', n, 'filler', repeat('y', 2048)) "
        "FROM generate_series(1, :count) AS n ORDER BY n "
        "OFFSET CAST(:page_start AS integer) LIMIT CAST(:page_rows AS integer)"
    )
    before = migrated.calls
    # When its documents are asked for
    found = migrated.session().paged_documents(sql, {"count": 1500}, Wide)
    # Then all arrive, in order, in a handful of requests
    assert [w.n for w in found] == list(range(1, 1501))
    assert migrated.calls - before < 40


def test_a_statement_that_is_not_paged_over_1_mib_is_refused(migrated: Gateway) -> None:
    sql = (
        "SELECT jsonb_build_object('n', n, 'filler', repeat('x', 1024)) "
        "FROM generate_series(1, 3000) AS n"
    )
    with pytest.raises(InternalError, match="1 MiB"):
        migrated.session().documents(sql, None, Wide)


class Blob(BaseModel):
    items: list[str]


CHUNKED = (
    "SELECT c.digest, c.chunk FROM alex_chunks("
    "CAST(jsonb_build_object('items', (SELECT jsonb_agg(:item) FROM generate_series(1, :count)))"
    " AS text), CAST(:page_start AS integer), CAST(:page_rows AS integer)) AS c"
)


@pytest.mark.parametrize("item", ["é" * 1000, "😀" * 333 + "x", 'a"b\\c' * 100])
def test_a_document_over_1_mib_comes_in_chunks_joined_whole(migrated: Gateway, item: str) -> None:
    # Given one document of multi-byte text, over 1 MiB and far over one row's 64 KB
    before = migrated.calls
    found = migrated.session().chunked_document(CHUNKED, {"item": item, "count": 2000}, Blob)
    # Then it is cut between characters and joined again exactly
    assert found is not None
    assert found.items == [item] * 2000
    assert migrated.calls - before > 1


def test_a_small_chunked_document_is_one_call(migrated: Gateway) -> None:
    before = migrated.calls
    found = migrated.session().chunked_document(CHUNKED, {"item": "é", "count": 3}, Blob)
    assert found == Blob(items=["é"] * 3)
    assert migrated.calls - before == 1


def test_every_chunk_fits_the_row_budget(migrated: Gateway) -> None:
    rows = migrated.session().documents(
        "SELECT jsonb_build_object('n', octet_length(c.chunk), 'filler', '') "
        "FROM alex_chunks(repeat('😀', 50000), 0, 100) AS c",
        None,
        Wide,
    )
    # 200,000 bytes in chunks of 24,000: 32,000 characters each as base64
    assert [r.n for r in rows] == [24_000] * 8 + [8_000]
    assert ROW_BUDGET_BYTES >= 4 * 24_000 // 3


def test_a_row_over_64_kb_is_an_internal_error_naming_the_limit(migrated: Gateway) -> None:
    with pytest.raises(RowTooLarge, match="64 KB"):
        migrated.session().documents(
            "SELECT jsonb_build_object('n', 1, 'filler', repeat('x', 70000))", None, Wide
        )


# --- migrations -------------------------------------------------------------------------------


class Version(BaseModel):
    version: int


def test_migrations_are_recorded_and_applying_again_does_nothing(migrated: Gateway) -> None:
    # Given the session's database, already migrated / When migrations are applied again
    again = apply_migrations(migrated.session())
    # Then nothing is applied and every packaged file is recorded
    assert again == []
    recorded = migrated.session().documents(
        "SELECT jsonb_build_object('version', version) FROM schema_migrations ORDER BY version",
        None,
        Version,
    )
    assert [v.version for v in recorded] == [m.version for m in load_migrations()]


def test_concurrent_runners_apply_a_migration_once(migrated: Gateway) -> None:
    # Given a new migration and two runners started at the same moment
    probe = Migration(
        9001,
        "9001_probe.sql",
        "CREATE TABLE migration_probe (n int);\nINSERT INTO migration_probe VALUES (1);\n",
    )
    results: list[list[str]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def run() -> None:
        try:
            start.wait()
            results.append(apply_migrations(migrated.session(), [probe]))
        except BaseException as exc:  # a failure must fail the test, not vanish in a thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        # Then exactly one applied it and the table holds one row
        assert errors == []
        assert sorted(results) == [[], ["9001_probe.sql"]]
        rows = migrated.session().documents(
            "SELECT jsonb_build_object('value', n) FROM migration_probe", None, IntRow
        )
        assert len(rows) == 1
    finally:
        migrated.session().execute("DROP TABLE IF EXISTS migration_probe")
        migrated.session().execute("DELETE FROM schema_migrations WHERE version = 9001")
