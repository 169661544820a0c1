"""A local RDS Data API over real PostgreSQL: stock boto3 `rds-data` talks to it as to Aurora."""

from alex_data_dev.local_data_api.api import (
    CLUSTER_ARN,
    SECRET_ARN,
    LocalDataApi,
    post_faults,
    post_latency,
    served_calls,
)

__all__ = [
    "CLUSTER_ARN",
    "SECRET_ARN",
    "LocalDataApi",
    "post_faults",
    "post_latency",
    "served_calls",
]
