"""Hostile design files of about 1 KB, each loaded in a fresh subprocess: how long the refusal
takes and how much memory it needs, against the budget (under 1 s and under 100 MB).

    .venv/bin/python benchmarks/yaml_limits.py

For each file: its size, the seconds until ``load_design`` refused it, the peak Python
allocation during the load (tracemalloc) and the process's peak resident size (ru_maxrss,
interpreter and imports included), the ratios against the budget (< 1.0 meets it), and the
first line of the message the user gets. A file that is *not* refused is reported as such.
"""
from __future__ import annotations

import itertools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

TIME_BUDGET_S = 1.0
MEMORY_BUDGET_MB = 100.0
ROOT = Path(__file__).resolve().parents[1]

_PROBE = r"""
import json, resource, sys, time, tracemalloc
from pgarch_kit.errors import DesignFileError
from pgarch_kit.model.serde import load_design
tracemalloc.start()
started = time.perf_counter()
try:
    load_design(sys.argv[1])
    message = None
except DesignFileError as exc:
    message = str(exc).splitlines()[1].strip()
seconds = time.perf_counter() - started
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"seconds": seconds, "peak_mb": peak / 2**20,
                  "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "message": message}))
"""


def _pad(text: str, size: int = 1024) -> str:
    """Fill up to ``size`` bytes with a comment, so every file is ~1 KB."""
    return text + "#" * max(0, size - len(text.encode()) - 1) + "\n"


def alias_bomb() -> str:
    """Billion laughs: 9 anchors, each a list of 9 aliases of the previous one (9**9 leaves)."""
    rows = ["    l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    rows += [f"    l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return _pad("name: bomb\nlint:\n  settings:\n" + "\n".join(rows) + "\n")


def wide_alias_bomb() -> str:
    """Fewer levels, wider lists: 4 anchors of 40 aliases each (40**4 = 2.5 M nodes)."""
    rows = ["    w0: &w0 [" + ", ".join(["x"] * 40) + "]"]
    rows += [f"    w{i}: &w{i} [" + ",".join([f"*w{i - 1}"] * 40) + "]" for i in range(1, 5)]
    return "name: bomb\nlint:\n  settings:\n" + "\n".join(rows) + "\n"


def deep_nesting() -> str:
    """500 nested flow lists: [[[[…]]]] (a RecursionError before the limit)."""
    return _pad("name: deep\nlint:\n  settings:\n    x: " + "[" * 500 + "]" * 500 + "\n")


def anchor_chain() -> str:
    """A long chain of anchors, each a list holding an alias of the previous one: only ~80
    fit in 1 KB, yet each alias adds a level to whatever walks the file."""
    names = [a + b for a in "abcdefghij" for b in "abcdefghijklmnopqrstuvwxyz"]
    rows = ["    - &aa [end]"]
    for prev, name in itertools.pairwise(names):
        rows.append(f"    - &{name} [*{prev}]")
        if sum(len(r) + 1 for r in rows) > 960:
            break
    return "name: chain\nlint:\n  settings:\n   x:\n" + "\n".join(rows) + "\n"


def deep_blocks() -> str:
    """Block-style nesting: ``- - - - …`` on one line, 500 levels of indentation."""
    return _pad("name: deep\nlint:\n  settings:\n    x:\n      " + "- " * 500 + "x\n")


def merge_bomb() -> str:
    """Merge keys (``<<:``) pulling in a nested-alias mapping tree."""
    rows = ["x0: &x0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8}"]
    rows += [f"x{i}: &x{i} {{" + ", ".join(f"k{j}: *x{i - 1}" for j in range(8)) + "}"
             for i in range(1, 8)]
    return _pad("\n".join(rows) + "\nname: merge\ntables:\n  - name: t\n    columns:\n"
                "      - {<<: *x7, name: id, type: bigint}\n")


CASES = {"alias bomb (9x9)": alias_bomb, "wide alias bomb (40^4)": wide_alias_bomb,
         "deep nesting (500)": deep_nesting, "deep blocks (500)": deep_blocks,
         "anchor chain": anchor_chain,
         "merge-key bomb": merge_bomb}


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="pgarch-yaml-limits-"))
    print(f"{'file':<24} {'bytes':>6} {'seconds':>8} {'x 1 s':>6} {'peak MB':>8} "
          f"{'maxrss MB':>9} {'x 100 MB':>8}  message")
    worst = 0.0
    for name, build in CASES.items():
        path = folder / (name.split(" (")[0].replace(" ", "_") + ".yaml")
        path.write_text(build(), encoding="utf-8")
        out = subprocess.run([sys.executable, "-c", _PROBE, str(path)], capture_output=True,
                             text=True, cwd=ROOT, timeout=600, check=True)
        r = json.loads(out.stdout)
        t_ratio = r["seconds"] / TIME_BUDGET_S
        m_ratio = r["maxrss_mb"] / MEMORY_BUDGET_MB
        worst = max(worst, t_ratio, m_ratio)
        message = r["message"] or "NOT REFUSED"
        print(f"{name:<24} {path.stat().st_size:>6} {r['seconds']:>8.4f} {t_ratio:>6.3f} "
              f"{r['peak_mb']:>8.2f} {r['maxrss_mb']:>9.1f} {m_ratio:>8.3f}  {message[:90]}")
    print(f"worst ratio against the budget: {worst:.3f} (< 1.0 meets it)")


if __name__ == "__main__":
    main()
