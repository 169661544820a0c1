"""The endpoint answers stock boto3 as Aurora would: a first pass over the main paths."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import boto3
import pytest
from alex_data_dev.local_data_api import LocalDataApi

if TYPE_CHECKING:
    from mypy_boto3_rds_data import RDSDataServiceClient


def test_select_one_row(local_data_api: LocalDataApi, rds_data: RDSDataServiceClient) -> None:
    # When a caller selects a constant
    answer = rds_data.execute_statement(
        resourceArn=local_data_api.cluster_arn,
        secretArn=local_data_api.secret_arn,
        database=local_data_api.database,
        sql="SELECT 1 AS one",
    )
    # Then it comes back as a longValue, and nothing was updated
    assert answer["records"] == [[{"longValue": 1}]]
    assert answer["numberOfRecordsUpdated"] == 0


def test_sql_error_is_database_error(
    local_data_api: LocalDataApi, rds_data: RDSDataServiceClient
) -> None:
    with pytest.raises(rds_data.exceptions.DatabaseErrorException) as caught:
        rds_data.execute_statement(
            resourceArn=local_data_api.cluster_arn,
            secretArn=local_data_api.secret_arn,
            sql="SELECT no_such_column",
        )
    assert 'column "no_such_column" does not exist' in str(caught.value)


def test_env_alone_configures_a_stock_client(local_data_api: LocalDataApi) -> None:
    # Given only the environment the session fixture exported (endpoint, region, credentials)
    client = boto3.client("rds-data")
    # Then a client built with no arguments reaches the endpoint and the named database
    answer = client.execute_statement(
        resourceArn=os.environ["AURORA_CLUSTER_ARN"],
        secretArn=os.environ["AURORA_SECRET_ARN"],
        database=os.environ["AURORA_DATABASE"],
        sql="SELECT current_database()",
    )
    assert answer["records"] == [[{"stringValue": local_data_api.database}]]
    assert client.meta.endpoint_url == local_data_api.endpoint_url
