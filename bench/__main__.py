"""`make bench`: run every bench/bench_*.py in turn; each prints its own figures."""

from __future__ import annotations

import importlib
import pathlib


def main() -> None:
    for path in sorted(pathlib.Path(__file__).parent.glob("bench_*.py")):
        print(f"== {path.stem}", flush=True)
        importlib.import_module(f"bench.{path.stem}").main()


if __name__ == "__main__":
    main()
