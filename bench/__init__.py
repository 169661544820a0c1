"""Benchmarks: each module `bench/bench_*.py` has `main()` and prints its figures."""
