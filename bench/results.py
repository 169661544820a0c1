"""What one `make bench` run measured, written to bench/results.json so two runs compare.

Benchmarks record into `RESULTS` while they run: a `figure` is one measured value with its
unit; a `ratio` is ours against what a user would otherwise run (the seed's access pattern,
the floor of plain boto3, a minimal handler), measured side by side in the same run, so the
machine's load cancels out. A ratio may carry a target (the most ours/theirs may be): it is
then printed PASS or FAIL. Targets live in `TARGETS`, by ratio name, or come with the ratio.

`python -m bench` writes the file after every benchmark has run, with the machine (cores,
Python) and the git commit it ran on.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS_PATH = Path(__file__).resolve().parent / "results.json"

# ratio name -> the most ours/theirs may be for PASS. A ratio recorded with its own target
# keeps it.
TARGETS: dict[str, float] = {
    # Issue 15: small events at most 1.2x the floor, whole round trip, at Aurora's latency
    # (bench_portfolio holds the handler alone to the same targets, GetPortfolio 10x50 to 1.3x).
    "vs floor: GetPortfolio, 1 positions, 20 ms latency": 1.2,
    "vs floor: UpsertPosition (a small write), 20 ms latency": 1.2,
}


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ratio:
    """`ours / theirs`, both in `unit`; lower is better for us."""

    name: str
    ours: float
    theirs: float
    unit: str
    target: float | None = None
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float:
        return self.ours / self.theirs if self.theirs else float("inf")

    @property
    def verdict(self) -> str | None:
        if self.target is None:
            return None
        return "PASS" if self.ratio <= self.target else "FAIL"

    def line(self) -> str:
        verdict = f"{self.verdict}  " if self.verdict else "      "
        target = f" (target <= {self.target:g}x)" if self.target is not None else ""
        return (
            f"  {verdict}{self.name:<52} {self.ratio:9.3f}x{target}"
            f"  ours {self.ours:,.2f} {self.unit}, theirs {self.theirs:,.2f} {self.unit}"
        )


class Results:
    def __init__(self) -> None:
        self.figures: list[Figure] = []
        self.ratios: list[Ratio] = []
        self.git = _git()  # the code as the run started, not as it ended

    def figure(self, name: str, value: float, unit: str, **context: Any) -> Figure:
        found = Figure(name, float(value), unit, context)
        self.figures.append(found)
        return found

    def ratio(
        self,
        name: str,
        ours: float,
        theirs: float,
        unit: str,
        target: float | None = None,
        **context: Any,
    ) -> Ratio:
        found = Ratio(name, float(ours), float(theirs), unit, TARGETS.get(name, target), context)
        self.ratios.append(found)
        return found

    def document(self) -> dict[str, Any]:
        return {
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "git": self.git,
            "machine": {
                "cores": os.cpu_count(),
                "python": platform.python_version(),
                "implementation": platform.python_implementation(),
                "machine": platform.machine(),
                "system": platform.platform(),
            },
            "figures": [asdict(f) for f in self.figures],
            "ratios": [asdict(r) | {"ratio": r.ratio, "verdict": r.verdict} for r in self.ratios],
        }

    def write(self, path: Path = RESULTS_PATH) -> Path:
        path.write_text(json.dumps(self.document(), indent=1) + "\n")
        return path

    def print_ratios(self) -> None:
        print("\nratios (ours / theirs, side by side in this run; lower is better)")
        for ratio in self.ratios:
            print(ratio.line())
        failed = [r.name for r in self.ratios if r.verdict == "FAIL"]
        if failed:
            print(f"  {len(failed)} ratio(s) over target: {', '.join(failed)}")


def _git() -> dict[str, Any]:
    def git(*args: str) -> str:
        done = subprocess.run(  # noqa: S603 - a constant program
            ["git", *args],  # noqa: S607 - git from PATH, as a developer runs it
            capture_output=True,
            text=True,
            check=False,
            cwd=Path(__file__).resolve().parent,
        )
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


# The run's collector: benchmarks record here, `python -m bench` writes it.
RESULTS = Results()
