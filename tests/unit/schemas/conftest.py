"""Fixtures for the client tests."""

from __future__ import annotations

import pytest
from alex_schemas.transports import FUNCTION_NAME_ENV, QUEUE_URL_ENV


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and a region for boto3, and no function or queue configured."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv(FUNCTION_NAME_ENV, raising=False)
    monkeypatch.delenv(QUEUE_URL_ENV, raising=False)
