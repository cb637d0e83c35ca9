"""The course notebooks, executed headless as ``make test`` runs them, timed one by one and
together against the workshop's budget: all eight under 10 minutes on a 2-core machine.

    .venv/bin/python benchmarks/course.py [--out /tmp/course]

Prints each notebook's wall time and the total as a share of the budget (< 1.0 meets it).
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from pgarch_kit.export.notebooks import notebook_paths, run_notebook

BUDGET_S = 600.0
ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help="where the HTML reports go")
    args = ap.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="pgarch-course-"))
    started = time.perf_counter()
    for path in notebook_paths(ROOT / "notebooks"):
        run = run_notebook(path, out)
        print(f"{path.stem:<32} {run.seconds:7.1f} s")
    total = time.perf_counter() - started
    print(f"{'total':<32} {total:7.1f} s   budget {BUDGET_S:.0f} s   ratio {total / BUDGET_S:.2f}")


if __name__ == "__main__":
    main()
