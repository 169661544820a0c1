"""`alex-data serve`: the local Data API in the foreground until SIGINT, SIGTERM or SIGHUP.

Prints shell `export` lines for the environment that reaches it, the `psql` command for its
database (stderr), then a line starting with READY; on a signal it stops the server and
PostgreSQL and removes what it created. `--log-requests` prints one stderr line per Data API
request: time, operation, outcome, rows, response bytes, milliseconds, the SQL's start. With
`--sam-env-vars PATH` it also writes the file `sam local invoke --env-vars PATH` takes, with
the endpoint as a container sees it: `--container-host`, by default the name the container
engine in use gives the host (host.containers.internal under podman, host.docker.internal under
Docker), and prints the `sam local invoke` command that reaches it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from alex_data_dev.local_data_api import LocalDataApi
from alex_data_dev.local_data_api.request_log import Served
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
_SQL_SHOWN = 60


def sam_env_vars(api: LocalDataApi, container_host: str) -> dict[str, dict[str, str]]:
    """The --env-vars document: `Parameters` applies to every function of the template."""
    env = {name: api.env()[name] for name in _EXPORTED}
    env["AWS_ENDPOINT_URL_RDS_DATA"] = f"http://{container_host}:{api.port}"
    return {"Parameters": env}


# The host as each engine's containers see it. podman writes its name into every container's
# /etc/hosts; Docker Desktop resolves its own, Docker Engine on Linux only when asked to.
PODMAN_HOST = "host.containers.internal"
DOCKER_HOST = "host.docker.internal"


def container_engine(environ: Mapping[str, str] | None = None) -> str:
    """ "podman" when $DOCKER_HOST is a podman socket, or podman is installed and Docker not."""
    env = os.environ if environ is None else environ
    docker_host = env.get("DOCKER_HOST", "")
    if "podman" in docker_host:
        return "podman"
    if not docker_host and shutil.which("podman") and not shutil.which("docker"):
        return "podman"
    return "docker"


def sam_invoke_command(path: Path, container_host: str) -> str:
    """The `sam local invoke` that reaches this server with the env file at `path`."""
    command = f"sam local invoke DataFunction -e events/get_user.json --env-vars {path}"
    if container_host == DOCKER_HOST:
        return command + f" --add-host {DOCKER_HOST}:host-gateway"
    if container_host == PODMAN_HOST:
        return command + " --skip-pull-image"
    return command


def _write_sam_env_vars(args: argparse.Namespace, api: LocalDataApi) -> None:
    path = Path(args.sam_env_vars)
    host = args.container_host or (PODMAN_HOST if container_engine() == "podman" else DOCKER_HOST)
    path.write_text(json.dumps(sam_env_vars(api, host), indent=2) + "\n")
    print(f"wrote {path} (the host as containers see it: {host}); then", file=sys.stderr)
    print(f"  {sam_invoke_command(path, host)}", file=sys.stderr)
    if args.host in _LOOPBACK:
        print(
            f"note: listening on {args.host} only; a container reaches it with --host 0.0.0.0",
            file=sys.stderr,
        )


# A closed terminal (SIGHUP) stops serve as Ctrl-C and kill do: PostgreSQL runs in its own
# session, so only this process can stop it and remove its directory.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by the first stop signal; the previous handlers come back on exit."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def note(message: str) -> None:
    """A line on stderr; after SIGHUP the terminal may be gone, which must not stop cleanup."""
    with contextlib.suppress(OSError, ValueError):
        print(message, file=sys.stderr, flush=True)


def export_lines(api: LocalDataApi) -> list[str]:
    """The shell lines that aim a client (or `alex-data migrate`/`invoke`) at `api`."""
    env = api.env()
    return [f"export {name}={env[name]}" for name in _EXPORTED]


def psql_command(api: LocalDataApi) -> str:
    """The command that opens psql on the served database (a password is never printed)."""
    params = {k: v for k, v in conninfo_to_dict(api.dsn).items() if k != "password"}
    psql = shutil.which("psql")
    if psql is None and api.postgres_bin_dir is not None:
        beside = Path(api.postgres_bin_dir) / "psql"
        psql = str(beside) if beside.exists() else None
    conninfo = make_conninfo("", **params)
    return f"{psql or 'psql'} {shlex.quote(conninfo)}"


def log_request(served: Served) -> None:
    """One line per Data API request: operation, status, rows, bytes, ms and the SQL's start."""
    outcome = "ok" if served.error is None else served.error
    rows = "" if served.rows is None else f" rows={served.rows}"
    sql = f"  {served.sql[:_SQL_SHOWN]}" if served.sql else ""
    stamp = time.strftime("%H:%M:%S")
    note(
        f"{stamp} {served.operation} {outcome}{rows} bytes={served.response_bytes} "
        f"{served.ms:.1f}ms{sql}"
    )


def run(args: argparse.Namespace) -> int:
    with stop_on_signals() as stop:
        try:
            api = LocalDataApi(
                dsn=args.dsn,
                host=args.host,
                port=args.port,
                database=args.database,
                transaction_timeout=args.transaction_timeout,
                request_log=log_request if getattr(args, "log_requests", False) else None,
                row_limit_kib=args.row_limit_kib,
                latency_ms=getattr(args, "latency_ms", 0.0),
            )
            with api:
                for line in export_lines(api):
                    print(line)
                if getattr(args, "sam_env_vars", None):
                    _write_sam_env_vars(args, api)
                note(f"psql: {psql_command(api)}")
                if api.latency_ms:
                    note(f"every Data API call is answered {api.latency_ms:g} ms late")
                where = api.postgres_dir or "the server --dsn names"
                print(
                    f"READY local Data API on {api.endpoint_url}, database {api.database}, "
                    f"PostgreSQL in {where}; Ctrl-C stops it",
                    flush=True,
                )
                while not stop.wait(0.5):
                    pass
                note("stopping")
        except PostgresNotFoundError as exc:
            note(f"alex-data serve: {exc}")
            return 2
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            note(f"alex-data serve: cannot use the PostgreSQL --dsn names: {first}")
            return 2
        except OSError as exc:
            # Typically the port is taken; say which one was asked for.
            note(f"alex-data serve ({args.host}:{args.port}): {exc}")
            return 2
    note("stopped")
    return 0
