"""The `sam build` artifact: built from the one template for an architecture, checked for Lambda.

`build()` runs the SAM CLI (`.tools/sam`, `make sam-install`) without Docker, with the template's
`Architecture` parameter, precompiles the bytecode and checks every compiled module, and skips
all that when the sources have not changed since the last build into the same directory.

The checks are what would otherwise fail only at the first cold start in AWS: each extension
must be an ELF for the function's architecture, and neither its wheel's platform tag nor the
glibc symbol versions it links against may need a newer glibc than Lambda's python3.13 runtime
has (Amazon Linux 2023: glibc 2.34).

    python -m alex_data_dev.artifact [--arch arm64|x86_64] [--build-dir DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / ".tools" / "sam" / "bin" / "sam"
# Amazon Linux 2023, the python3.13 runtime's OS.
LAMBDA_GLIBC = (2, 34)
ELF_MACHINE = {"x86_64": 62, "arm64": 183}
FUNCTION = "DataFunction"
LAYER = "SchemasLayer"
# What the artifact is made of: a change to any of these is a new build.
_SOURCES = ("template.yaml", "samconfig.toml", "functions/data", "layers/schemas")
_DIGEST_FILE = ".sources-digest"


class ArtifactError(Exception):
    """The build failed, or produced something Lambda could not load."""


@dataclass(frozen=True)
class Artifact:
    """One built function with its layer, and what the built template says about running it."""

    build_dir: Path
    architecture: str
    function_dir: Path  # what Lambda unpacks in /var/task
    layer_dir: Path  # what Lambda unpacks in /opt/python
    handler: str
    memory_mb: int
    timeout_s: int
    environment: dict[str, str]  # the template's variables at its parameters' defaults


def host_architecture() -> str:
    """The Lambda name of this machine's architecture."""
    machine = platform.machine().lower()
    if machine in ("x86_64", "amd64"):
        return "x86_64"
    if machine in ("aarch64", "arm64"):
        return "arm64"
    raise ArtifactError(f"Lambda has no {machine} architecture")


def python313() -> str:
    """A Python 3.13 interpreter (SAM's python3.13 builder needs one on PATH)."""
    candidates = [os.environ.get("PYTHON313", "")]
    if sys.version_info[:2] == (3, 13):
        candidates.append(sys.executable)
    pyenv = shutil.which("pyenv")
    if pyenv:
        found = subprocess.run(  # noqa: S603 - fixed arguments
            [pyenv, "which", "python"],
            env={**os.environ, "PYENV_VERSION": "3.13.0"},
            capture_output=True,
            text=True,
            check=False,
        )
        candidates.append(found.stdout.strip() if found.returncode == 0 else "")
    candidates.append(shutil.which("python3.13") or "")
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate
    raise ArtifactError("no Python 3.13 found (pyenv 3.13.0, python3.13 on PATH, or $PYTHON313)")


def sources_digest(architecture: str) -> str:
    digest = hashlib.sha256(f"{architecture}\n{SAM.resolve() if SAM.exists() else ''}\n".encode())
    digest.update(Path(__file__).read_bytes())
    for name in _SOURCES:
        path = ROOT / name
        files = [path] if path.is_file() else sorted(path.rglob("*"))
        for file in files:
            if file.is_file() and "__pycache__" not in file.parts:
                digest.update(f"{file.relative_to(ROOT)}\n".encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def build(
    architecture: str | None = None,
    build_dir: Path | None = None,
    *,
    quiet: bool = True,
) -> Artifact:
    """The artifact for `architecture` (default: this machine's), built unless up to date."""
    arch = architecture or host_architecture()
    if arch not in ELF_MACHINE:
        raise ArtifactError(f"architecture must be one of {sorted(ELF_MACHINE)}, not {arch}")
    out = build_dir or ROOT / ".aws-sam" / f"runtime-{arch}"
    stamp = out / _DIGEST_FILE
    digest = sources_digest(arch)
    if stamp.is_file() and stamp.read_text() == digest:
        return load(out, arch)
    if not SAM.exists():
        raise ArtifactError(f"no SAM CLI at {SAM.relative_to(ROOT)}: run `make sam-install`")
    stamp.unlink(missing_ok=True)
    interpreter = python313()
    command = [
        str(SAM),
        "build",
        "--build-dir",
        str(out),
        "--cache-dir",
        str(ROOT / ".aws-sam" / f"cache-{arch}"),
        "--parameter-overrides",
        f"Architecture={arch}",
    ]
    env = {
        **os.environ,
        "PATH": f"{Path(interpreter).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SAM_CLI_TELEMETRY": "0",
    }
    done = subprocess.run(  # noqa: S603 - our own command line
        command, cwd=ROOT, env=env, capture_output=quiet, text=True, check=False
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:]) if quiet else ""
        raise ArtifactError(f"sam build ({arch}) failed:\n{tail}")
    # Lambda's code directories are read-only, so without bytecode in the zip every cold start
    # compiles each imported module again (~1.5 s of CPU instead of ~0.7 s). unchecked-hash:
    # zip timestamps are too coarse for mtime-checked .pyc files to be trusted.
    compileall = ["-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash"]
    subprocess.run(  # noqa: S603 - our own command line
        [interpreter, *compileall, str(out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    problems = check(out, arch)
    if problems:
        raise ArtifactError(
            f"the {arch} build in {out} would not load in Lambda:\n  " + "\n  ".join(problems)
        )
    stamp.write_text(digest)
    return load(out, arch)


def load(build_dir: Path, architecture: str) -> Artifact:
    """Read the built template: where the code is and how Lambda would run it."""
    from cfnlint.decode import cfn_yaml

    template: dict[str, Any] = cfn_yaml.loads(
        (build_dir / "template.yaml").read_text(), str(build_dir / "template.yaml")
    )
    globals_ = template.get("Globals", {}).get("Function", {})
    function = {**globals_, **template["Resources"][FUNCTION]["Properties"]}
    layer = template["Resources"][LAYER]["Properties"]
    variables = {
        **globals_.get("Environment", {}).get("Variables", {}),
        **function.get("Environment", {}).get("Variables", {}),
    }
    resolve = _Defaults(template).resolve
    return Artifact(
        build_dir=build_dir,
        architecture=architecture,
        function_dir=build_dir / str(function["CodeUri"]),
        layer_dir=build_dir / str(layer["ContentUri"]) / "python",
        handler=str(function["Handler"]),
        memory_mb=int(resolve(function.get("MemorySize", 128))),
        timeout_s=int(resolve(function.get("Timeout", 3))),
        environment={
            name: str(value)
            for name, value in ((k, resolve(v)) for k, v in variables.items())
            if isinstance(value, str | int)
        },
    )


_UNRESOLVED = object()


class _Defaults:
    """A template's values as a deploy with every parameter at its default would have them:
    `Ref` to a parameter, `Fn::If` on the template's conditions (`Fn::Equals`, `Fn::Not`,
    `Fn::And`, `Fn::Or`, `Condition`). Anything else (a resource's attribute, a pseudo
    parameter) resolves to `_UNRESOLVED`, and a variable of that value is left out: the caller
    supplies it (the emulator's overrides), as it supplied the Data API's endpoint and ARNs."""

    def __init__(self, template: dict[str, Any]) -> None:
        self._parameters = {
            name: spec["Default"]
            for name, spec in template.get("Parameters", {}).items()
            if "Default" in spec
        }
        self._conditions: dict[str, Any] = template.get("Conditions", {})

    def resolve(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return _UNRESOLVED
        ((function, argument),) = value.items()
        if function == "Ref":
            return self._parameters.get(argument, _UNRESOLVED)
        if function == "Fn::If":
            condition, when_true, when_false = argument
            holds = self._condition(condition)
            if holds is _UNRESOLVED:
                return _UNRESOLVED
            return self.resolve(when_true if holds else when_false)
        return _UNRESOLVED

    def _condition(self, name: str) -> Any:
        return self._holds(self._conditions.get(name, _UNRESOLVED))

    def _holds(self, condition: Any) -> Any:
        if not isinstance(condition, dict) or len(condition) != 1:
            return _UNRESOLVED
        ((function, argument),) = condition.items()
        if function == "Condition":
            return self._condition(argument)
        if function == "Fn::Equals":
            left, right = (self.resolve(side) for side in argument)
            if _UNRESOLVED in (left, right):
                return _UNRESOLVED
            return str(left) == str(right)
        if function not in ("Fn::Not", "Fn::And", "Fn::Or"):
            return _UNRESOLVED
        parts = [self._holds(part) for part in argument]
        if _UNRESOLVED in parts:
            return _UNRESOLVED
        if function == "Fn::Not":
            return not parts[0]
        return all(parts) if function == "Fn::And" else any(parts)


# ---------------------------------------------------------------------------- checks


def check(build_dir: Path, architecture: str) -> list[str]:
    """Why each compiled module would not load on Lambda's `architecture`; empty if all would."""
    problems = []
    modules = sorted(build_dir.rglob("*.so"))
    if not any(p.name.startswith("_pydantic_core") for p in modules):
        problems.append("no pydantic-core extension in the build")
    owners = _wheel_tags_by_file(build_dir)
    for module in modules:
        where = module.relative_to(build_dir)
        data = module.read_bytes()
        machine = int.from_bytes(data[18:20], "little") if data[:4] == b"\x7fELF" else None
        if machine != ELF_MACHINE[architecture]:
            problems.append(f"{where}: not an {architecture} ELF (e_machine {machine})")
            continue
        tags = owners.get(module.resolve())
        if tags is not None:
            needs = min((glibc_of_tag(tag) or (99, 0) for tag in tags), default=(99, 0))
            if needs > LAMBDA_GLIBC:
                problems.append(
                    f"{where}: its wheel ({', '.join(sorted(tags))}) needs a newer glibc than "
                    f"Lambda's {_version(LAMBDA_GLIBC)}"
                )
                continue
        linked = max(glibc_versions_needed(data), default=(0, 0))
        if linked > LAMBDA_GLIBC:
            problems.append(
                f"{where}: links against GLIBC_{_version(linked)}, Lambda has "
                f"{_version(LAMBDA_GLIBC)}"
            )
    return problems


def glibc_of_tag(tag: str) -> tuple[int, int] | None:
    """The glibc a platform tag promises to run on, None if it is not a glibc Linux tag."""
    platform_tag = tag.rsplit("-", 1)[-1]
    legacy = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
    for name, version in legacy.items():
        if platform_tag.startswith(name + "_"):
            return version
    match = re.match(r"manylinux_(\d+)_(\d+)_", platform_tag)
    return (int(match[1]), int(match[2])) if match else None


def _wheel_tags_by_file(build_dir: Path) -> dict[Path, set[str]]:
    """Each installed file -> the tags of the wheel that installed it (from RECORD and WHEEL)."""
    owners: dict[Path, set[str]] = {}
    for wheel in build_dir.rglob("*.dist-info/WHEEL"):
        tags = {
            line.split(":", 1)[1].strip()
            for line in wheel.read_text().splitlines()
            if line.startswith("Tag:")
        }
        record = wheel.parent / "RECORD"
        if not record.is_file():
            continue
        site = wheel.parent.parent
        for line in record.read_text().splitlines():
            name = line.split(",", 1)[0]
            if name.endswith(".so"):
                owners[(site / name).resolve()] = tags
    return owners


def glibc_versions_needed(elf: bytes) -> Iterator[tuple[int, int]]:
    """The GLIBC_x.y symbol versions a 64-bit little-endian ELF requires (.gnu.version_r)."""
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        return

    def u(offset: int, size: int) -> int:
        return int.from_bytes(elf[offset : offset + size], "little")

    shoff, shentsize, shnum = u(0x28, 8), u(0x3A, 2), u(0x3C, 2)
    sections = [shoff + i * shentsize for i in range(shnum)]
    for header in sections:
        if u(header + 4, 4) != 0x6FFFFFFE:  # SHT_GNU_verneed
            continue
        strtab = u(sections[u(header + 40, 4)] + 24, 8)
        entry, count = u(header + 24, 8), u(header + 44, 4)  # sh_offset, sh_info
        for _ in range(count):
            aux, aux_count = entry + u(entry + 8, 4), u(entry + 2, 2)
            for _ in range(aux_count):
                start = strtab + u(aux + 8, 4)
                name = elf[start : elf.index(b"\0", start)].decode("ascii", "replace")
                match = re.fullmatch(r"GLIBC_(\d+)\.(\d+)(?:\.\d+)?", name)
                if match:
                    yield int(match[1]), int(match[2])
                aux += u(aux + 12, 4)
            entry += u(entry + 12, 4)


def _version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alex_data_dev.artifact")
    parser.add_argument("--arch", choices=sorted(ELF_MACHINE), default=None)
    parser.add_argument("--build-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        artifact = build(args.arch, args.build_dir, quiet=False)
    except ArtifactError as exc:
        print(f"build: {exc}", file=sys.stderr)
        return 1
    modules = len(list(artifact.build_dir.rglob("*.so")))
    print(
        f"{artifact.build_dir.relative_to(ROOT)}: {artifact.architecture}, {modules} compiled "
        f"modules, each an {artifact.architecture} ELF needing at most glibc "
        f"{_version(LAMBDA_GLIBC)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
