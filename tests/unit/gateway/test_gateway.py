"""The gateway over a fake rds-data client: requests, retries, deadlines, transactions, errors."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

import pytest
from alex_data.gateway import Gateway, RetryPolicy, get_gateway
from alex_data.large_results import FIRST_PAGE_ROWS
from alex_data.settings import Settings, SettingsError
from alex_data.translation import translate_error
from alex_data_dev.environment import fresh_function
from alex_schemas.errors import (
    ConflictError,
    DataError,
    InternalError,
    NotFoundError,
    UnavailableError,
    ValidationFailedError,
)
from alex_schemas.limits import ROW_TOO_LARGE
from botocore.client import BaseClient
from botocore.exceptions import EndpointConnectionError
from pydantic import BaseModel

from tests.unit.gateway.fakes import (
    FakeDataApi,
    FakeTime,
    client_error,
    default_responder,
    records,
    sql_error,
)

ARN = "arn:aws:rds:us-east-1:123456789012:cluster:alex"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:alex"


class Price(BaseModel):
    symbol: str
    price: Decimal


def make(
    api: FakeDataApi, clock: FakeTime | None = None, policy: RetryPolicy | None = None
) -> Gateway:
    clock = clock or FakeTime()
    return Gateway(
        api,
        resource_arn=ARN,
        secret_arn=SECRET,
        database="alex",
        retry=policy or RetryPolicy(),
        sleep=clock.sleep,
        clock=clock.clock,
        jitter=lambda: 0.5,
    )


def answering(result: Mapping[str, Any]) -> FakeDataApi:
    def respond(operation: str, request: dict[str, Any]) -> Mapping[str, Any]:
        if operation == "execute_statement":
            return result
        return default_responder(operation, request)

    return FakeDataApi(respond)


# --- requests ---------------------------------------------------------------------------------


INSTRUMENT_PRICES = (
    "SELECT jsonb_build_object('symbol', symbol, 'price', current_price) FROM instruments"
)


def test_a_query_is_one_request_without_metadata_and_decodes_into_the_row_model() -> None:
    # Given a Data API answering two records
    api = answering(
        records(
            [{"stringValue": '{"symbol": "VTI", "price": 301.2500}'}],
            [{"stringValue": '{"symbol": "BND", "price": 72.1000}'}],
        )
    )
    db = make(api)
    # When the rows are asked for
    found = db.session().documents(INSTRUMENT_PRICES, None, Price)
    # Then they come back typed, in one request that asks for no column metadata
    assert found == [
        Price(symbol="VTI", price=Decimal("301.2500")),
        Price(symbol="BND", price=Decimal("72.1000")),
    ]
    ((operation, request),) = api.requests
    assert operation == "execute_statement"
    assert "includeResultMetadata" not in request
    assert "formatRecordsAs" not in request
    assert request["resourceArn"] == ARN
    assert request["secretArn"] == SECRET
    assert request["database"] == "alex"
    assert db.calls == 1


def test_execute_sends_typed_parameters_and_answers_the_update_count() -> None:
    api = answering({"numberOfRecordsUpdated": 3})
    db = make(api)
    count = db.session().execute(
        "UPDATE instruments SET current_price = :price WHERE symbol = :symbol",
        {"price": Decimal("1.5"), "symbol": "VTI"},
    )
    assert count == 3
    assert api.requests[0][1]["parameters"] == [
        {"name": "price", "value": {"stringValue": "1.5"}, "typeHint": "DECIMAL"},
        {"name": "symbol", "value": {"stringValue": "VTI"}},
    ]


def test_a_document_answers_none_when_nothing_matches() -> None:
    db = make(answering({"records": []}))
    assert db.session().document("SELECT 1", None, Price) is None


# --- retries ----------------------------------------------------------------------------------


def test_a_resuming_database_is_retried_with_capped_exponential_backoff() -> None:
    # Given a cluster that answers DatabaseResumingException four times, then works
    api = answering({"numberOfRecordsUpdated": 1})
    api.fail_next(*[client_error("DatabaseResumingException", "resuming")] * 4)
    clock = FakeTime()
    db = make(api, clock, RetryPolicy(base_seconds=1.0, cap_seconds=3.0))
    # When a statement is run
    assert db.session().execute("UPDATE x SET y = 1") == 1
    # Then it was sent five times, waiting 1, 2, 4->3 (capped), 3 s scaled by the jitter (0.5
    # places each wait at 3/4 of its ceiling)
    assert db.calls == 5
    assert clock.sleeps == [0.75, 1.5, 2.25, 2.25]


@pytest.mark.parametrize(
    "fault",
    [
        client_error("ThrottlingException", "slow down"),
        client_error("TooManyRequestsException"),
        client_error("ServiceUnavailableError", status=503),
        client_error("InternalServerErrorException", status=500),
        client_error("SomethingNew", status=502),
        EndpointConnectionError(endpoint_url="http://localhost:1"),
        sql_error("40001", "could not serialize access"),
    ],
)
def test_transient_faults_are_retried(fault: Exception) -> None:
    api = answering({"numberOfRecordsUpdated": 1})
    api.fail_next(fault)
    db = make(api)
    assert db.session().execute("UPDATE x SET y = 1") == 1
    assert db.calls == 2


def test_retrying_stops_at_the_deadline() -> None:
    # Given a cluster that never resumes and an invocation with 2 s left
    api = answering({})
    api.fail_next(*[client_error("DatabaseResumingException")] * 50)
    clock = FakeTime()
    db = make(api, clock, RetryPolicy(base_seconds=0.5, cap_seconds=1.0))
    runner = db.session(2.0)
    # When a statement is run, Then it gives up as Unavailable (retryable) before the deadline
    with pytest.raises(UnavailableError) as caught:
        runner.execute("UPDATE x SET y = 1")
    assert caught.value.retryable
    assert sum(clock.sleeps) < 2.0
    assert clock.sleeps == [0.375, 0.75, 0.75]
    assert db.calls == 4


def test_retrying_stops_after_max_attempts() -> None:
    api = answering({})
    api.fail_next(*[client_error("ThrottlingException")] * 50)
    db = make(api, policy=RetryPolicy(max_attempts=3))
    with pytest.raises(UnavailableError):
        db.session().execute("SELECT 1")
    assert db.calls == 3


def test_a_definite_failure_is_not_retried() -> None:
    api = answering({})
    api.fail_next(sql_error("23505", 'duplicate key value violates unique constraint "users_pkey"'))
    db = make(api)
    with pytest.raises(ConflictError):
        db.session().execute("INSERT INTO users ...")
    assert db.calls == 1


def test_a_serialization_failure_inside_a_transaction_is_not_retried_by_statement() -> None:
    # Inside a transaction the database has aborted the whole transaction: retrying the one
    # statement cannot help, only the caller can start over.
    api = answering({})
    db = make(api)

    def block() -> None:
        with db.session().transaction() as tx:
            api.fail_next(sql_error("40001", "could not serialize access"))
            tx.execute("UPDATE x SET y = 1")

    with pytest.raises(UnavailableError):
        block()
    assert api.operations() == ["begin_transaction", "execute_statement", "rollback_transaction"]


# --- error translation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "expected", "message"),
    [
        (
            sql_error("23505", 'duplicate key value violates unique constraint "x"'),
            ConflictError,
            "x",
        ),
        (
            sql_error("23503", 'insert or update on table "positions" violates foreign key'),
            NotFoundError,
            "positions",
        ),
        (
            sql_error("23503", 'update or delete ... is still referenced from "p"'),
            ConflictError,
            "use",
        ),
        (
            sql_error("23514", 'violates check constraint "users_range"'),
            ValidationFailedError,
            "range",
        ),
        (sql_error("22P02", "invalid input syntax for type uuid"), ValidationFailedError, "uuid"),
        (sql_error("42P01", 'relation "nope" does not exist'), InternalError, "rejected"),
        (client_error("StatementTimeoutException"), UnavailableError, "timed out"),
        (client_error("TransactionNotFoundException"), UnavailableError, "expired"),
        (client_error("AccessDeniedException", status=403), InternalError, "configuration"),
        (client_error("BadRequestException", "HTTP endpoint is not enabled"), InternalError, ""),
    ],
)
def test_errors_are_translated_once_into_the_domain_tree(
    fault: Exception, expected: type[DataError], message: str
) -> None:
    found = translate_error(fault).error
    assert type(found) is expected
    assert message in found.message


def test_translation_keeps_the_botocore_error_as_the_cause_and_leaks_no_sql() -> None:
    api = answering({})
    fault = sql_error("42601", 'syntax error at or near "SELEC"')
    api.fail_next(fault)
    with pytest.raises(InternalError) as caught:
        make(api).session().execute("SELEC 1")
    assert caught.value.__cause__ is fault
    assert "SELEC" not in caught.value.message


# --- transactions -----------------------------------------------------------------------------


def test_a_transaction_threads_its_id_and_commits_when_the_block_completes() -> None:
    api = FakeDataApi()
    db = make(api)
    with db.session().transaction() as tx:
        tx.execute("UPDATE a SET b = 1")
        tx.execute("UPDATE c SET d = 2")
    assert api.operations() == [
        "begin_transaction",
        "execute_statement",
        "execute_statement",
        "commit_transaction",
    ]
    assert all(r["transactionId"] == "tx-1" for op, r in api.requests[1:])
    assert api.requests[0][1]["database"] == "alex"


def test_a_failing_block_rolls_back_and_the_error_propagates() -> None:
    api = FakeDataApi()
    db = make(api)

    def block() -> None:
        with db.session().transaction() as tx:
            tx.execute("UPDATE a SET b = 1")
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        block()
    assert api.operations() == ["begin_transaction", "execute_statement", "rollback_transaction"]
    assert api.requests[-1][1]["transactionId"] == "tx-1"


def test_a_failed_rollback_does_not_hide_the_original_error() -> None:
    api = FakeDataApi()
    db = make(api)

    def block() -> None:
        with db.session().transaction() as tx:
            api.fail_next(sql_error("23505", "duplicate"), client_error("AccessDeniedException"))
            tx.execute("INSERT ...")

    with pytest.raises(ConflictError):
        block()
    assert api.operations()[-1] == "rollback_transaction"


def test_an_unexpected_commit_status_is_an_error() -> None:
    def respond(operation: str, request: dict[str, Any]) -> Mapping[str, Any]:
        if operation == "commit_transaction":
            return {"transactionStatus": "Something Else"}
        return default_responder(operation, request)

    db = make(FakeDataApi(respond))
    with pytest.raises(InternalError, match="Something Else"), db.session().transaction() as tx:
        tx.execute("UPDATE a SET b = 1")


def test_a_failed_commit_is_reported_and_rolled_back() -> None:
    api = FakeDataApi()
    db = make(api)

    def block() -> None:
        with db.session().transaction() as tx:
            tx.execute("UPDATE a SET b = 1")
            api.fail_next(sql_error("40001", "could not serialize access"))

    with pytest.raises(UnavailableError):
        block()
    assert api.operations()[-2:] == ["commit_transaction", "rollback_transaction"]


def test_a_nested_transaction_joins_the_outer_one() -> None:
    api = FakeDataApi()
    db = make(api)
    with db.session().transaction() as tx, tx.transaction() as inner:
        inner.execute("UPDATE a SET b = 1")
    assert api.operations() == ["begin_transaction", "execute_statement", "commit_transaction"]


# --- results over 1 MiB -----------------------------------------------------------------------

TOO_LARGE = "Database returned more than the allowed response size limit"


def paging_api(rows: list[list[dict[str, Any]]], fits: int) -> FakeDataApi:
    """A Data API answering a paged statement; a response holds at most `fits` rows (more is
    the 1 MiB error)."""

    def respond(operation: str, request: dict[str, Any]) -> Mapping[str, Any]:
        if operation != "execute_statement":
            return default_responder(operation, request)
        values = {p["name"]: p["value"] for p in request.get("parameters", [])}
        start, count = values["page_start"]["longValue"], values["page_rows"]["longValue"]
        page = rows[start : start + count]
        if len(page) > fits:
            raise client_error("BadRequestException", TOO_LARGE)
        return {"records": page}

    return FakeDataApi(respond)


def _pages(api: FakeDataApi) -> list[tuple[int, int]]:
    found = []
    for op, request in api.requests:
        if op == "execute_statement":
            values = {p["name"]: p["value"]["longValue"] for p in request["parameters"]}
            found.append((values["page_start"], values["page_rows"]))
    return found


class Holding(BaseModel):
    symbol: str
    quantity: Decimal


def test_a_paged_statement_is_read_in_pages_that_fit_one_response() -> None:
    # Given 200 one-document rows of which a response can hold 30
    rows = [[{"stringValue": f'{{"symbol": "S{i}", "quantity": {i}.5}}'}] for i in range(200)]
    api = paging_api(rows, fits=30)
    # When the statement's documents are asked for
    found = make(api).session().paged_documents("SELECT h FROM holdings", None, Holding)
    # Then every document arrives in order; a page too large was halved and the size kept
    assert [h.symbol for h in found] == [f"S{i}" for i in range(200)]
    assert found[-1].quantity == Decimal("199.5")
    refused, kept = [], FIRST_PAGE_ROWS
    while kept > 30:
        refused.append((0, kept))
        kept //= 2
    assert _pages(api)[: len(refused) + 2] == [*refused, (0, kept), (kept, kept)]
    assert _pages(api)[-1] == (200 // kept * kept, kept)
    # the same statement text every time: paging is parameters, never SQL built from strings
    assert set(api.statements()) == {"SELECT h FROM holdings"}
    assert "begin_transaction" not in api.operations()


def test_a_paged_statement_that_fits_is_one_call() -> None:
    rows = [[{"stringValue": '{"symbol": "A", "quantity": 1}'}]] * 3
    api = paging_api(rows, fits=100)
    assert len(make(api).session().paged_documents("SELECT h FROM holdings", None, Holding)) == 3
    assert _pages(api) == [(0, FIRST_PAGE_ROWS)]


def chunk_rows(text: str, size: int, digest: str = "d1") -> list[list[dict[str, Any]]]:
    """The rows of alex_chunks: the text's UTF-8 bytes in pieces of `size`, as blobs."""
    data = text.encode()
    return [
        [{"stringValue": digest}, {"blobValue": data[i : i + size]}]
        for i in range(0, len(data), size)
    ]


def test_a_chunked_document_is_joined_from_its_chunks_in_order() -> None:
    # Given a document of multi-byte text cut into chunks of 81 bytes: most end inside a character
    text = '{"symbol": "' + "€😀" * 900 + '", "quantity": 2}'
    api = paging_api(chunk_rows(text, 81), fits=10)
    # When it is asked for
    found = make(api).session().chunked_document("SELECT c.digest, c.chunk FROM x", None, Holding)
    # Then the chunks, read in pages, make the document again
    assert found == Holding(symbol="€😀" * 900, quantity=Decimal(2))
    assert _pages(api)[:2] == [(0, 30), (0, 15)]
    assert len(_pages(api)) > 3


def test_no_chunks_is_no_document() -> None:
    api = paging_api([], fits=10)
    assert (
        make(api).session().chunked_document("SELECT c.digest, c.chunk FROM x", None, Holding)
        is None
    )


def test_a_document_that_changes_between_pages_is_read_again_then_given_up() -> None:
    # Given chunks whose digest differs between the first page and the next (a concurrent write)
    text = '{"symbol": "' + "V" * 4000 + '", "quantity": 2}'
    mixed = chunk_rows(text, 10)[:30] + chunk_rows(text, 10, digest="d2")[30:]
    api = paging_api(mixed, fits=200)
    # When it is asked for, then it is read again from the start and finally Unavailable
    with pytest.raises(UnavailableError, match="kept changing"):
        make(api).session().chunked_document("SELECT c.digest, c.chunk FROM x", None, Holding)
    assert [start for start, _ in _pages(api)].count(0) == 3


def test_a_statement_that_is_not_paged_and_passes_1_mib_is_an_internal_error() -> None:
    api = FakeDataApi(
        lambda op, r: (_ for _ in ()).throw(client_error("BadRequestException", TOO_LARGE))
    )
    with pytest.raises(InternalError, match="1 MiB"):
        make(api).session().documents(INSTRUMENT_PRICES, None, Price)
    assert api.operations() == ["execute_statement"]


def test_a_row_over_64_kb_is_recognised_by_the_shared_message() -> None:
    found = translate_error(client_error("BadRequestException", ROW_TOO_LARGE)).error
    assert isinstance(found, InternalError)
    assert "64 KB row limit" in found.message


def test_a_request_over_4_mib_is_refused_before_it_is_sent() -> None:
    api = FakeDataApi()
    # quotes are escaped on the wire: 2.5 M of them are 5 MB in the request
    with pytest.raises(ValidationFailedError, match=r"request is 5,\d{3},\d{3} bytes .* 4 MiB"):
        make(api).session().execute("SELECT :a", {"a": '"' * 2_500_000})
    assert api.requests == []


def test_a_large_request_under_4_mib_is_sent() -> None:
    api = FakeDataApi()
    make(api).session().execute("SELECT :a", {"a": "x" * 4_000_000})
    assert len(api.requests) == 1


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ('ERROR: duplicate key value violates unique constraint "users_pkey"', ConflictError),
        (
            'ERROR: new row for relation "users" violates check constraint "x"',
            ValidationFailedError,
        ),
        ("ERROR: could not serialize access due to concurrent update", UnavailableError),
        ('ERROR: relation "nope" does not exist\n  Position: 15', InternalError),
    ],
)
def test_without_the_sqlstate_suffix_the_primary_message_classifies(
    message: str, expected: type[DataError]
) -> None:
    found = translate_error(client_error("DatabaseErrorException", message)).error
    assert type(found) is expected


# --- the factory ------------------------------------------------------------------------------


@pytest.fixture
def fresh_factory() -> Iterator[None]:
    with fresh_function():
        yield


def test_the_factory_builds_one_gateway_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, fresh_factory: None
) -> None:
    monkeypatch.setenv("AURORA_CLUSTER_ARN", ARN)
    monkeypatch.setenv("AURORA_SECRET_ARN", SECRET)
    monkeypatch.delenv("AURORA_DATABASE", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    gateway = get_gateway()
    assert gateway is get_gateway()
    assert (gateway.resource_arn, gateway.secret_arn, gateway.database) == (ARN, SECRET, "alex")


def test_renewing_the_client_builds_a_new_one_from_the_same_factory(
    monkeypatch: pytest.MonkeyPatch, fresh_factory: None
) -> None:
    monkeypatch.setenv("AURORA_CLUSTER_ARN", ARN)
    monkeypatch.setenv("AURORA_SECRET_ARN", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    gateway = get_gateway()
    first = gateway.client
    # When the client is renewed (after a SnapStart restore)
    gateway.renew_client()
    # Then the gateway holds a new rds-data client for the same region, with its own pool
    renewed = gateway.client
    assert renewed is not first
    assert isinstance(renewed, BaseClient)
    assert isinstance(first, BaseClient)
    assert renewed.meta.service_model.service_name == "rds-data"
    assert renewed.meta.region_name == "us-east-1"
    assert vars(renewed)["_endpoint"] is not vars(first)["_endpoint"]


def test_a_gateway_without_a_factory_keeps_its_client() -> None:
    client = FakeDataApi()
    gateway = Gateway(client, resource_arn=ARN, secret_arn=SECRET, database="alex")
    gateway.renew_client()
    assert gateway.client is client


def test_the_factory_refuses_a_missing_cluster_arn(
    monkeypatch: pytest.MonkeyPatch, fresh_factory: None
) -> None:
    monkeypatch.delenv("AURORA_CLUSTER_ARN", raising=False)
    monkeypatch.setenv("AURORA_SECRET_ARN", SECRET)
    with pytest.raises(SettingsError, match="AURORA_CLUSTER_ARN"):
        get_gateway()


def test_the_factory_reports_a_missing_region_as_configuration(
    monkeypatch: pytest.MonkeyPatch, fresh_factory: None
) -> None:
    monkeypatch.setenv("AURORA_CLUSTER_ARN", ARN)
    monkeypatch.setenv("AURORA_SECRET_ARN", SECRET)
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    with pytest.raises(SettingsError, match="region"):
        get_gateway()


def test_settings_read_the_retry_knobs() -> None:
    settings = Settings.from_environment(
        {
            "AURORA_CLUSTER_ARN": ARN,
            "AURORA_SECRET_ARN": SECRET,
            "AURORA_DATABASE": "other",
            "DATA_API_MAX_ATTEMPTS": "3",
        }
    )
    assert settings.aurora_database == "other"
    assert settings.max_attempts == 3
    assert Gateway.from_settings(FakeDataApi(), settings).retry.max_attempts == 3


def test_a_database_error_without_a_message_still_translates() -> None:
    found = translate_error(client_error("DatabaseErrorException", "")).error
    assert type(found) is InternalError


def test_the_caller_sees_the_primary_message_without_detail_or_sqlstate() -> None:
    message = (
        'ERROR: new row for relation "users" violates check constraint "users_range"\n'
        "  Detail: Failing row contains (u1, 500).; SQLState: 23514"
    )
    found = translate_error(client_error("DatabaseErrorException", message)).error
    assert found.message == (
        'rejected by the database: new row for relation "users" violates check constraint '
        '"users_range"'
    )


def test_an_internal_database_error_keeps_its_cause_for_the_log_not_the_caller() -> None:
    message = (
        'ERROR: relation "users" does not exist\n'
        "  Detail: Key (clerk_user_id)=(user_secret) is not present.\n"
        "  Position: 15; SQLState: 42P01"
    )
    found = translate_error(client_error("DatabaseErrorException", message)).error
    assert type(found) is InternalError
    assert found.message == "the database rejected a statement"
    assert found.detail == 'SQLSTATE 42P01: relation "users" does not exist'


def test_an_unreachable_endpoint_is_named_in_the_error() -> None:
    from botocore.exceptions import EndpointConnectionError

    found = translate_error(EndpointConnectionError(endpoint_url="http://127.0.0.1:9")).error
    assert type(found) is UnavailableError
    assert found.message == "the Data API could not be reached at http://127.0.0.1:9"
