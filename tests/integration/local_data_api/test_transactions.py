"""Transactions: one connection per transactionId, Aurora's statuses, refusals, idle rollback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from alex_data_dev.local_data_api import LocalDataApi

from tests.integration.local_data_api.conftest import Arns, Execute

if TYPE_CHECKING:
    from mypy_boto3_rds_data import RDSDataServiceClient


def count(execute: Execute, table: str) -> int:
    value: int = execute(f"SELECT count(*) FROM {table}")["records"][0][0]["longValue"]
    return value


def test_commit_makes_changes_visible_and_answers_transaction_committed(
    rds_data: RDSDataServiceClient, arns: Arns, execute: Execute, table: str
) -> None:
    execute(f"CREATE TABLE {table} (id int)")
    # Given a transaction with an insert
    tx = rds_data.begin_transaction(**arns)["transactionId"]
    execute(f"INSERT INTO {table} VALUES (1)", transactionId=tx)
    # Then others do not see it yet, while the transaction does
    assert count(execute, table) == 0
    inside = execute(f"SELECT count(*) FROM {table}", transactionId=tx)
    assert inside["records"] == [[{"longValue": 1}]]
    # When committed
    answer = rds_data.commit_transaction(transactionId=tx, **arns)
    # Then Aurora's status comes back and everyone sees the row
    assert answer["transactionStatus"] == "Transaction Committed"
    assert count(execute, table) == 1


def test_rollback_discards_and_answers_rollback_complete(
    rds_data: RDSDataServiceClient, arns: Arns, execute: Execute, table: str
) -> None:
    execute(f"CREATE TABLE {table} (id int)")
    tx = rds_data.begin_transaction(**arns)["transactionId"]
    execute(f"INSERT INTO {table} VALUES (1)", transactionId=tx)
    answer = rds_data.rollback_transaction(transactionId=tx, **arns)
    assert answer["transactionStatus"] == "Rollback Complete"
    assert count(execute, table) == 0


def test_a_transaction_keeps_its_own_connection(
    rds_data: RDSDataServiceClient, arns: Arns, execute: Execute
) -> None:
    # Given two transactions, each with a transaction-local setting
    first = rds_data.begin_transaction(**arns)["transactionId"]
    second = rds_data.begin_transaction(**arns)["transactionId"]
    execute("SELECT set_config('lda.mark', 'first', true)", transactionId=first)
    execute("SELECT set_config('lda.mark', 'second', true)", transactionId=second)
    # When each reads it back after the other wrote
    for tx, mark in ((first, "first"), (second, "second"), (first, "first")):
        answer = execute("SELECT current_setting('lda.mark')", transactionId=tx)
        # Then each sees its own: every statement ran on the transaction's connection
        assert answer["records"] == [[{"stringValue": mark}]]
    for tx in (first, second):
        rds_data.rollback_transaction(transactionId=tx, **arns)


def test_batch_inside_a_transaction_is_rolled_back_with_it(
    rds_data: RDSDataServiceClient, arns: Arns, execute: Execute, table: str
) -> None:
    execute(f"CREATE TABLE {table} (id int)")
    tx = rds_data.begin_transaction(**arns)["transactionId"]
    rds_data.batch_execute_statement(
        sql=f"INSERT INTO {table} VALUES (:id)",
        parameterSets=[[{"name": "id", "value": {"longValue": i}}] for i in range(2)],
        transactionId=tx,
        **arns,
    )
    rds_data.rollback_transaction(transactionId=tx, **arns)
    assert count(execute, table) == 0


@pytest.mark.parametrize("end", ["commit_transaction", "rollback_transaction"])
def test_unknown_or_finished_transaction_is_refused(
    rds_data: RDSDataServiceClient, arns: Arns, execute: Execute, end: str
) -> None:
    # Given a finished transaction and one that never existed
    finished = rds_data.begin_transaction(**arns)["transactionId"]
    getattr(rds_data, end)(transactionId=finished, **arns)
    for tx in (finished, "bm90LWEtdHJhbnNhY3Rpb24="):
        # Then statements, commits and rollbacks on them are refused
        with pytest.raises(rds_data.exceptions.TransactionNotFoundException):
            execute("SELECT 1", transactionId=tx)
        with pytest.raises(rds_data.exceptions.TransactionNotFoundException):
            rds_data.commit_transaction(transactionId=tx, **arns)
        with pytest.raises(rds_data.exceptions.TransactionNotFoundException):
            rds_data.rollback_transaction(transactionId=tx, **arns)


def test_commit_of_a_failed_transaction_is_an_error_not_a_silent_rollback(
    rds_data: RDSDataServiceClient, arns: Arns, execute: Execute, table: str
) -> None:
    execute(f"CREATE TABLE {table} (id int PRIMARY KEY)")
    tx = rds_data.begin_transaction(**arns)["transactionId"]
    execute(f"INSERT INTO {table} VALUES (1)", transactionId=tx)
    with pytest.raises(rds_data.exceptions.DatabaseErrorException):
        execute(f"INSERT INTO {table} VALUES (1)", transactionId=tx)
    with pytest.raises(rds_data.exceptions.DatabaseErrorException, match="ROLLBACK"):
        rds_data.commit_transaction(transactionId=tx, **arns)
    assert count(execute, table) == 0


@pytest.fixture
def short_lived(local_data_api: LocalDataApi) -> Iterator[LocalDataApi]:
    """A second endpoint on the same PostgreSQL with a 0.5 s idle transaction timeout."""
    with LocalDataApi(dsn=local_data_api.dsn, transaction_timeout=0.5) as api:
        yield api


def test_idle_transaction_is_rolled_back_after_the_timeout(
    short_lived: LocalDataApi, execute: Execute, table: str
) -> None:
    client = boto3.client(
        "rds-data",
        endpoint_url=short_lived.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    arns = Arns(resourceArn=short_lived.cluster_arn, secretArn=short_lived.secret_arn)
    execute(f"CREATE TABLE {table} (id int)")
    # Given a transaction that inserted and then went idle past the timeout
    tx = client.begin_transaction(**arns)["transactionId"]
    client.execute_statement(sql=f"INSERT INTO {table} VALUES (1)", transactionId=tx, **arns)
    deadline = time.monotonic() + 5
    while short_lived.open_transactions() and time.monotonic() < deadline:
        time.sleep(0.1)
    # Then it is gone, and so is its insert
    with pytest.raises(client.exceptions.TransactionNotFoundException):
        client.commit_transaction(transactionId=tx, **arns)
    assert count(execute, table) == 0


def test_a_busy_transaction_still_ends_at_its_maximum_age(
    local_data_api: LocalDataApi, execute: Execute
) -> None:
    # Given an endpoint whose transactions may live 0.6 s (Aurora: 24 hours)
    with LocalDataApi(dsn=local_data_api.dsn, transaction_max_age=0.6) as api:
        client = boto3.client("rds-data", endpoint_url=api.endpoint_url)
        arns = Arns(resourceArn=api.cluster_arn, secretArn=api.secret_arn)
        started = time.monotonic()  # before the transaction begins: its age is at least ours
        tx = client.begin_transaction(**arns)["transactionId"]
        # When it is kept busy past that age
        ended_after = None
        while time.monotonic() - started < 5:
            try:
                client.execute_statement(sql="SELECT 1", transactionId=tx, **arns)
            except client.exceptions.TransactionNotFoundException:
                ended_after = time.monotonic() - started
                break
            time.sleep(0.05)
        # Then it was ended although it never sat idle, and not before its time
        assert ended_after is not None
        assert ended_after >= 0.6
        assert api.open_transactions() == 0
