"""Fixtures shared by the tiers that run against the local Data API over real PostgreSQL
(integration, reliability): one endpoint for the whole test session, whichever tiers run."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from alex_data.gateway import Gateway
from alex_data.migrate import apply_migrations
from alex_data.settings import Settings
from alex_data_dev.environment import activate_endpoint
from alex_data_dev.local_data_api import LocalDataApi

if TYPE_CHECKING:
    from mypy_boto3_rds_data import RDSDataServiceClient


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long",
        action="store_true",
        default=False,
        help="reliability tier: longer storms, more concurrent writers, more rounds",
    )


@pytest.fixture(scope="session")
def local_data_api() -> Iterator[LocalDataApi]:
    """The endpoint, the one PostgreSQL of the test run, with the function pointed at it for the
    session (its env() in os.environ, restored afterwards). A test that needs an endpoint of
    other limits, or a database of its own, opens a `LocalDataApi(dsn=local_data_api.dsn, ...)`
    on the same server."""
    with LocalDataApi() as api, activate_endpoint(api.env()):
        yield api


@pytest.fixture(scope="session")
def rds_data(local_data_api: LocalDataApi) -> RDSDataServiceClient:
    """A stock boto3 `rds-data` client pointed at the endpoint; no retries, so tests see each
    error as the endpoint answered it."""
    return local_data_api.client()


@pytest.fixture(scope="session")
def migrated(local_data_api: LocalDataApi, rds_data: RDSDataServiceClient) -> Gateway:
    """A gateway on the endpoint whose database has every migration applied (once a session)."""
    settings = Settings.from_environment(local_data_api.env())
    gateway = Gateway.from_settings(rds_data, settings)
    apply_migrations(gateway.session())
    return gateway
