"""Reliability tier: the guarantees, through the real handler, against the local Data API over
real PostgreSQL (tests/conftest.py: `local_data_api`, `migrated`).

Each test records the figure it proves with `proves(...)`; they are printed together after
the run ("guarantees proven"), so `make test` shows them without `-s`. `pytest --long` runs
longer storms, more concurrent writers and more rounds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import pytest
from alex_data.gateway import Gateway
from alex_data.handler import build_handler
from alex_data.invocation import DataFunction
from alex_data.settings import Settings
from alex_data_dev.local_data_api import LocalDataApi
from alex_data_dev.testing import LocalLambdaContext, sqs_record
from alex_schemas.events import EVENT_TYPES, DataEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from tests.examples import Story
from tests.integration.function.conftest import DELETE_INSTRUMENTS, DELETE_USER

if TYPE_CHECKING:
    from mypy_boto3_rds_data import RDSDataServiceClient

# Events that never write: the rest of the union must leave the state as one delivery did.
READ_ONLY = frozenset(
    {"GetUser", "GetInstruments", "ListInstruments", "GetPortfolio", "GetJob", "ListJobs"}
)
WRITE_TYPES = frozenset(t.__name__ for t in EVENT_TYPES) - READ_ONLY

_FIGURES: list[str] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.reliability)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _FIGURES:
        terminalreporter.section("guarantees proven (tests/reliability)")
        for line in _FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture
def proves(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """proves("50 writers, 50 keys kept"): the figure this test shows, printed after the run."""

    def record(figure: str) -> None:
        line = f"{request.node.name}: {figure}"
        print(line)
        _FIGURES.append(line)

    return record


@dataclass(frozen=True)
class Scale:
    """How hard the tier pushes: the default keeps the tier well under two minutes."""

    long: bool
    writers: int  # concurrent agents on one row
    rounds: int  # repetitions of each concurrent race
    invocation_seconds: float  # the Lambda timeout the storms are measured against


@pytest.fixture(scope="session")
def scale(pytestconfig: pytest.Config) -> Scale:
    if pytestconfig.getoption("--long"):
        return Scale(long=True, writers=200, rounds=10, invocation_seconds=8.0)
    return Scale(long=False, writers=50, rounds=2, invocation_seconds=3.0)


def make_client(api: LocalDataApi) -> RDSDataServiceClient:
    """A client configured as the Lambda's own (botocore's retries off: the gateway retries),
    with room for many concurrent callers."""
    return api.client(max_pool_connections=256)


class Function:
    """The Lambda's handler over a gateway built as in Lambda (default retry policy), invoked
    with a context whose timeout the test chooses."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.handler = build_handler(database=lambda: gateway)
        # Powertools' Logger keeps per-invocation state in one place: concurrent callers share
        # the undecorated function, which is the same behaviour without the logging.
        self.undecorated = DataFunction(database=lambda: gateway)

    @staticmethod
    def _context(timeout_seconds: float) -> LambdaContext:
        return LocalLambdaContext(timeout_ms=int(timeout_seconds * 1000))

    def invoke(
        self, event: BaseModel | dict[str, Any], timeout_seconds: float = 30.0
    ) -> dict[str, Any]:
        """A direct invoke: the envelope, as JSON would carry it."""
        payload = event.model_dump(mode="json") if isinstance(event, BaseModel) else event
        answer = self.handler(payload, self._context(timeout_seconds))
        return cast(dict[str, Any], json.loads(json.dumps(answer)))

    def invoke_concurrently(self, event: BaseModel) -> dict[str, Any]:
        answer = self.undecorated(event.model_dump(mode="json"), self._context(30.0))
        return cast(dict[str, Any], answer)

    def batch(self, bodies: list[str], timeout_seconds: float = 30.0) -> list[int]:
        """An SQS batch, one record per body (each its own messageId); which records failed
        (indexes into `bodies`)."""
        records = [sqs_record(body) for body in bodies]
        answer = self.handler({"Records": records}, self._context(timeout_seconds))
        failed = {f["itemIdentifier"] for f in answer["batchItemFailures"]}
        return [n for n, record in enumerate(records) if record["messageId"] in failed]


@pytest.fixture
def function(migrated: Gateway, local_data_api: LocalDataApi) -> Iterator[Function]:
    settings = Settings.from_environment(local_data_api.env())
    yield Function(Gateway.from_settings(make_client(local_data_api), settings))
    local_data_api.clear_faults()


@pytest.fixture
def new_story(migrated: Gateway) -> Iterator[Callable[[], Story]]:
    """Stories (the examples rewritten to a fresh user, ids and symbols), removed afterwards."""
    told: list[Story] = []

    def make() -> Story:
        told.append(Story())
        return told[-1]

    yield make
    for story in told:
        migrated.session().execute(DELETE_USER, {"clerk_user_id": story.user})
        migrated.session().execute(DELETE_INSTRUMENTS, {"symbols": list(story.symbols.values())})


def writes(story: Story) -> list[tuple[str, DataEvent]]:
    """The story's events that write, in replay order (each succeeds on the state before)."""
    return [(name, event) for name, event in story.events() if event.type in WRITE_TYPES]
