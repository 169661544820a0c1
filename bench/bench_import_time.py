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


def _time(statement: str) -> tuple[float, float]:
    """(wall, cpu) seconds of `statement` in a fresh interpreter."""
    program = (
        "import time; w, c = time.perf_counter(), time.process_time(); "
        f"{statement}; "
        "print(time.perf_counter() - w, time.process_time() - c)"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter, constant programs
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    wall, cpu = done.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def main() -> None:
    # CPU time is the steadier figure on a busy machine; wall time is what a cold start pays.
    print(f"median of {RUNS} fresh interpreters, ms: wall (min-max), cpu")
    for label, statement in _SNIPPETS.items():
        runs = [_time(statement) for _ in range(RUNS)]
        wall = [w * 1000 for w, _ in runs]
        cpu = [c * 1000 for _, c in runs]
        print(
            f"  {label:<45} {statistics.median(wall):7.1f}"
            f" ({min(wall):.1f}-{max(wall):.1f})  cpu {statistics.median(cpu):7.1f}"
        )


if __name__ == "__main__":
    main()
