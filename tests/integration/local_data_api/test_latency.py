"""Added latency: every Data API call answered N ms late, as over HTTPS to Aurora."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from alex_data_dev.cli import build_parser
from alex_data_dev.local_data_api import LocalDataApi, post_latency

if TYPE_CHECKING:
    from mypy_boto3_rds_data import RDSDataServiceClient

# Large against this machine's own cost per call (about 1 ms), so the bounds below hold on a
# busy machine too.
LATENCY_MS = 150.0


def _client(api: LocalDataApi) -> RDSDataServiceClient:
    client: RDSDataServiceClient = boto3.client(
        "rds-data",
        endpoint_url=api.endpoint_url,
        region_name=api.region,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return client


def _seconds_per_call(api: LocalDataApi, client: RDSDataServiceClient, calls: int = 3) -> float:
    client.execute_statement(resourceArn=api.cluster_arn, secretArn=api.secret_arn, sql="SELECT 1")
    started = time.perf_counter()
    for _ in range(calls):
        client.execute_statement(
            resourceArn=api.cluster_arn, secretArn=api.secret_arn, sql="SELECT 1"
        )
    return (time.perf_counter() - started) / calls


def test_every_call_pays_the_latency_and_it_can_change_while_serving(
    local_data_api: LocalDataApi,
) -> None:
    # Given an endpoint started with an added latency
    with LocalDataApi(dsn=local_data_api.dsn, latency_ms=LATENCY_MS) as api:
        client = _client(api)
        # Then each call takes at least that long
        slow = _seconds_per_call(api, client)
        print(f"\n{LATENCY_MS:g} ms added: {slow * 1000:.1f} ms a call")
        assert slow >= LATENCY_MS / 1000
        # And an error answer pays it too
        started = time.perf_counter()
        with pytest.raises(client.exceptions.DatabaseErrorException):
            client.execute_statement(
                resourceArn=api.cluster_arn, secretArn=api.secret_arn, sql="SELEC 1"
            )
        assert time.perf_counter() - started >= LATENCY_MS / 1000
        # When a test lowers it in process, or a caller over HTTP
        api.latency_ms = 0
        fast = _seconds_per_call(api, client)
        assert fast < LATENCY_MS / 1000
        assert post_latency(api.endpoint_url, LATENCY_MS) == LATENCY_MS
        assert api.latency_ms == LATENCY_MS
        assert _seconds_per_call(api, client, calls=1) >= LATENCY_MS / 1000
        print(f"0 ms added: {fast * 1000:.1f} ms a call")


def test_the_control_calls_refuse_a_negative_latency(local_data_api: LocalDataApi) -> None:
    request = urllib.request.Request(  # noqa: S310 - our own http endpoint
        f"{local_data_api.endpoint_url}/_local/latency",
        data=json.dumps({"latency_ms": -5}).encode(),
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)  # noqa: S310
    assert refused.value.code == 400
    assert "non-negative" in json.loads(refused.value.read())["message"]
    assert local_data_api.latency_ms == 0
    with pytest.raises(ValueError, match="non-negative"):
        LocalDataApi(latency_ms=-1)


def test_serve_takes_latency_ms() -> None:
    assert build_parser().parse_args(["serve", "--latency-ms", "20"]).latency_ms == 20.0
    done = subprocess.run(  # noqa: S603 - our own console script
        [str(Path(sys.executable).parent / "alex-data"), "serve", "--latency-ms", "-3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "--latency-ms" in done.stderr


def test_serve_answers_every_call_late(tmp_path: Path) -> None:
    # Given `alex-data serve --latency-ms N` started as a user would
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [
            str(Path(sys.executable).parent / "alex-data"),
            *("serve", "--port", "0", "--latency-ms", f"{LATENCY_MS:g}"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        exports: dict[str, str] = {}
        while (line := process.stdout.readline()) and not line.startswith("READY"):
            name, _, value = line.removeprefix("export ").strip().partition("=")
            exports[name] = value
        assert line.startswith("READY"), exports
        client = boto3.client(
            "rds-data",
            endpoint_url=exports["AWS_ENDPOINT_URL_RDS_DATA"],
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        )
        cluster, secret = exports["AURORA_CLUSTER_ARN"], exports["AURORA_SECRET_ARN"]
        client.execute_statement(resourceArn=cluster, secretArn=secret, sql="SELECT 1")
        # Then a call takes at least N ms
        started = time.perf_counter()
        client.execute_statement(resourceArn=cluster, secretArn=secret, sql="SELECT 1")
        assert time.perf_counter() - started >= LATENCY_MS / 1000
    finally:
        process.terminate()
        process.wait(timeout=30)
        assert process.stdout is not None
        process.stdout.close()
