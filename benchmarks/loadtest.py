"""The kit's load test against plain pgbench: same query, same protocol, same client counts,
same server — printed as a ratio of transactions per second. Goal: >= 0.95 (the kit drives
pgbench and must not slow it down: its per-transaction log, per-statement timings and
generated parameter draws are all the overhead there is).

A point-select pattern on a loaded table (``SELECT sku, price FROM items WHERE id = :id``):

* **kit**: ``pk.load_test`` — the script the kit generates from the pattern (``\\set id
  random(1, N)`` over the loaded keys), pgbench with ``-M prepared --failures-detailed`` and
  its per-transaction log (sampled to a few thousand lines a second), parsed into
  percentiles;
* **plain**: the same script file run by bare ``pgbench -n -M prepared -c C -j J -T D``, as a
  DBA would, with nothing parsed.

The two alternate (kit first on even rounds, plain first on odd) so drift on a shared 2-core
machine hits both; the ratio per client count is the median over rounds.

    .venv/bin/python benchmarks/loadtest.py [--clients 1,4,16,64] [--duration 5] [--rounds 5]
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = 1_000_000
DESIGN = f"""
name: bench_point_select
tables:
  - name: items
    columns:
      - {{name: id, type: bigint, identity: always}}
      - {{name: sku, type: text, nullable: false}}
      - {{name: price, type: 'numeric(10,2)', nullable: false}}
    primary_key: [id]
    intent: {{rows: {ROWS}}}
queries:
  - {{name: item_by_id, sql: 'SELECT sku, price FROM items WHERE id = :id', per_second: 1000}}
"""


def plain_pgbench(dsn: str, script: str, clients: int, duration: int) -> float:
    """TPS of bare pgbench running ``script``: no log, no per-statement timing."""
    from pgarch_kit.bench.pgbench import pgbench_path
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    try:
        threads = max(1, min(clients, os.cpu_count() or 1))
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        out = subprocess.run([pgbench_path(), "-n", "-M", "prepared", "-c", str(clients),
                              "-j", str(threads), "-T", str(duration), "-f", f.name, dsn],
                             capture_output=True, text=True, check=True, env=env).stdout
    finally:
        Path(f.name).unlink()
    return float(re.search(r"^tps = ([0-9.]+)", out, re.M).group(1))


def main() -> int:
    import pgarch_kit as pk
    from pgarch_kit.bench.loadtest import scripts_for
    from pgarch_kit.db.load import load
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", default="1,4,16,64")
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    clients = [int(c) for c in args.clients.split(",")]
    design = pk.loads_design(DESIGN)
    print(f"loading {ROWS:,} rows ...", file=sys.stderr)
    loaded = load(design, seed=1, progress=False, verify=False, vacuum=True)
    import psycopg
    with psycopg.connect(loaded.dsn, autocommit=True) as conn:
        (script,), _ = scripts_for(design, conn)
    print(f"script:\n{script.text}", file=sys.stderr)
    kit: dict[int, list[float]] = {c: [] for c in clients}
    plain: dict[int, list[float]] = {c: [] for c in clients}
    for r in range(args.rounds):
        for c in clients:
            order = ("kit", "plain") if r % 2 == 0 else ("plain", "kit")
            for who in order:
                if who == "kit":
                    lt = pk.load_test(design, clients=[c], duration=args.duration,
                                      progress=False)
                    run = lt.runs[0]
                    assert run.latency_ms.size > 0  # the (sampled) log was parsed
                    kit[c].append(run.tps)
                else:
                    plain[c].append(plain_pgbench(loaded.dsn, script.text, c, args.duration))
            print(f"round {r + 1}: {c:>3} clients  kit {kit[c][-1]:>9,.0f}  plain "
                  f"{plain[c][-1]:>9,.0f}  ratio {kit[c][-1] / plain[c][-1]:.3f}",
                  file=sys.stderr)
    print(f"\nkit load test vs plain pgbench, point select on {ROWS:,} rows, "
          f"{args.duration} s x {args.rounds} rounds, {os.cpu_count()} cores")
    print(f"{'clients':>8} {'kit tps (median)':>18} {'plain tps (median)':>20} "
          f"{'ratio (median of rounds)':>26}")
    ratios = []
    for c in clients:
        per_round = [k / p for k, p in zip(kit[c], plain[c])]
        ratio = statistics.median(per_round)
        ratios.append(ratio)
        print(f"{c:>8} {statistics.median(kit[c]):>18,.0f} {statistics.median(plain[c]):>20,.0f}"
              f" {ratio:>26.3f}   (rounds {min(per_round):.2f}–{max(per_round):.2f})")
    overall = statistics.median(ratios)
    print(f"\nratio over client counts (median): {overall:.3f}   goal >= 0.95 -> "
          f"{'met' if overall >= 0.95 else 'NOT met'}")
    pk.drop_sandbox(design.name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
