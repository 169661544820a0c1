"""`make sam-local`: the built function in containers, as `sam local` runs it, against
`alex-data serve`.

    python -m alex_data_dev.sam_local [--arch x86_64|arm64] [--container-host NAME]

Needs a Docker-compatible engine at $DOCKER_HOST with the base image SAM expects
(`public.ecr.aws/lambda/python:3.13-<arch>`); `scripts/sam-local.sh` arranges both with podman.
Steps: `alex-data serve --host 0.0.0.0 --sam-env-vars FILE` (a throwaway PostgreSQL), migrate,
build the artifact for the architecture, `sam local invoke` a few examples (each a new
container), then `sam local start-lambda --warm-containers EAGER` and every example in replay
order through boto3's Lambda client: each answered ok, one Data API call per event. Prints the
figures (cold and warm times, the emulator's INIT REPORT) and keeps the answers in
`.aws-sam/sam-local-<arch>.json`; when the other architecture's answers are there, they must
match.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from alex_data_dev.artifact import ROOT, SAM, Artifact, build, host_architecture
from alex_data_dev.local_data_api import served_calls
from alex_data_dev.runtime import INIT_REPORT, UUID, comparable

EVENTS = ROOT / "events"
SAM_INVOKED = ("upsert_user", "get_user", "get_portfolio")


class SamLocalError(Exception):
    pass


def replay_order() -> list[str]:
    """The examples' replay order, as events/README.md writes it (tests/examples.py reads it
    the same way)."""
    steps = re.search(r"^1\. .*?(?=\n\n)", (EVENTS / "README.md").read_text(), re.M | re.S)
    if steps is None:
        raise SamLocalError("events/README.md has no numbered replay order")
    return [n for n in re.findall(r"`([a-z_]+)`", steps[0]) if (EVENTS / f"{n}.json").is_file()]


@contextmanager
def serve(env_file: Path, container_host: str) -> Iterator[dict[str, str]]:
    """`alex-data serve` on every interface, with the env file containers use; its exports."""
    every_interface = "0.0.0.0"  # noqa: S104 - containers reach the host from the bridge
    command = [str(ROOT / ".venv" / "bin" / "alex-data"), "serve", "--host", every_interface]
    command += ["--port", "0", "--sam-env-vars", str(env_file)]
    command += ["--container-host", container_host]
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    exports: dict[str, str] = {}
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("export "):
                name, _, value = line[len("export ") :].strip().partition("=")
                exports[name] = value
            if line.startswith("READY"):
                break
        else:
            raise SamLocalError("alex-data serve stopped before READY")
        yield exports
    finally:
        _stop(process, signal.SIGTERM, timeout=30)


def _stop(process: subprocess.Popen[Any], sig: signal.Signals, timeout: float) -> None:
    """Ask the process to end with `sig`; kill it if it has not within `timeout` seconds."""
    process.send_signal(sig)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()


def _sam_env() -> dict[str, str]:
    return {**os.environ, "SAM_CLI_TELEMETRY": "0", "SAM_CLI_RIE_DEV": "1"}


def sam(args: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own command line
        [str(SAM), *args], env=_sam_env(), capture_output=True, text=True, check=False, **kwargs
    )


# Under qemu a cold start takes ~20 s of the function's 30 s: the template SAM reads gives an
# emulated architecture this timeout instead (the build's own template.yaml stays as deployed).
EMULATED_TIMEOUT_S = 300


def template_for(artifact: Artifact) -> Path:
    """The built template, or for an emulated architecture a copy with the longer timeout."""
    built = artifact.build_dir / "template.yaml"
    if artifact.architecture == host_architecture():
        return built
    emulated = artifact.build_dir / "template.emulated.yaml"
    text, count = re.subn(
        rf"(\n      Timeout: ){artifact.timeout_s}\n",
        rf"\g<1>{EMULATED_TIMEOUT_S}\n",
        built.read_text(),
    )
    if count != 1:
        raise SamLocalError(f"no Timeout: {artifact.timeout_s} for DataFunction in {built}")
    emulated.write_text(text)
    return emulated


def local_invoke(artifact: Artifact, name: str, env_file: Path) -> tuple[Any, float, float | None]:
    """`sam local invoke` one example: its answer, the wall time, and the INIT REPORT."""
    args = ["local", "invoke", "DataFunction", "-t", str(template_for(artifact))]
    args += ["-e", str(EVENTS / f"{name}.json"), "--env-vars", str(env_file)]
    args += ["--skip-pull-image", "--parameter-overrides", f"Architecture={artifact.architecture}"]
    start = time.perf_counter()
    done = sam(args, timeout=600)
    seconds = time.perf_counter() - start
    answer_line = next(
        (line for line in reversed(done.stdout.splitlines()) if line.startswith("{")), ""
    )
    if done.returncode != 0 or not answer_line:
        raise SamLocalError(f"sam local invoke {name} failed:\n{done.stdout}\n{done.stderr}")
    init = INIT_REPORT.search(done.stderr + done.stdout)
    return json.loads(answer_line), seconds, float(init[1]) if init else None


@contextmanager
def start_lambda(artifact: Artifact, env_file: Path, log: Path) -> Iterator[str]:
    """`sam local start-lambda` with a warm container; its endpoint once it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    args = ["local", "start-lambda", "-t", str(template_for(artifact))]
    args += ["--env-vars", str(env_file), "--skip-pull-image", "--port", str(port)]
    args += ["--warm-containers", "EAGER"]
    args += ["--parameter-overrides", f"Architecture={artifact.architecture}"]
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            [str(SAM), *args], env=_sam_env(), stdout=out, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + 600
            while "Running on http" not in log.read_text():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SamLocalError(f"sam local start-lambda did not start:\n{log.read_text()}")
                time.sleep(0.5)
            yield f"http://127.0.0.1:{port}"
        finally:
            _stop(process, signal.SIGINT, timeout=60)


def run(arch: str, container_host: str) -> int:
    order = replay_order()
    example_ids = set(UUID.findall("".join(p.read_text() for p in EVENTS.glob("*.json"))))
    artifact = build(arch)
    print(f"sam-local: {arch} build in {artifact.build_dir.relative_to(ROOT)}", flush=True)
    with tempfile.TemporaryDirectory(prefix="alex-sam-local-") as tmp:
        env_file = Path(tmp) / "env.json"
        with serve(env_file, container_host) as exports:
            endpoint = exports["AWS_ENDPOINT_URL_RDS_DATA"]
            subprocess.run(  # noqa: S603 - our own command line
                [str(ROOT / ".venv" / "bin" / "alex-data"), "migrate"],
                env={**os.environ, **exports},
                check=True,
                capture_output=True,
            )
            answers: dict[str, Any] = {}
            for name in SAM_INVOKED:
                before = served_calls(endpoint)
                answer, seconds, init = local_invoke(artifact, name, env_file)
                calls = served_calls(endpoint) - before
                check(name, answer, calls, 1)
                init_text = f", INIT REPORT {init:.0f} ms" if init is not None else ""
                print(f"sam local invoke {name}: {seconds:.1f} s{init_text}, ok", flush=True)
            log = Path(tmp) / "start-lambda.log"
            with start_lambda(artifact, env_file, log) as url:
                client = boto3.client(
                    "lambda",
                    endpoint_url=url,
                    region_name="us-east-1",
                    aws_access_key_id="local",
                    aws_secret_access_key="local",  # noqa: S106 - sam local takes any
                    config=Config(read_timeout=600, retries={"total_max_attempts": 1}),
                )
                times = []
                for name in order:
                    event = json.loads((EVENTS / f"{name}.json").read_text())
                    before = served_calls(endpoint)
                    start = time.perf_counter()
                    reply = client.invoke(FunctionName="DataFunction", Payload=json.dumps(event))
                    times.append((time.perf_counter() - start) * 1000)
                    answer = json.loads(reply["Payload"].read())
                    calls = served_calls(endpoint) - before
                    check(name, answer, calls, len(event.get("Records", [event])))
                    answers[name] = comparable(answer, example_ids)
                init_reports = [float(m) for m in INIT_REPORT.findall(log.read_text())]
            print(
                f"sam local start-lambda: {len(order)} examples ok, one Data API call per event; "
                f"first {times[0]:.0f} ms, warm p50 {statistics.median(times[1:]):.1f} ms, "
                f"max {max(times[1:]):.1f} ms"
                + (f"; INIT REPORT {init_reports[0]:.0f} ms" if init_reports else ""),
                flush=True,
            )
    return compare(arch, answers)


def check(name: str, answer: Any, calls: int, expected_calls: int) -> None:
    if not (answer.get("ok") is True or answer == {"batchItemFailures": []}):
        raise SamLocalError(f"{name}: {answer}")
    if calls != expected_calls:
        raise SamLocalError(f"{name}: {calls} Data API calls, expected {expected_calls}")


def compare(arch: str, answers: dict[str, Any]) -> int:
    """Keep this architecture's answers; they must equal the other one's, when it has run."""
    kept = ROOT / ".aws-sam" / f"sam-local-{arch}.json"
    kept.write_text(json.dumps(answers, indent=1, sort_keys=True) + "\n")
    other = ROOT / ".aws-sam" / f"sam-local-{'x86_64' if arch == 'arm64' else 'arm64'}.json"
    if not other.is_file():
        return 0
    theirs = json.loads(other.read_text())
    differ = sorted(name for name in answers if theirs.get(name) != answers[name])
    if differ:
        print(f"sam-local: answers differ from {other.name}: {differ}", file=sys.stderr)
        return 1
    print(f"sam-local: all {len(answers)} answers equal {other.name}'s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alex_data_dev.sam_local")
    parser.add_argument("--arch", choices=["x86_64", "arm64"], default="x86_64")
    parser.add_argument("--container-host", default="host.containers.internal")
    args = parser.parse_args(argv)
    try:
        return run(args.arch, args.container_host)
    except SamLocalError as exc:
        print(f"sam-local: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
