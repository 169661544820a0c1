"""`alex-data serve --sam-env-vars`: the host name written is the one the engine's containers
resolve, and the printed `sam local invoke` command is the one that works with it."""

from __future__ import annotations

from pathlib import Path

import pytest
from alex_data_dev import serve


@pytest.mark.parametrize(
    ("environ", "installed", "engine"),
    [
        ({"DOCKER_HOST": "unix:///run/podman/podman.sock"}, {"docker", "podman"}, "podman"),
        ({"DOCKER_HOST": "unix:///work/.tools/podman/podman.sock"}, set(), "podman"),
        ({"DOCKER_HOST": "unix:///var/run/docker.sock"}, {"podman"}, "docker"),
        ({}, {"podman"}, "podman"),
        ({}, {"docker", "podman"}, "docker"),
        ({}, set(), "docker"),
    ],
)
def test_the_engine_is_podman_where_its_socket_or_only_it_is_there(
    monkeypatch: pytest.MonkeyPatch, environ: dict[str, str], installed: set[str], engine: str
) -> None:
    monkeypatch.setattr(
        "shutil.which", lambda name: f"/usr/bin/{name}" if name in installed else None
    )

    assert serve.container_engine(environ) == engine


def test_docker_on_linux_is_told_where_host_docker_internal_is() -> None:
    command = serve.sam_invoke_command(Path("local/env.json"), serve.DOCKER_HOST)

    assert "--env-vars local/env.json" in command
    assert command.endswith("--add-host host.docker.internal:host-gateway")


def test_podman_resolves_its_own_host_name_and_uses_the_local_image() -> None:
    command = serve.sam_invoke_command(Path("local/env.json"), serve.PODMAN_HOST)

    assert "--add-host" not in command
    assert command.endswith("--skip-pull-image")
