"""The README's "Try it by hand" section, run as written: taken from README.md itself, so the
two cannot drift, in an environment with no AWS variables and an empty HOME, against a real
`alex-data serve` in another process (what `make serve` runs, on a free port)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path

from tests.integration.serve_output import read_exports

REPO = Path(__file__).resolve().parents[2]
SERVE_BLOCK = "make serve"
HAND_RUN_BLOCK = "# terminal 2: paste the export lines, then"


def bash_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```bash\n(.*?)^```$", markdown, flags=re.M | re.S)


def hand_run_blocks() -> tuple[str, str]:
    """The terminal-1 block (the serve command) and the terminal-2 block (what is pasted after)."""
    blocks = bash_blocks((REPO / "README.md").read_text())
    terminal1 = [b for b in blocks if b.startswith(SERVE_BLOCK) and "terminal 1" in b]
    terminal2 = [b for b in blocks if b.startswith(HAND_RUN_BLOCK)]
    assert len(terminal1) == 1, "README: no single `make serve  # terminal 1` block"
    assert len(terminal2) == 1, f"README: no single block starting {HAND_RUN_BLOCK!r}"
    return terminal1[0], terminal2[0]


def clean_environment(home: Path) -> dict[str, str]:
    """What a fresh login on a machine without AWS configuration has."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}


def start_serve(env: dict[str, str]) -> tuple[subprocess.Popen[str], list[str]]:
    """`alex-data serve --port 0` as `make serve` runs it; its export lines once READY."""
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [str(REPO / ".venv" / "bin" / "alex-data"), "serve", "--port", "0"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    exports, _ = read_exports(process)
    return process, [f"export {name}={value}" for name, value in exports.items()]


def test_the_serve_block_is_what_make_serve_runs() -> None:
    terminal1, _ = hand_run_blocks()
    assert terminal1.split("#")[0].strip() == "make serve"
    recipe = re.search(r"^serve:.*\n\t(.+)$", (REPO / "Makefile").read_text(), flags=re.M)
    assert recipe, "Makefile: no serve target"
    assert recipe.group(1).startswith("$(BIN)/alex-data serve")


def test_the_hand_run_section_works_verbatim_without_aws_configuration(tmp_path: Path) -> None:
    # Given a machine with no AWS configuration, and `make serve` running in terminal 1
    _, terminal2 = hand_run_blocks()
    env = clean_environment(tmp_path)
    assert not any(name.startswith("AWS_") for name in env)
    process, exports = start_serve(env)
    try:
        assert len(exports) == 4, exports
        # When terminal 2 pastes the export lines, then runs the block exactly as written
        script = "\n".join(["set -euo pipefail", *exports, terminal2])
        done = subprocess.run(  # noqa: S603 - the README's own commands
            ["/bin/bash", "-c", script],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    # Then every command succeeded
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    # and the CLI said what it supplied for the loopback endpoint
    assert "using region us-east-1 and dummy credentials" in done.stderr
    # and the answers are the ones the README promises: the migration, the user, then one
    # compact answer per line for the two events of the last command
    out = done.stdout
    assert re.search(r"applied 001_schema\.sql|up to date", out), out
    lines = out.splitlines()
    last_two = [json.loads(line) for line in lines[-2:]]
    assert last_two[0]["result"]["clerk_user_id"] == "user_demo_001"
    assert last_two[1]["ok"] is True
    assert '"display_name": "Demo Investor"' in out


def test_the_flow_diagram_names_modules_that_exist() -> None:
    readme = (REPO / "README.md").read_text()
    (diagram,) = re.findall(r"^```mermaid\n(.*?)^```$", readme, flags=re.M | re.S)
    named = set(re.findall(r"\b(\w+\.py|\w+/)(?=<br/>|\")", diagram))
    assert {"handler.py", "dispatch.py", "gateway.py", "operations/", "repositories/"} <= named
    package = REPO / "functions" / "data" / "alex_data"
    missing = sorted(name for name in named if not (package / name.rstrip("/")).exists())
    assert not missing, f"README's diagram names what functions/data/alex_data lacks: {missing}"
