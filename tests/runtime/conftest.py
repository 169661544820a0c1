"""Runtime tier: the `sam build` artifact under the Lambda Runtime Interface Emulator.

The function is built for this machine's architecture from the one template (reused while the
sources are unchanged), started by the RIE the SAM CLI bundles with AWS's runtime interface
client, and aimed at the session's local Data API. Needs `.tools/sam` (`make test` installs it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from alex_data.gateway import Gateway
from alex_data_dev.artifact import SAM, Artifact, build
from alex_data_dev.local_data_api import LocalDataApi
from alex_data_dev.runtime import Emulator

# What the tier saw (architecture, INIT REPORT, warm invokes), for the closing summary line.
SEEN: dict[str, str] = {}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.runtime)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SEEN:
        terminalreporter.write_line(
            "runtime tier (built artifact under the host RIE): "
            + ", ".join(f"{name} {value}" for name, value in SEEN.items())
        )


@pytest.fixture(scope="session")
def artifact() -> Artifact:
    if not SAM.exists():
        pytest.skip("no SAM CLI in .tools/sam: `make sam-install` (make test runs it)")
    return build()


@pytest.fixture(scope="session")
def function(
    artifact: Artifact, local_data_api: LocalDataApi, migrated: Gateway
) -> Iterator[Emulator]:
    """The function under the RIE, on the session's migrated database; cold until first used."""
    SEEN["architecture"] = artifact.architecture
    with Emulator(artifact, local_data_api.env()) as emulator:
        yield emulator
