"""The endpoint answers stock boto3 as Aurora would: a first pass over the main paths."""

from __future__ import annotations

from typing import TYPE_CHECKING

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
