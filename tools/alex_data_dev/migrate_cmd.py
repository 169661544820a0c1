"""`alex-data migrate`: apply the packaged SQL migrations over the Data API the environment names.

The same runner the deployed migration function uses, through the same gateway: the target is
`AURORA_CLUSTER_ARN`, `AURORA_SECRET_ARN`, `AURORA_DATABASE` and, for the local endpoint,
`AWS_ENDPOINT_URL_RDS_DATA`. Prints each file applied (or that the database is up to date) and
the number of Data API requests made. Exit status 0 on success, 1 on a configuration or
database error (its message on stderr).
"""

from __future__ import annotations

import argparse
import sys
import time

from alex_data.errors import DataError
from alex_data.gateway import get_gateway
from alex_data.migrate import apply_migrations

__all__ = ["run"]


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    try:
        gateway = get_gateway()
        applied = apply_migrations(gateway)
    except DataError as exc:
        cause = f" ({exc.__cause__})" if exc.__cause__ is not None else ""
        print(f"alex-data migrate: {exc.code}: {exc.message}{cause}", file=sys.stderr)
        return 1
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print("up to date: no migration to apply")
    elapsed = time.perf_counter() - started
    print(f"{gateway.calls} Data API requests in {elapsed:.2f}s")
    return 0
