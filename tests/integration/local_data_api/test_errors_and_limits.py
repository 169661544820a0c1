"""Errors and limits: modelled exceptions through boto3, the wire format, size and time limits,
fault injection, concurrent callers."""

from __future__ import annotations

import http.client
import json
import threading
import time
import urllib.error
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import boto3
import pytest
from alex_data_dev.local_data_api import LocalDataApi, post_faults
from alex_schemas.limits import DATA_API_ROW_BYTES, ROW_TOO_LARGE
from botocore.config import Config

from tests.integration.local_data_api.conftest import Arns, Execute

if TYPE_CHECKING:
    from mypy_boto3_rds_data import RDSDataServiceClient


def raw_post(api: LocalDataApi, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
    url = urlsplit(api.endpoint_url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        conn.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_error_code_travels_in_header_and_body(local_data_api: LocalDataApi, arns: Arns) -> None:
    body = json.dumps({"sql": "SELECT 1/0", **arns}).encode()
    status, headers, payload = raw_post(local_data_api, "/Execute", body)
    assert status == 400
    assert headers["x-amzn-ErrorType"] == "DatabaseErrorException"
    assert json.loads(payload) == {
        "code": "DatabaseErrorException",
        "message": "ERROR: division by zero; SQLState: 22012",
    }


def test_sql_error_carries_postgres_message_and_detail(execute: Execute, table: str) -> None:
    execute(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    execute(f"INSERT INTO {table} VALUES (1)")
    with pytest.raises(Exception, match="duplicate key value violates unique constraint") as e:
        execute(f"INSERT INTO {table} VALUES (1)")
    assert type(e.value).__name__ == "DatabaseErrorException"
    assert str(e.value).endswith("\n  Detail: Key (id)=(1) already exists.; SQLState: 23505")


@pytest.mark.parametrize("wrong_cluster", [True, False])
def test_wrong_cluster_or_secret_arn_is_refused(
    rds_data: RDSDataServiceClient, arns: Arns, wrong_cluster: bool
) -> None:
    wrong = Arns(**arns)
    if wrong_cluster:
        wrong["resourceArn"] = arns["resourceArn"].replace("alex-local", "someone-else")
    else:
        wrong["secretArn"] = arns["secretArn"].replace("alex-local", "someone-else")
    with pytest.raises(rds_data.exceptions.BadRequestException):
        rds_data.execute_statement(sql="SELECT 1", **wrong)
    with pytest.raises(rds_data.exceptions.BadRequestException):
        rds_data.begin_transaction(**wrong)


def test_response_over_one_mib_is_refused(rds_data: RDSDataServiceClient, execute: Execute) -> None:
    # 1,100 rows of 1,000 characters: over 1 MiB once wrapped as Fields
    with pytest.raises(rds_data.exceptions.BadRequestException, match="response size limit"):
        execute("SELECT repeat('x', 1000) FROM generate_series(1, 1100)")
    # while just under the limit passes
    assert len(execute("SELECT repeat('x', 1000) FROM generate_series(1, 900)")["records"]) == 900


@pytest.mark.parametrize(
    ("select", "size"),
    [
        # one value: its UTF-8 bytes count, so 'é' (2 bytes) reaches 64 KB at half the length
        ("SELECT repeat('x', CAST(:n AS integer))", lambda n: n),
        ("SELECT repeat('é', CAST(:n AS integer))", lambda n: 2 * n),
        # several values: their sizes add up (a number counts its text)
        ("SELECT repeat('x', CAST(:n AS integer) - 5), 12345", lambda n: n),
        # a blob counts its base64 text
        (
            "SELECT decode(repeat('00', CAST(:n AS integer) * 3 / 4), 'hex')",
            lambda n: 4 * ((n * 3 // 4 + 2) // 3),
        ),
    ],
    ids=["ascii", "two-byte", "columns", "blob"],
)
def test_a_row_over_64_kb_is_refused_and_one_just_under_served(
    rds_data: RDSDataServiceClient, execute: Execute, select: str, size: Callable[[int], int]
) -> None:
    limit = DATA_API_ROW_BYTES
    # the largest n whose row is at most 64 KB, and the next
    under = max(n for n in range(limit // 2 - 8, limit + 1) if size(n) <= limit)
    over = min(n for n in range(under + 1, limit + 8) if size(n) > limit)
    assert len(execute(select, {"n": {"longValue": under}})["records"]) == 1
    with pytest.raises(rds_data.exceptions.BadRequestException, match=ROW_TOO_LARGE):
        execute(select, {"n": {"longValue": over}})


def test_a_row_over_64_kb_is_served_with_the_row_limit_off(local_data_api: LocalDataApi) -> None:
    with LocalDataApi(dsn=local_data_api.dsn, row_limit_kib=0) as api:
        client = boto3.client("rds-data", endpoint_url=api.endpoint_url)
        answer = client.execute_statement(
            resourceArn=api.cluster_arn,
            secretArn=api.secret_arn,
            database=api.database,
            sql="SELECT repeat('x', 100000)",
        )
    assert len(answer["records"][0][0]["stringValue"]) == 100000


def test_request_over_four_mib_is_refused(
    local_data_api: LocalDataApi, arns: Arns, rds_data: RDSDataServiceClient
) -> None:
    big = "x" * (4 * 1024 * 1024)
    with pytest.raises(rds_data.exceptions.BadRequestException, match="4 MiB"):
        rds_data.execute_statement(
            sql="SELECT :v",
            parameters=[{"name": "v", "value": {"stringValue": big}}],
            **arns,
        )
    # and the endpoint keeps serving
    assert rds_data.execute_statement(sql="SELECT 1", **arns)["records"]


@pytest.fixture
def impatient(local_data_api: LocalDataApi) -> Iterator[LocalDataApi]:
    """A second endpoint on the same PostgreSQL whose statements time out after 0.3 s."""
    with LocalDataApi(dsn=local_data_api.dsn, statement_timeout=0.3) as api:
        yield api


def test_statement_timeout_is_statement_timeout_exception(impatient: LocalDataApi) -> None:
    client = boto3.client(
        "rds-data",
        endpoint_url=impatient.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    arns = Arns(resourceArn=impatient.cluster_arn, secretArn=impatient.secret_arn)
    with pytest.raises(client.exceptions.StatementTimeoutException) as caught:
        client.execute_statement(sql="SELECT pg_sleep(5)", **arns)
    assert dict(caught.value.response).get("dbConnectionId")


def test_continue_after_timeout_answers_timeout_but_finishes_the_statement(
    impatient: LocalDataApi, execute: Execute, table: str
) -> None:
    client = boto3.client("rds-data", endpoint_url=impatient.endpoint_url)
    arns = Arns(resourceArn=impatient.cluster_arn, secretArn=impatient.secret_arn)
    execute(f"CREATE TABLE {table} (id int)")
    # When a statement outlasting the timeout runs with continueAfterTimeout
    with pytest.raises(client.exceptions.StatementTimeoutException):
        client.execute_statement(
            sql=f"INSERT INTO {table} SELECT 1 FROM pg_sleep(0.8)",
            continueAfterTimeout=True,
            **arns,
        )
    # Then the caller was answered at the timeout, yet the statement ran on and committed
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if execute(f"SELECT count(*) FROM {table}")["records"] == [[{"longValue": 1}]]:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the statement did not finish after the call timed out")
    # And every pooled connection, the one it used included, has the normal timeout again
    for _ in range(6):
        answer = client.execute_statement(sql="SHOW statement_timeout", **arns)
        assert answer["records"] == [[{"stringValue": "300ms"}]]


def test_injected_resuming_fails_the_next_calls_then_recovers(
    local_data_api: LocalDataApi, rds_data: RDSDataServiceClient, arns: Arns
) -> None:
    # Given the endpoint told to answer the next two calls as a resuming Aurora
    local_data_api.inject_resuming(2)
    try:
        # Then two calls fail with DatabaseResumingException, the third succeeds
        for _ in range(2):
            with pytest.raises(rds_data.exceptions.DatabaseResumingException, match="resuming"):
                rds_data.execute_statement(sql="SELECT 1", **arns)
        assert rds_data.execute_statement(sql="SELECT 1", **arns)["records"]
    finally:
        local_data_api.clear_faults()


def test_fault_injection_over_http_spares_commit(
    local_data_api: LocalDataApi, rds_data: RDSDataServiceClient, arns: Arns
) -> None:
    tx = rds_data.begin_transaction(**arns)["transactionId"]
    try:
        # When a fault is injected through the HTTP control
        assert post_faults(local_data_api.endpoint_url, {"DatabaseResumingException": 1}) == {
            "DatabaseResumingException": 1
        }
        # Then commit (whose model has no DatabaseResumingException) is not affected
        answer = rds_data.commit_transaction(transactionId=tx, **arns)
        assert answer["transactionStatus"] == "Transaction Committed"
        # and the next statement takes the fault
        with pytest.raises(rds_data.exceptions.DatabaseResumingException):
            rds_data.execute_statement(sql="SELECT 1", **arns)
    finally:
        local_data_api.clear_faults()


@pytest.mark.parametrize(
    ("faults", "says"),
    [
        ({"Nope": 1}, "unknown fault code 'Nope'"),
        ({"DatabaseResumingException": "two"}, "must be a non-negative integer"),
        ({"DatabaseResumingException": True}, "must be a non-negative integer"),
    ],
)
def test_a_bad_fault_request_is_a_400_naming_the_problem(
    local_data_api: LocalDataApi, faults: dict[str, Any], says: str
) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        post_faults(local_data_api.endpoint_url, faults)
    assert refused.value.code == 400
    body = json.loads(refused.value.read())
    assert body["code"] == "BadRequestException"
    assert says in body["message"]
    # and nothing was armed by the refused request
    assert post_faults(local_data_api.endpoint_url, {}) == {}


def test_boto3_does_not_retry_a_resuming_database_by_itself(
    local_data_api: LocalDataApi, arns: Arns
) -> None:
    # DatabaseResumingException is a 400, so boto3 does not retry it by itself: callers must.
    client = boto3.client(
        "rds-data",
        endpoint_url=local_data_api.endpoint_url,
        config=Config(retries={"max_attempts": 3, "mode": "standard"}),
    )
    local_data_api.inject_resuming(1)
    try:
        with pytest.raises(client.exceptions.DatabaseResumingException):
            client.execute_statement(sql="SELECT 1", **arns)
    finally:
        local_data_api.clear_faults()


def test_concurrent_callers_are_served_in_parallel(
    local_data_api: LocalDataApi, arns: Arns
) -> None:
    # Given eight callers, each with its own client, each running a 0.3 s statement
    clients = [boto3.client("rds-data", endpoint_url=local_data_api.endpoint_url) for _ in range(8)]
    errors: list[BaseException] = []

    def call(client: RDSDataServiceClient) -> None:
        try:
            client.execute_statement(sql="SELECT pg_sleep(0.3)", **arns)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=call, args=(c,)) for c in clients]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    # Then all succeed, sooner than one after another could (2.4 s)
    assert errors == []
    assert elapsed < 2.0


def test_another_database_is_reached_and_a_missing_one_refused(execute: Execute) -> None:
    assert execute("SELECT current_database()", database="postgres")["records"] == [
        [{"stringValue": "postgres"}]
    ]
    with pytest.raises(Exception, match='FATAL: database "no_such_db" does not exist') as caught:
        execute("SELECT 1", database="no_such_db")
    assert type(caught.value).__name__ == "DatabaseErrorException"


def test_keep_alive_serves_many_calls_on_one_connection_and_honours_close(
    local_data_api: LocalDataApi, arns: Arns
) -> None:
    url = urlsplit(local_data_api.endpoint_url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    body = json.dumps({"sql": "SELECT 1", **arns}).encode()
    try:
        for _ in range(3):
            conn.request("POST", "/Execute", body)
            response = conn.getresponse()
            assert response.status == 200
            assert json.loads(response.read())["records"] == [[{"longValue": 1}]]
        conn.request("POST", "/Execute", body, {"Connection": "close"})
        response = conn.getresponse()
        assert response.getheader("Connection") == "close"
        response.read()
    finally:
        conn.close()


def test_garbage_is_refused_without_harm(local_data_api: LocalDataApi, arns: Arns) -> None:
    status, headers, _ = raw_post(local_data_api, "/Execute", b"not json")
    assert (status, headers["x-amzn-ErrorType"]) == (400, "BadRequestException")
    status, headers, _ = raw_post(local_data_api, "/NoSuchOperation", b"{}")
    assert (status, headers["x-amzn-ErrorType"]) == (404, "NotFoundException")
    # and the endpoint still answers
    status, _, _ = raw_post(
        local_data_api, "/Execute", json.dumps({"sql": "SELECT 1", **arns}).encode()
    )
    assert status == 200
