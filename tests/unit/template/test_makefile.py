"""The Makefile as a newcomer meets it: a missing Python 3.13 is named with the way to get it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - make with fixed arguments
        ["make", "--no-print-directory", *args],  # noqa: S607
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("python", ["", "/nonexistent/python3.13"])
@pytest.mark.parametrize("goal", ["build", "sam-install"])
def test_a_missing_python_313_is_named_with_how_to_get_it(goal: str, python: str) -> None:
    done = make(goal, f"PYTHON313={python}")
    assert done.returncode != 0
    assert "-m: command not found" not in done.stderr
    assert "Python 3.13 not found" in done.stderr
    assert "pyenv install 3.13.0" in done.stderr
    assert f"make {goal} PYTHON313=" in done.stderr


def test_keep_and_the_request_log_reach_the_commands() -> None:
    run = make("-n", "run", "KEEP=1")
    assert "alex_data_dev.main_job --keep" in run.stdout
    assert "--keep" not in make("-n", "run").stdout
    assert "alex-data serve --port 8080 --log-requests" in make("-n", "serve").stdout
