"""`alex-data migrate`: apply the packaged SQL migrations over the Data API the environment names.

The same runner the deployed migration function uses, through the same gateway: the target is
`AURORA_CLUSTER_ARN`, `AURORA_SECRET_ARN`, `AURORA_DATABASE` and, for the local endpoint,
`AWS_ENDPOINT_URL_RDS_DATA` (see `alex_data_dev.endpoint` for what a loopback endpoint gets
supplied and how an endpoint that does not answer is refused). Prints each file applied (or
that the database is up to date) and the number of Data API requests made. Exit status 0 on
success, 1 on a configuration or database error (one line on stderr, with the next step).
"""

from __future__ import annotations

import argparse
import sys
import time

from alex_data.gateway import get_gateway
from alex_data.migrate import apply_migrations
from alex_schemas.errors import DataError

from alex_data_dev import endpoint

__all__ = ["run"]


def _say(message: str) -> None:
    print(f"alex-data migrate: {message}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    missing = endpoint.missing_configuration()
    if missing:
        _say(endpoint.missing_message(missing))
        return 1
    url = endpoint.endpoint_url()
    why = endpoint.unreachable(url) if url is not None else None
    if url is not None and why is not None:
        _say(endpoint.unreachable_message(url, why))
        return 1
    note = endpoint.supply_local_defaults()
    if note:
        _say(note)
    started = time.perf_counter()
    try:
        gateway = get_gateway()
        applied = apply_migrations(gateway.session())
    except DataError as exc:
        cause = f" ({exc.detail})" if exc.detail else ""
        _say(f"{exc.code}: {exc.message}{cause}")
        return 1
    for name in applied:
        print(f"applied {name}")
    if not applied:
        print("up to date: no migration to apply")
    elapsed = time.perf_counter() - started
    print(f"{gateway.calls} Data API requests in {elapsed:.2f}s")
    return 0
