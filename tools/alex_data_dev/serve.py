"""`alex-data serve`: the local Data API in the foreground until SIGINT or SIGTERM.

Prints shell `export` lines for the environment that reaches it, then a line starting with
READY; on a signal it stops the server and PostgreSQL and removes what it created. With
`--sam-env-vars PATH` it also writes the file `sam local invoke --env-vars PATH` takes, with
the endpoint as a container sees it (`--container-host`, by default host.docker.internal).
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

from alex_data_dev.local_data_api import LocalDataApi
from alex_data_dev.postgres import PostgresNotFoundError

# What a shell (or `sam local invoke --env-vars`) needs; the AWS_* dummies only matter
# to a client that has no credentials at all, so they are not printed.
_EXPORTED = (
    "AWS_ENDPOINT_URL_RDS_DATA",
    "AURORA_CLUSTER_ARN",
    "AURORA_SECRET_ARN",
    "AURORA_DATABASE",
)
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def sam_env_vars(api: LocalDataApi, container_host: str) -> dict[str, dict[str, str]]:
    """The --env-vars document: `Parameters` applies to every function of the template."""
    env = {name: api.env()[name] for name in _EXPORTED}
    env["AWS_ENDPOINT_URL_RDS_DATA"] = f"http://{container_host}:{api.port}"
    return {"Parameters": env}


def _write_sam_env_vars(args: argparse.Namespace, api: LocalDataApi) -> None:
    path = Path(args.sam_env_vars)
    path.write_text(json.dumps(sam_env_vars(api, args.container_host), indent=2) + "\n")
    print(f"wrote {path} for `sam local invoke --env-vars {path}`", file=sys.stderr)
    if args.host in _LOOPBACK:
        print(
            f"note: listening on {args.host} only; a container reaches it with --host 0.0.0.0",
            file=sys.stderr,
        )


def run(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        api = LocalDataApi(
            dsn=args.dsn,
            host=args.host,
            port=args.port,
            database=args.database,
            transaction_timeout=args.transaction_timeout,
        )
        with api:
            env = api.env()
            for name in _EXPORTED:
                print(f"export {name}={env[name]}")
            if getattr(args, "sam_env_vars", None):
                _write_sam_env_vars(args, api)
            where = api.postgres_dir or "the server --dsn names"
            print(
                f"READY local Data API on {api.endpoint_url}, database {api.database}, "
                f"PostgreSQL in {where}; Ctrl-C stops it",
                flush=True,
            )
            while not stop.wait(0.5):
                pass
            print("stopping", file=sys.stderr, flush=True)
    except PostgresNotFoundError as exc:
        print(f"alex-data serve: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        # Typically the port is taken; say which one was asked for.
        print(f"alex-data serve ({args.host}:{args.port}): {exc}", file=sys.stderr)
        return 2
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("stopped", file=sys.stderr, flush=True)
    return 0
