"""Helpers for the endpoint's own tests: a call with the ARNs filled in, a scratch schema."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypedDict

import pytest
from alex_data_dev.local_data_api import LocalDataApi

if TYPE_CHECKING:
    from mypy_boto3_rds_data import RDSDataServiceClient

Execute = Callable[..., dict[str, Any]]


class Arns(TypedDict):
    resourceArn: str
    secretArn: str


@pytest.fixture(scope="session")
def arns(local_data_api: LocalDataApi) -> Arns:
    return Arns(resourceArn=local_data_api.cluster_arn, secretArn=local_data_api.secret_arn)


@pytest.fixture(scope="session")
def execute(rds_data: RDSDataServiceClient, arns: Arns) -> Execute:
    """execute(sql, **kwargs): ExecuteStatement with the ARNs filled in; `params` takes
    {name: Field} (or (Field, typeHint)) for brevity."""

    def call(sql: str, params: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
        if params is not None:
            kwargs["parameters"] = [_param(name, value) for name, value in params.items()]
        answer = rds_data.execute_statement(sql=sql, **arns, **kwargs)
        return dict(answer)

    return call


def _param(name: str, value: Any) -> dict[str, Any]:
    if isinstance(value, tuple):
        field, hint = value
        return {"name": name, "value": field, "typeHint": hint}
    return {"name": name, "value": value}


@pytest.fixture
def table(execute: Execute) -> Iterator[str]:
    """A fresh table name in a scratch schema, dropped after the test."""
    execute("CREATE SCHEMA IF NOT EXISTS lda_scratch")
    name = f"lda_scratch.t_{uuid.uuid4().hex[:12]}"
    yield name
    execute(f"DROP TABLE IF EXISTS {name}")
