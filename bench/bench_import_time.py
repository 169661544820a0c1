"""Cold-start cost of the layer: `import alex_schemas` in a fresh interpreter, without the
client, against pydantic's own import, plus the first event parse (builds the union's
validator) and the client import (boto3) for comparison."""

from __future__ import annotations

import statistics
import subprocess
import sys

RUNS = 15

# Each snippet prints seconds spent in the measured statement, in a fresh interpreter.
_SNIPPETS = {
    "pydantic BaseModel + TypeAdapter (baseline)": "from pydantic import BaseModel, TypeAdapter",
    "import alex_schemas": "import alex_schemas",
    "import alex_schemas + first parse_event": (
        "import alex_schemas; "
        "alex_schemas.parse_event({'type': 'GetPortfolio', 'clerk_user_id': 'u'})"
    ),
    "import alex_schemas.sqs (powertools parser)": "import alex_schemas.sqs",
    "import alex_schemas.client + boto3 client": (
        "import alex_schemas.client; import boto3; boto3.client('lambda', region_name='us-east-1')"
    ),
}


def _time(statement: str) -> float:
    program = f"import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"
    done = subprocess.run(  # noqa: S603 - our own interpreter, constant programs
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    print(f"median (min-max) of {RUNS} fresh interpreters, milliseconds")
    for label, statement in _SNIPPETS.items():
        samples = [_time(statement) * 1000 for _ in range(RUNS)]
        print(
            f"  {label:<45} {statistics.median(samples):7.1f}"
            f"  ({min(samples):.1f}-{max(samples):.1f})"
        )


if __name__ == "__main__":
    main()
