"""The one command line, `alex-data`: serve, migrate, invoke, schemas.

Each subcommand imports its implementation only when chosen, so `alex-data invoke` does not
pay for the local Data API and `alex-data serve` does not load the Lambda's code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# subcommand -> module whose `run(args) -> int` carries it out
_COMMANDS = {
    "serve": "alex_data_dev.serve",
    "migrate": "alex_data_dev.migrate_cmd",
    "invoke": "alex_data_dev.invoke_cmd",
    "schemas": "alex_data_dev.schemas_cmd",
}


def _latency_ms(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value < 1e7:
        raise argparse.ArgumentTypeError(f"not a non-negative number of milliseconds: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="alex-data", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="serve the RDS Data API locally over real PostgreSQL")
    serve.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--dsn", help="use this PostgreSQL instead of starting a throwaway one")
    serve.add_argument("--database", default="alex")
    serve.add_argument(
        "--transaction-timeout",
        type=float,
        default=180.0,
        help="seconds a transaction may stay idle before it is rolled back (Aurora: 3 minutes)",
    )
    serve.add_argument(
        "--log-requests",
        action="store_true",
        help="print one line per Data API request: operation, outcome, rows, bytes, ms, SQL",
    )
    serve.add_argument(
        "--row-limit-kib",
        type=int,
        default=64,
        help="refuse a result row over this many KiB, as Aurora does over 64 KB; 0 turns it off",
    )
    serve.add_argument(
        "--latency-ms",
        type=_latency_ms,
        default=0.0,
        metavar="N",
        help="add N ms to every Data API call, as the network to Aurora does (20 is typical)",
    )
    serve.add_argument(
        "--sam-env-vars",
        metavar="PATH",
        help="also write a `sam local invoke --env-vars` file aimed at this server",
    )
    serve.add_argument(
        "--container-host",
        default=None,
        help="the name containers reach this machine by (for --sam-env-vars); default "
        "host.containers.internal under podman ($DOCKER_HOST a podman socket, or podman "
        "without docker), else host.docker.internal",
    )

    sub.add_parser("migrate", help="apply the SQL migrations over the Data API the env names")

    invoke = sub.add_parser(
        "invoke",
        help="run the real handler in-process on events",
        description="Exit status: 0 every answer succeeded, 1 an answer is an error, "
        "2 unreadable input, 3 nothing answers at the endpoint, 4 the handler raised.",
    )
    invoke.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help="JSON event files (direct or SQS); - or none reads stdin: one event, or JSON lines",
    )
    shown = invoke.add_mutually_exclusive_group()
    shown.add_argument(
        "-q", "--quiet", action="store_true", help="print the answers only, none of the logs"
    )
    shown.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also print the function's INFO logs and EMF metric lines (on stderr)",
    )

    schemas = sub.add_parser("schemas", help="write one JSON Schema per event and result")
    schemas.add_argument("--out", required=True, help="directory to write into")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module = importlib.import_module(_COMMANDS[args.command])
    code: int = module.run(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
