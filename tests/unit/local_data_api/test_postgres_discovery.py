"""Where `alex-data serve` finds PostgreSQL: PATH first, then Debian's versioned directory."""

from __future__ import annotations

from pathlib import Path

import pytest
from alex_data_dev import postgres


def _fake_server(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("initdb", "postgres"):
        program = directory / name
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)


def test_binaries_on_path_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_server(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    found = postgres.find_server_binaries()
    assert (found.initdb, found.postgres, found.source) == (
        tmp_path / "bin" / "initdb",
        tmp_path / "bin" / "postgres",
        "PATH",
    )


def test_initdb_alone_on_path_is_not_enough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given PATH with initdb but no postgres
    _fake_server(tmp_path / "bin")
    (tmp_path / "bin" / "postgres").unlink()
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    # Then the search goes on past PATH
    try:
        found = postgres.find_server_binaries()
    except postgres.PostgresNotFoundError:
        return  # nothing else on this machine: also right
    assert found.source != "PATH"


@pytest.mark.skipif(
    not list(Path("/usr/lib/postgresql").glob("*/bin/postgres")), reason="no Debian PostgreSQL"
)
def test_highest_debian_version_is_next(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH
    highest = max(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3])
    )
    found = postgres.find_server_binaries()
    assert found.postgres == highest
    assert found.source == str(highest.parent)
