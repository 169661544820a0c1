"""The built artifact in the Lambda runtime, on this machine: no container, no root.

What runs is what Lambda runs: the Runtime Interface Emulator the SAM CLI bundles
(`samcli/local/rapid/aws-lambda-rie-<arch>`) starts AWS's runtime interface client
(`python -m awslambdaric <Handler>`, pinned below, in its own Python 3.13 venv that holds
nothing else) in the built function folder (/var/task), with the layer's `python/` after it on
the path (/opt/python), and the template's environment. Events go through the emulator's invoke
endpoint, as `sam local` and Lambda send them.

    with Emulator(build(), environment) as function:
        answer = function.invoke({"type": "GetUser", ...})
        function.init_duration_ms()   # INIT REPORT: the cold start's init phase

`measure_init()` does the whole thing once and returns the INIT duration (for benchmarks).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from alex_data_dev.artifact import ROOT, Artifact, ArtifactError, build, python313

AWSLAMBDARIC = "awslambdaric==4.2.2"
RUNTIME_VENV = ROOT / ".tools" / "lambda-python"
_SAM_SITE = ROOT / ".tools" / "sam" / "lib" / "python3.13" / "site-packages"
INVOKE_PATH = "/2015-03-31/functions/function/invocations"
INIT_REPORT = re.compile(r"INIT REPORT\(durationMs: ([0-9.]+)\)")
# Region and credentials a function finds in Lambda; the local Data API accepts any.
_LAMBDA_ENV = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",
    "AWS_SESSION_TOKEN": "local",
    "LANG": "en_US.UTF-8",
    "TZ": ":UTC",
    "PATH": "/usr/local/bin:/usr/bin:/bin",
}


# Answers carry write times and ids the database made (a position's): answers from two runs
# agree on everything else.
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def comparable(answer: Any, known_ids: set[str] | list[str]) -> Any:
    """The answer with timestamps and ids not in `known_ids` (the events' own) blanked."""
    text = json.dumps(answer, sort_keys=True)
    text = UUID.sub(lambda m: m[0] if m[0] in known_ids else "<made by the database>", text)
    return json.loads(_TIMESTAMP.sub("<timestamp>", text))


def emulator_binary(architecture: str) -> Path:
    """The RIE the SAM CLI wheel bundles (static; the one `sam local` mounts in containers)."""
    found = _SAM_SITE / "samcli" / "local" / "rapid" / f"aws-lambda-rie-{architecture}"
    if not found.is_file():
        raise ArtifactError(f"no {found.name} under .tools/sam: run `make sam-install`")
    return found


def runtime_python() -> Path:
    """Python 3.13 with only awslambdaric, as Lambda's /var/runtime has it; made once."""
    python = RUNTIME_VENV / "bin" / "python"
    marker = RUNTIME_VENV / f".installed-{AWSLAMBDARIC}"
    if not marker.exists():
        venv = [python313(), "-m", "venv", "--clear", str(RUNTIME_VENV)]
        subprocess.run(venv, check=True)  # noqa: S603 - our own command line
        pip = ["-m", "pip", "install", "-q", "--disable-pip-version-check", "--only-binary=:all:"]
        done = subprocess.run(  # noqa: S603 - our own command line
            [str(python), *pip, AWSLAMBDARIC],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise ArtifactError(f"pip install {AWSLAMBDARIC} failed:\n{done.stderr[-2000:]}")
        marker.touch()
    return python


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Emulator:
    """The function under the RIE, started on enter, stopped on exit; one invocation at a time.

    `environment` overrides the template's variables (the Data API endpoint, ARNs).
    """

    def __init__(
        self,
        artifact: Artifact,
        environment: Mapping[str, str] | None = None,
        *,
        start_timeout: float = 30.0,
    ) -> None:
        self.artifact = artifact
        self._overrides = dict(environment or {})
        self._start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None
        self._log: list[str] = []
        self._reader: threading.Thread | None = None
        self.url = ""

    def environment(self) -> dict[str, str]:
        """What the runtime process gets: Lambda's own variables, then the template's, then
        the caller's overrides. Nothing from this process's environment leaks in."""
        artifact = self.artifact
        return {
            **_LAMBDA_ENV,
            "AWS_LAMBDA_FUNCTION_NAME": "DataFunction",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(artifact.memory_mb),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(artifact.timeout_s),
            "LAMBDA_TASK_ROOT": str(artifact.function_dir),
            "_HANDLER": artifact.handler,
            "PYTHONPATH": f"{artifact.function_dir}{os.pathsep}{artifact.layer_dir}",
            **artifact.environment,
            **self._overrides,
        }

    def __enter__(self) -> Emulator:
        python = runtime_python()
        port, api_port = _free_port(), _free_port()
        command = [
            str(emulator_binary(self.artifact.architecture)),
            "--runtime-interface-emulator-address",
            f"127.0.0.1:{port}",
            "--runtime-api-address",
            f"127.0.0.1:{api_port}",
            str(python),
            "-m",
            "awslambdaric",
            self.artifact.handler,
        ]
        self._process = subprocess.Popen(  # noqa: S603 - our own command line
            command,
            cwd=self.artifact.function_dir,
            env=self.environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self._reader = threading.Thread(target=self._read_log, daemon=True)
        self._reader.start()
        self.url = f"http://127.0.0.1:{port}{INVOKE_PATH}"
        deadline = time.monotonic() + self._start_timeout
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return self
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    self.close()
                    raise ArtifactError(f"the emulator did not start:\n{self.log()}") from None
                time.sleep(0.05)

    def _read_log(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._log.append(line.decode("utf-8", "replace"))

    def invoke(self, event: Any, timeout: float = 120.0) -> Any:
        """One invocation through the emulator's endpoint; the function's JSON answer."""
        request = urllib.request.Request(  # noqa: S310 - our own http endpoint
            self.url, data=json.dumps(event).encode(), method="POST"
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return json.loads(response.read())

    def log(self) -> str:
        return "".join(self._log)

    def init_duration_ms(self, wait: float = 5.0) -> float | None:
        """The INIT REPORT's duration (the first invocation runs the init phase), None if the
        emulator has not printed one."""
        deadline = time.monotonic() + wait
        while True:
            match = INIT_REPORT.search(self.log())
            if match or time.monotonic() > deadline:
                return float(match[1]) if match else None
            time.sleep(0.02)

    def close(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._reader is not None:
            self._reader.join(timeout=5)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def measure_init(
    event: Any | None = None,
    environment: Mapping[str, str] | None = None,
    architecture: str | None = None,
) -> float:
    """One cold start of the built artifact (built if needed): the INIT REPORT duration in ms.

    The default event needs no database (it is answered with a ValidationError before any Data
    API call), so this measures the init phase alone; pass `environment` aiming the function at
    a Data API to measure with a real event.
    """
    artifact = build(architecture)
    with Emulator(artifact, environment) as function:
        function.invoke(event if event is not None else {"type": None})
        duration = function.init_duration_ms()
    if duration is None:
        raise ArtifactError("the emulator printed no INIT REPORT")
    return duration


if __name__ == "__main__":
    print(f"INIT REPORT {measure_init():.1f} ms")
