"""Cold start as ratios: our function and our client against the minimal thing they wrap.

Each figure is a fresh interpreter doing what a cold start does before its first answer, timed
from the moment it is spawned to the moment it has the answer (interpreter start-up included,
the same on both sides; its exit is not):

- function: `import alex_data.handler` + the first `GetUser` through `lambda_handler` (settings,
  boto3's rds-data client, one Data API call, the envelope), against the floor: a handler
  that imports boto3, builds the rds-data client and makes the same ExecuteStatement call
  (plus `json.loads` of the document it answers). Target 1.3x.
- agent: `import alex_schemas` + `DataClient()` + the first `call(GetUser)`, against boto3's
  Lambda client alone making the same Invoke. Both invoke a stub Lambda endpoint in this
  process that answers the envelope the real handler gave. Target 1.3x.

Every program imports what Lambda would, from where Lambda would: the `sam build` artifact (the
function's code, then the layer with pydantic, Powertools and boto3), with no site-packages
(`python -S`: the dev venv's hundred-odd distributions would lengthen pydantic's plugin scan of
entry points, which the deployed function does not pay). And from compiled bytecode, as Lambda
does (the artifact is precompiled, the runtime's boto3 ships its `.pyc`): the interpreters
share a private `PYTHONPYCACHEPREFIX`, filled by one untimed run of each program, so neither
side compiles source (where `PYTHONDONTWRITEBYTECODE` is set ours would, on every run).

Both sides of a ratio alternate run by run, so a burst of load on this shared machine hits
them alike; the ratio is of the medians. Peak memory (VmHWM) of the function's process at
init (after the import) and after the first event is printed too.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import psycopg
from alex_data.repositories.users import GET_USER
from alex_data_dev.artifact import Artifact, build
from alex_data_dev.environment import activate_endpoint
from alex_data_dev.testing import InProcessTransport
from alex_schemas.client import DataClient
from alex_schemas.events import GetUser, UpsertUser

from bench.bench_events import _QUIET, _local_data_api
from bench.bench_portfolio import _seed
from bench.bench_sizes import _INSTRUMENTS, INSTRUMENTS
from bench.results import RESULTS

RUNS = 11
TARGET_FUNCTION_RATIO = 1.3
TARGET_AGENT_RATIO = 1.3

# Each program prints one JSON line: {"done": the wall clock when it had its answer, "cpu": the
# CPU ms it had used by then, plus what it measured}; the parent subtracts the wall clock at
# which it spawned the program.
_PRELUDE = "import time\n"
_DONE = (
    "import json; print(json.dumps({{'done': time.time(),"
    " 'cpu': time.process_time() * 1000{extra}}}))\n"
)
# Peak RSS of this process: the kernel's VmHWM, in MiB. Not ru_maxrss, which a spawned child
# inherits from its parent across exec (a parent holding 300 MiB gives a 9 MiB child 300).
_RSS = (
    "_rss = lambda: next(int(line.split()[1]) for line in open('/proc/self/status')"
    " if line.startswith('VmHWM:')) / 1024\n"
)

FUNCTION = (
    "import alex_data.handler as h\n"
    + _RSS
    + "_init = _rss()\n"
    + "class Context:\n"
    + "    aws_request_id = 'cold'; function_name = 'alex-data'; memory_limit_in_mb = 1024\n"
    + "    invoked_function_arn = 'arn:aws:lambda:us-east-1:123456789012:function:alex-data'\n"
    + "    def get_remaining_time_in_millis(self): return 30000\n"
    + "import io, contextlib\n"
    + "with contextlib.redirect_stdout(io.StringIO()):\n"
    + "    answer = h.lambda_handler({'type': 'GetUser', 'clerk_user_id': USER}, Context())\n"
    + "import json as _json\n"
    + "assert _json.loads(answer)['ok'], answer\n"
    + _DONE.format(extra=", 'init_mib': _init, 'peak_mib': _rss()")
)

FUNCTION_FLOOR = (
    "import json, os, boto3\n"
    + "client = boto3.client('rds-data')\n"
    + "found = client.execute_statement(\n"
    + "    resourceArn=os.environ['AURORA_CLUSTER_ARN'],\n"
    + "    secretArn=os.environ['AURORA_SECRET_ARN'],\n"
    + "    database=os.environ['AURORA_DATABASE'],\n"
    + "    sql=SQL,\n"
    + "    parameters=[{'name': 'clerk_user_id', 'value': {'stringValue': USER}}])\n"
    + "assert json.loads(found['records'][0][0]['stringValue'])['clerk_user_id'] == USER\n"
    + _DONE.format(extra="")
)

AGENT = (
    "import alex_schemas\n"
    + "from alex_schemas.client import DataClient\n"
    + "user = DataClient('alex-data').call(alex_schemas.GetUser(clerk_user_id=USER))\n"
    + "assert user.clerk_user_id == USER\n"
    + _DONE.format(extra="")
)

AGENT_FLOOR = (
    "import json, boto3\n"
    + "client = boto3.client('lambda')\n"
    + "answer = client.invoke(FunctionName='alex-data', InvocationType='RequestResponse',\n"
    + "    Payload=json.dumps({'type': 'GetUser', 'clerk_user_id': USER}).encode())\n"
    + "assert json.loads(answer['Payload'].read())['ok']\n"
    + _DONE.format(extra="")
)


# Memory: a fresh interpreter initialized as under SnapStart (everything built before the first
# event), then the largest portfolio answered and JSON-encoded as Lambda's runtime would.
MEMORY = (
    "import alex_data.handler as h\n"
    + "from alex_data import snapstart\n"
    + _RSS
    + "snapstart.prepare_snapshot()\n"
    + "_init = _rss()\n"
    + "class Context:\n"
    + "    aws_request_id = 'mem'; function_name = 'alex-data'; memory_limit_in_mb = 1024\n"
    + "    invoked_function_arn = 'arn:aws:lambda:us-east-1:123456789012:function:alex-data'\n"
    + "    def get_remaining_time_in_millis(self): return 30000\n"
    + "import io, contextlib, json as _json\n"
    + "with contextlib.redirect_stdout(io.StringIO()):\n"
    + "    answer = h.lambda_handler({'type': 'GetPortfolio', 'clerk_user_id': USER}, Context())\n"
    + "assert _json.loads(answer)['ok'], answer[:300]\n"
    + "_bytes = len(answer)\n"
    + _DONE.format(extra=", 'init_mib': _init, 'peak_mib': _rss(), 'answer_bytes': _bytes")
)
LARGEST = (50, 100)  # accounts x positions: bench_events' largest portfolio


# The minimal handler as a deployed function: boto3 and its client at init, one call per event.
MINIMAL_HANDLER = """import json, os
import boto3

client = boto3.client("rds-data")


def handler(event, context):
    found = client.execute_statement(
        resourceArn=os.environ["AURORA_CLUSTER_ARN"],
        secretArn=os.environ["AURORA_SECRET_ARN"],
        database=os.environ["AURORA_DATABASE"],
        sql=event["sql"],
        parameters=event["parameters"],
    )
    return json.loads(found["records"][0][0]["stringValue"])
"""
INIT_RUNS = 5
# What aims a function at the local Data API.
_DATA_API_ENV = (
    "AWS_ENDPOINT_URL_RDS_DATA",
    "AURORA_CLUSTER_ARN",
    "AURORA_SECRET_ARN",
    "AURORA_DATABASE",
)


@dataclass
class Ratio:
    name: str
    ours_ms: float
    floor_ms: float
    target: float

    @property
    def ratio(self) -> float:
        return self.ours_ms / self.floor_ms

    @property
    def ok(self) -> bool:
        return self.ratio <= self.target

    def line(self) -> str:
        verdict = "PASS" if self.ok else "FAIL"
        return (
            f"  {verdict}  {self.name:<58} {self.ratio:5.2f}x (target <= {self.target:g}x)"
            f"  ours {self.ours_ms:6.0f} ms, floor {self.floor_ms:6.0f} ms"
        )


# Every program runs as in a Lambda environment, whose runtime sets the address of the API it
# polls for events (nothing here calls it): the function and the layer take their init-only
# steps (the client at init, alex_schemas.collector) there and nowhere else.
_LAMBDA_ENVIRONMENT = {"AWS_LAMBDA_RUNTIME_API": "127.0.0.1:9001"}


def _paths(artifact: Artifact) -> dict[str, str]:
    """Where Lambda finds the code: the function's folder, then the layer's /opt/python."""
    return {"PYTHONPATH": f"{artifact.function_dir}{os.pathsep}{artifact.layer_dir}"}


def _compiled(env: dict[str, str], bytecode: str) -> dict[str, str]:
    """`env` for interpreters that read and write their bytecode under `bytecode`."""
    compiled = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return compiled | {"PYTHONPYCACHEPREFIX": bytecode}


def _run(program: str, env: dict[str, str], **values: str) -> dict[str, Any]:
    constants = "".join(f"{name} = {value!r}\n" for name, value in values.items())
    spawned = time.time()
    done = subprocess.run(  # noqa: S603 - our own interpreter, programs of this module
        [sys.executable, "-S", "-c", _PRELUDE + constants + program],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"a cold-start program failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["ms"] = (result["done"] - spawned) * 1000
    return result


def side_by_side(
    name: str, ours: str, floor: str, env: dict[str, str], target: float, **values: str
) -> tuple[list[Ratio], list[dict[str, Any]]]:
    """Median wall ms, and CPU ms, of `ours` and `floor`, alternating, RUNS fresh interpreters
    each. CPU time is the steadier of the two on a shared machine (a cold start is CPU-bound;
    another process's burst delays the wall clock, not this one's CPU)."""
    mine: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    _run(ours, env, **values)  # untimed: writes both sides' bytecode
    _run(floor, env, **values)
    for _ in range(RUNS):
        mine.append(_run(ours, env, **values))
        theirs.append(_run(floor, env, **values))
    ratios = [
        Ratio(
            f"{name}{label}",
            statistics.median(r[key] for r in mine),
            statistics.median(r[key] for r in theirs),
            target,
        )
        for key, label in (("ms", ""), ("cpu", " (CPU)"))
    ]
    return ratios, mine


@contextmanager
def _stub_lambda(answer: bytes) -> Iterator[str]:
    """A Lambda Invoke endpoint on 127.0.0.1 that answers `answer` to every invocation."""

    class Invoke(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, fmt: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Invoke)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def runtime_tier(artifact: Artifact, env: dict[str, str], user: str) -> list[Ratio]:
    """The built artifact under the RIE against the minimal handler beside the same layer: the
    INIT REPORT (the init phase: imports and the client, on both sides), and INIT plus the first
    invocation, alternating, INIT_RUNS cold starts each."""
    from alex_data_dev.runtime import Emulator

    overrides = {k: env[k] for k in _DATA_API_ENV if k in env}
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "minimal.py").write_text(MINIMAL_HANDLER)
        minimal = dataclasses.replace(
            artifact, function_dir=Path(folder), handler="minimal.handler"
        )
        params = [{"name": "clerk_user_id", "value": {"stringValue": user}}]
        cases = [
            (artifact, {"type": "GetUser", "clerk_user_id": user}),
            (minimal, {"sql": GET_USER, "parameters": params}),
        ]
        init: dict[int, list[float]] = {0: [], 1: []}
        first: dict[int, list[float]] = {0: [], 1: []}
        for _ in range(INIT_RUNS):
            for side, (function, event) in enumerate(cases):
                with Emulator(function, overrides) as running:
                    started = time.perf_counter()
                    running.invoke(event)
                    invoked = (time.perf_counter() - started) * 1000
                    duration = running.init_duration_ms()
                if duration is None:
                    raise RuntimeError("the emulator printed no INIT REPORT")
                init[side].append(duration)
                first[side].append(invoked)
    return [
        Ratio(
            "runtime tier: INIT REPORT",
            statistics.median(init[0]),
            statistics.median(init[1]),
            TARGET_FUNCTION_RATIO,
        ),
        Ratio(
            "runtime tier: first invocation, INIT included",
            statistics.median(first[0]),
            statistics.median(first[1]),
            TARGET_FUNCTION_RATIO,
        ),
    ]


def main() -> None:
    user = f"cold-start-{uuid.uuid4().hex[:8]}"
    ratios: list[Ratio] = []
    with (
        _local_data_api() as (api_env, dsn),
        activate_endpoint(api_env | _QUIET) as gateway,
        tempfile.TemporaryDirectory(prefix="alex-data-pyc-") as bytecode,
    ):
        from alex_data.handler import lambda_handler
        from alex_data.migrate import apply_migrations

        apply_migrations(gateway.session())
        client = DataClient(transport=InProcessTransport(lambda_handler))
        with redirect_stdout(io.StringIO()):  # Powertools' EMF metrics
            client.call(UpsertUser(clerk_user_id=user, display_name="Cold Start"))
            found = client.call(GetUser(clerk_user_id=user))
        artifact = build()
        env = _compiled(
            os.environ | api_env | _QUIET | _LAMBDA_ENVIRONMENT | _paths(artifact), bytecode
        )
        function, runs = side_by_side(
            "function: import + client + first GetUser",
            FUNCTION,
            FUNCTION_FLOOR,
            env,
            TARGET_FUNCTION_RATIO,
            USER=user,
            SQL=GET_USER,
        )
        ratios.extend(function)
        answer = json.dumps({"ok": True, "result": found.model_dump(mode="json")})
        with _stub_lambda(answer.encode()) as endpoint:
            agent, _ = side_by_side(
                "agent: import alex_schemas + DataClient + call",
                AGENT,
                AGENT_FLOOR,
                env | {"AWS_ENDPOINT_URL_LAMBDA": endpoint},
                TARGET_AGENT_RATIO,
                USER=user,
            )
        ratios.extend(agent)
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(_INSTRUMENTS, {"count": INSTRUMENTS})
            largest = _seed(conn, *LARGEST)
        memory = [_run(MEMORY, env, USER=largest) for _ in range(3)]
        ratios.extend(runtime_tier(artifact, env, user))
    print(f"median of {RUNS} fresh interpreters each, alternating; ms spawn to answer, or CPU")
    for ratio in ratios:
        print(ratio.line())
        RESULTS.ratio(
            f"cold start: {ratio.name}", ratio.ours_ms, ratio.floor_ms, "ms", ratio.target
        )
    init = statistics.median(r["init_mib"] for r in runs)
    peak = statistics.median(r["peak_mib"] for r in runs)
    print(f"  function's peak RSS: {init:.0f} MiB after the import, {peak:.0f} MiB after GetUser")
    init = max(r["init_mib"] for r in memory)
    peak = max(r["peak_mib"] for r in memory)
    answer = memory[0]["answer_bytes"]
    RESULTS.figure("peak RSS: initialized as under SnapStart", init, "MiB")
    RESULTS.figure(f"peak RSS: after GetPortfolio {LARGEST[0]}x{LARGEST[1]}", peak, "MiB")
    print(
        f"  peak RSS, max of {len(memory)}: {init:.0f} MiB initialized as under SnapStart,"
        f" {peak:.0f} MiB after GetPortfolio {LARGEST[0]}x{LARGEST[1]} ({answer:,} bytes answered)"
    )


if __name__ == "__main__":
    main()
