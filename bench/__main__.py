"""`make bench`: run every bench/bench_*.py in turn; each prints its own figures. Then the
ratios of the whole run, and bench/results.json with every figure (bench/results.py)."""

from __future__ import annotations

import importlib
import pathlib

from bench.results import RESULTS


def main() -> None:
    for path in sorted(pathlib.Path(__file__).parent.glob("bench_*.py")):
        print(f"== {path.stem}", flush=True)
        importlib.import_module(f"bench.{path.stem}").main()
    RESULTS.print_ratios()
    print(f"\nwrote {RESULTS.write()}")


if __name__ == "__main__":
    main()
