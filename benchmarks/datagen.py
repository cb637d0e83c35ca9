"""Synthetic data at scale, measured in one run on one server and printed as ratios.

On the e-commerce sample at >= 1M rows in its largest table (about 4M rows over the three big
tables), compare:

* the kit's load (numpy-vectorised generation in a producer thread, streamed with COPY while
  the server ingests) against COPY of the very same rows from pre-made files — goal >= 0.7;
* the kit against what people write by hand: Faker per row and pandas ``to_sql`` — goal
  >= 25x faster (measured on a smaller sample: rows per second is what is compared);
* the peak memory of the kit's process at 1M and 10M rows — goal: flat.

    .venv/bin/python benchmarks/datagen.py [--quick]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIG = {"customers": 100_000, "addresses": 100_000, "categories": 500, "products": 50_000,
       "orders": 1_000_000, "order_items": 2_000_000, "payments": 1_000_000,
       "orders_audit": 1}


def _design():
    from pgarch_kit.model.serde import load_design
    return load_design(ROOT / "data" / "designs" / "ecommerce.yaml")


def kit_load(rows: dict[str, int]) -> tuple[float, int, dict]:
    """(seconds of the COPY phase, rows, all phases) of the kit's own load."""
    from pgarch_kit.datagen import plan
    from pgarch_kit.db.load import load
    design = _design()
    result = load(design, plan=plan(design, rows=rows, seed=1), progress=False, verify=False)
    return result.phases["copy"], result.total_rows, result.phases


def file_copy(rows: dict[str, int], folder: Path) -> tuple[float, int]:
    """The same rows written to files first (not timed), then COPY'd from those files."""
    import psycopg

    from pgarch_kit.datagen import batches, plan
    from pgarch_kit.db.apply import apply_sql
    from pgarch_kit.db.connect import server_dsn
    from pgarch_kit.db.sandbox import create_sandbox
    from pgarch_kit.ddl.script import load_phases
    from pgarch_kit.model.names import quote_ident
    design = _design()
    dp = plan(design, rows=rows, seed=1)
    files = {}
    for t in dp.order:
        path = folder / f"{t}.copy"
        with open(path, "wb") as fh:
            for chunk in batches(dp, t):
                fh.write(chunk)
        files[t] = path
    db = create_sandbox("bench_filecopy", recreate=True)
    with psycopg.connect(server_dsn(None, db), autocommit=True) as conn:
        apply_sql(conn, load_phases(design)[0], source="tables")
        started = time.perf_counter()
        with conn.transaction():
            conn.execute("SET LOCAL synchronous_commit = off")
            for t in dp.order:
                cols = ", ".join(quote_ident(c) for c in dp.copy_columns(t))
                with conn.cursor().copy(f"COPY {quote_ident(t)} ({cols}) FROM STDIN") as cp, \
                        open(files[t], "rb") as fh:
                    while chunk := fh.read(1 << 20):
                        cp.write(chunk)
        seconds = time.perf_counter() - started
    return seconds, sum(dp.rows(t) for t in dp.order)


def faker_to_sql(n: int) -> float:
    """Rows per second of the hand-written way: Faker per row, pandas DataFrame.to_sql."""
    import pandas as pd
    from faker import Faker

    from pgarch_kit.db.connect import engine
    from pgarch_kit.db.sandbox import create_sandbox
    fake = Faker()
    Faker.seed(1)
    db = create_sandbox("bench_faker", recreate=True)
    started = time.perf_counter()
    frame = pd.DataFrame([{"email": fake.email(), "full_name": fake.name(),
                           "created_at": fake.date_time_this_decade(),
                           "city": fake.city(), "total": fake.pydecimal(4, 2, True)}
                          for _ in range(n)])
    frame.to_sql("customers", engine(db), index=False, chunksize=5000)
    return n / (time.perf_counter() - started)


def peak_memory(rows_in_orders: int) -> float:
    """Peak RSS (MB) of a fresh process that loads ``rows_in_orders`` orders."""
    here = str(Path(__file__).parent)
    code = (
        "import json, resource, sys\n"
        f"sys.path.insert(0, {here!r})\n"
        "from datagen import kit_load\n"
        "rows = {'customers': 10000, 'addresses': 1, 'categories': 10, 'products': 1000,\n"
        f"        'orders': {rows_in_orders}, 'order_items': 1, 'payments': 1,\n"
        "        'orders_audit': 1}\n"
        "secs, n, _ = kit_load(rows)\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        "print(json.dumps({'rows': n, 'seconds': secs, 'maxrss_mb': peak}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ}).stdout.strip().splitlines()[-1]
    return json.loads(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a tenth of the rows (smoke run)")
    args = ap.parse_args()
    rows = {t: max(1, n // 10) for t, n in BIG.items()} if args.quick else dict(BIG)
    total = sum(rows.values())
    print(f"e-commerce sample, {total:,} rows (largest table {max(rows.values()):,})")

    kit_s, kit_n, phases = kit_load(rows)
    kit_rate = kit_n / kit_s
    print(f"kit load (generate + COPY, overlapped):  {kit_rate:>12,.0f} rows/s   "
          f"({kit_s:.1f} s; then indexes+FKs {phases.get('constraints', 0):.1f} s)")
    with tempfile.TemporaryDirectory() as tmp:
        file_s, file_n = file_copy(rows, Path(tmp))
    file_rate = file_n / file_s
    print(f"COPY of the same rows from files:       {file_rate:>12,.0f} rows/s   ({file_s:.1f} s)")
    faker_rate = faker_to_sql(20_000 if not args.quick else 5_000)
    print(f"Faker per row + pandas to_sql:          {faker_rate:>12,.0f} rows/s")
    print(f"ratio kit / COPY-from-file:             {kit_rate / file_rate:>12.2f}   (goal >= 0.7)")
    print(f"ratio kit / Faker+to_sql:               {kit_rate / faker_rate:>12.1f}x  (goal >= 25x)")
    for n in (1_000_000, 10_000_000) if not args.quick else (100_000, 1_000_000):
        m = peak_memory(n)
        print(f"peak memory of the kit's process, {n:>10,} orders: {m['maxrss_mb']:7.1f} MB "
              f"({m['rows'] / m['seconds']:,.0f} rows/s)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"(this process: peak {peak:.0f} MB)")


if __name__ == "__main__":
    main()
