"""A program run in a fresh interpreter, as a new Lambda environment would import and run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

# What a Lambda environment sets for itself, or the tests set for the handler: a fresh
# interpreter starts without them, and a case passes the ones it means.
_NOT_INHERITED = ("AWS_", "AURORA_", "POWERTOOLS_", "LAMBDA_TASK_ROOT")


def run_fresh(program: str, **env: str) -> dict[str, Any]:
    """Run `program`, whose last line of output is JSON, and answer that JSON."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(_NOT_INHERITED)}
    done = subprocess.run(  # noqa: S603 - our own interpreter, the tests' own programs
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        env=inherited | {"POWERTOOLS_LOG_LEVEL": "WARNING"} | env,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result
