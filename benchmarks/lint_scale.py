"""Does the advisor scale linearly? Lint synthetic designs of 100 and 1,000 tables (every
design-mode rule) and print the times and their ratio: linear growth gives about 10x.

    .venv/bin/python benchmarks/lint_scale.py [--repeat 3]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from studio_refresh import synthetic_design

from pgarch_kit.lint import all_rules as rules
from pgarch_kit.lint import lint


def timed(design, repeat: int) -> tuple[float, int]:
    runs, n = [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        n = len(lint(design))
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"{len(rules())} rules")
    results = {}
    for n in (100, 1000):
        seconds, findings = timed(synthetic_design(n), args.repeat)
        results[n] = seconds
        print(f"{n:>5} tables: {seconds * 1000:8.1f} ms  ({findings} findings)")
    ratio = results[1000] / results[100]
    print(f"ratio 1000/100: {ratio:.1f}x (linear: ~10x; quadratic would be ~100x)")


if __name__ == "__main__":
    main()
