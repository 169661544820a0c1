"""What the CLI supplies for a local endpoint, and how it refuses one where nothing answers."""

from __future__ import annotations

import socket

import pytest
from alex_data_dev import endpoint


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::1]", "127.0.0.2"])
def test_a_loopback_endpoint_gets_a_region_and_dummy_credentials(host: str) -> None:
    env = {"AWS_ENDPOINT_URL_RDS_DATA": f"http://{host}:8080"}
    note = endpoint.supply_local_defaults(env)
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert env["AWS_ACCESS_KEY_ID"] == env["AWS_SECRET_ACCESS_KEY"] == "local"
    assert note is not None
    assert "region us-east-1 and dummy credentials" in note


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"AWS_ENDPOINT_URL_RDS_DATA": "https://rds-data.eu-west-1.amazonaws.com"},
        {"AWS_ENDPOINT_URL_RDS_DATA": "http://10.0.0.5:8080"},
        {"AWS_ENDPOINT_URL": "http://data-api.internal:8080"},
    ],
)
def test_a_real_endpoint_gets_nothing_defaulted(env: dict[str, str]) -> None:
    before = dict(env)
    assert endpoint.supply_local_defaults(env) is None
    assert env == before


def test_what_the_environment_sets_is_kept_and_only_the_rest_supplied() -> None:
    env = {"AWS_ENDPOINT_URL_RDS_DATA": "http://127.0.0.1:8080", "AWS_REGION": "eu-west-1"}
    note = endpoint.supply_local_defaults(env)
    assert "AWS_DEFAULT_REGION" not in env
    assert note is not None
    assert "using dummy credentials" in note
    env2 = {**env, "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"}
    assert endpoint.supply_local_defaults(env2) is None
    assert env2["AWS_ACCESS_KEY_ID"] == "AKIA"


def test_a_closed_port_is_unreachable_and_an_open_one_is_not() -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        url = f"http://127.0.0.1:{listening.getsockname()[1]}"
        assert endpoint.unreachable(url) is None
    why = endpoint.unreachable(url)
    assert why is not None
    message = endpoint.unreachable_message(url, why)
    assert message.startswith(f"nothing answers at {url}")
    assert "`alex-data serve`" in message


def test_missing_configuration_names_the_variables_and_the_next_step() -> None:
    assert endpoint.missing_configuration({"AURORA_CLUSTER_ARN": "arn"}) == ["AURORA_SECRET_ARN"]
    assert (
        endpoint.missing_configuration({"AURORA_CLUSTER_ARN": "a", "AURORA_SECRET_ARN": "b"}) == []
    )
    message = endpoint.missing_message(["AURORA_CLUSTER_ARN", "AURORA_SECRET_ARN"])
    assert message.startswith("AURORA_CLUSTER_ARN and AURORA_SECRET_ARN are not set")
    assert "`alex-data serve`" in message
