"""Integration tier: the endpoint's fixtures (`local_data_api`, `rds_data`, `migrated`) are in
tests/conftest.py, shared with the reliability tier."""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.path).startswith(here):
            item.add_marker(pytest.mark.integration)
