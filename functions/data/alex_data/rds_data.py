"""The rds-data client: the only place an AWS client is built (botocore's, never boto3's).

`DataApiClient` is the four requests the gateway sends, typed as `boto3-stubs[rds-data]` types
`RDSDataServiceClient`, so the real client is one and so is a test's fake, without a cast. The
stubs are imported for type checking only: the Lambda package does not carry them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeGuard

from botocore.exceptions import BotoCoreError

from alex_data.settings import SettingsError

if TYPE_CHECKING:
    from typing import Unpack

    from botocore.client import BaseClient
    from mypy_boto3_rds_data.type_defs import (
        BeginTransactionRequestTypeDef,
        BeginTransactionResponseTypeDef,
        CommitTransactionRequestTypeDef,
        CommitTransactionResponseTypeDef,
        ExecuteStatementRequestTypeDef,
        ExecuteStatementResponseTypeDef,
        RollbackTransactionRequestTypeDef,
        RollbackTransactionResponseTypeDef,
    )

__all__ = ["DataApiClient", "data_api_client_factory"]


class DataApiClient(Protocol):
    """The four requests of boto3's rds-data client the gateway sends, as its stubs type them:
    the real client is one, and so is a test's fake."""

    def execute_statement(
        self, **kwargs: Unpack[ExecuteStatementRequestTypeDef]
    ) -> ExecuteStatementResponseTypeDef: ...

    def begin_transaction(
        self, **kwargs: Unpack[BeginTransactionRequestTypeDef]
    ) -> BeginTransactionResponseTypeDef: ...

    def commit_transaction(
        self, **kwargs: Unpack[CommitTransactionRequestTypeDef]
    ) -> CommitTransactionResponseTypeDef: ...

    def rollback_transaction(
        self, **kwargs: Unpack[RollbackTransactionRequestTypeDef]
    ) -> RollbackTransactionResponseTypeDef: ...


def data_api_client_factory() -> Callable[[], DataApiClient]:
    """What makes rds-data clients for this container: one botocore session, a client per call.

    botocore's session makes the same client boto3.client() would, without importing boto3
    (~14 ms of a cold start: its resource and docs machinery, unused here); imported here so
    that importing the package stays cheap and offline. The session keeps the loaded service
    model and the client class, so a second client costs ~2 ms instead of ~40 ms.
    """
    from botocore.config import Config
    from botocore.session import get_session

    session = get_session()
    # botocore's own retries are off: the gateway retries within the invocation's deadline and
    # counts every request. A statement may run up to the Data API's 45 s.
    config = Config(
        retries={"total_max_attempts": 1, "mode": "standard"},
        connect_timeout=5,
        read_timeout=50,
        tcp_keepalive=True,
    )

    def new_client() -> DataApiClient:
        try:
            client = session.create_client("rds-data", config=config)
        except BotoCoreError as exc:  # e.g. no region configured
            raise SettingsError(f"cannot build the Data API client: {exc}") from exc
        if not _is_rds_data(client):
            raise SettingsError(f"botocore built a {client.meta.service_model.service_name} client")
        return client

    return new_client


def _is_rds_data(client: BaseClient) -> TypeGuard[DataApiClient]:
    # botocore's stubs type every client as BaseClient; the service model says which it is.
    return bool(client.meta.service_model.service_name == "rds-data")
