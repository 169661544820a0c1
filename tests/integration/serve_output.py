"""Reading what `alex-data serve` (or `make run KEEP=1`) prints, as a user would paste it."""

from __future__ import annotations

import re
import subprocess
import threading
from typing import TYPE_CHECKING

import boto3
import pytest

if TYPE_CHECKING:
    from mypy_boto3_rds_data import RDSDataServiceClient

_EXPORT = re.compile(r"\s*export (\w+)=(\S+)\n")


def read_exports(
    process: subprocess.Popen[str], until: str = "READY", *, only_exports: bool = True
) -> tuple[dict[str, str], str]:
    """The `export NAME=value` lines printed before the line starting with `until`, and that
    line. With `only_exports`, any other line before it fails the test."""
    assert process.stdout is not None
    exports: dict[str, str] = {}
    # A process that never prints the line is killed, which ends the read instead of the run.
    watchdog = threading.Timer(120, process.kill)
    watchdog.start()
    try:
        while line := process.stdout.readline():
            if line.startswith(until):
                return exports, line
            match = _EXPORT.fullmatch(line)
            assert match or not only_exports, f"unexpected line before {until}: {line!r}"
            if match:
                exports[match.group(1)] = match.group(2)
    finally:
        watchdog.cancel()
    pytest.fail(f"no line starting {until!r}; got {exports}")


def rds_data_client(exports: dict[str, str]) -> RDSDataServiceClient:
    """A stock boto3 client aimed by the exports, as a machine without AWS configuration has it."""
    client: RDSDataServiceClient = boto3.client(
        "rds-data",
        endpoint_url=exports["AWS_ENDPOINT_URL_RDS_DATA"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return client
