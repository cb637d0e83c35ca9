"""Print how fast each column strategy generates rows, and how fast every corpus schema seeds.

Run: ``PYTHONPATH=. .venv/bin/python benchmarks/datagen_strategies.py [--rows N]`` for the
strategies, ``… --corpus`` to import, plan at the default scale and load every schema of
``$PGARCH_REALWORLD`` (and its ``next/`` folder) into a fresh sandbox. Not a timed test: it
prints rows/s so a regression is visible; nothing asserts on it.

Strategies are measured one table each (an integer key plus the strategy's columns), as
rendered COPY text — the generator's whole cost, without the server:

* ``plain``: an integer and a short text column (the baseline);
* ``regex CHECK``: a unique ``~ '^[a-z0-9]+(-[a-z0-9]+)*$'`` slug and a ``~ '^[A-Z]{2}-\\d{4}$'``
  code (vectorised regex generator);
* ``multi-column CHECK``: ``(personal AND slug IS NULL) OR (NOT personal AND slug IS NOT
  NULL)``, ``ends_at > starts_at`` and ``num_nonnulls(a, b, c) = 1`` (repair);
* ``long text``: a ``varchar(1000)`` description.
"""
from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
import warnings
from pathlib import Path

from pgarch_kit.datagen import batches, plan
from pgarch_kit.model.design import Check, Column, Design, PrimaryKey, Table

ROOT = Path(__file__).resolve().parent.parent

_KEY = Column("id", "bigint", nullable=False)
STRATEGIES = {
    "plain": Table("plain", (_KEY, Column("qty", "integer"), Column("label", "text")),
                   primary_key=PrimaryKey(("id",))),
    "regex CHECK": Table(
        "regex", (_KEY, Column("slug", "text", nullable=False), Column("code", "text")),
        primary_key=PrimaryKey(("id",)),
        checks=(Check("slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'", "slug_shape"),
                Check("code ~ '^[A-Z]{2}-\\d{4}$'", "code_shape"))),
    "multi-column CHECK": Table(
        "multi", (_KEY, Column("personal", "boolean", nullable=False), Column("slug", "text"),
                  Column("starts_at", "timestamptz"), Column("ends_at", "timestamptz"),
                  Column("a", "integer"), Column("b", "integer"), Column("c", "integer")),
        primary_key=PrimaryKey(("id",)),
        checks=(Check("(personal AND slug IS NULL) OR (NOT personal AND slug IS NOT NULL)",
                      "slug_iff_team"),
                Check("ends_at > starts_at", "ordered"),
                Check("num_nonnulls(a, b, c) = 1", "exactly_one"))),
    "long text": Table("long", (_KEY, Column("description", "character varying(1000)")),
                       primary_key=PrimaryKey(("id",))),
}


def strategies(rows: int) -> None:
    print(f"rows/s per column strategy ({rows:,} rows, COPY text, batches of 50,000):")
    base = None
    for name, table in STRATEGIES.items():
        dp = plan(Design("bench", tables=(table,)), rows={table.name: rows})
        list(batches(dp, table.name, batch_rows=1000))  # vocabularies, pools: warm
        began = time.perf_counter()
        size = sum(len(b) for b in batches(dp, table.name))
        took = time.perf_counter() - began
        rate = rows / took
        base = base or rate
        how = "; ".join(f"{c.name}: {c.strategy}" for c in dp.tables[table.name].checks
                        if c.tree is not None or "regex" in name) or "-"
        print(f"  {name:<20} {rate:>12,.0f} rows/s  {size / took / 1e6:6.1f} MB/s  "
              f"({rate / base:4.2f}x plain)  {how}")


def regex_libraries(rows: int = 20_000) -> None:
    """The vectorised regex generator against rstr and exrex (one string per Python call),
    when they are importable; they are not dependencies of the kit."""
    import numpy as np

    from pgarch_kit.datagen import regex_generator
    pattern = r"^[a-z0-9]+(-[a-z0-9]+)*$"
    gen = regex_generator(pattern, 1, max_len=64)
    began = time.perf_counter()
    gen(np.arange(rows))
    print(f"regex {pattern!r}, {rows:,} strings:")
    print(f"  {'pgarch_kit regex_generator':<28} {rows / (time.perf_counter() - began):>12,.0f}"
          " strings/s")
    for name, call in (("rstr.xeger", "rstr:xeger"), ("exrex.getone", "exrex:getone")):
        module, func = call.split(":")
        try:
            fn = getattr(__import__(module), func)
        except ImportError:
            print(f"  {name:<28} not installed")
            continue
        count = max(rows // 100, 50)
        began = time.perf_counter()
        for _ in range(count):
            fn(pattern)
        print(f"  {name:<28} {count / (time.perf_counter() - began):>12,.0f} strings/s")


def corpus(scale: float) -> None:
    from pgarch_kit.db import create_sandbox, drop_sandbox, server_dsn
    from pgarch_kit.db.importer import import_schema_file
    from pgarch_kit.db.load import load
    folder = Path(os.environ.get("PGARCH_REALWORLD", ROOT.parent / "shared" / "realworld"))
    files = sorted(folder.glob("*.sql")) + sorted((folder / "next").glob("*.sql"))
    base = server_dsn()
    print(f"corpus seeded at scale {scale} (1000 rows a table unless the design says):")
    print(f"  {'schema':<30} {'tables':>6} {'rows':>9} {'generate':>14} {'load':>14}")
    for path in files:
        try:
            design = import_schema_file(path, dsn=base).design
            dp = plan(design, scale=scale)
            began = time.perf_counter()
            n = sum(b.count(b"\n") for t in dp.order for b in batches(dp, t))
            gen = n / (time.perf_counter() - began)
            name = create_sandbox(f"pgarch_bench_{secrets.token_hex(4)}", dsn=base)
            try:
                result = load(design, dsn=server_dsn(base, name), plan=dp, progress=False,
                              verify=False)
            finally:
                drop_sandbox(name, dsn=base)
            print(f"  {path.stem:<30} {len(dp.order):>6} {result.total_rows:>9,} "
                  f"{gen:>10,.0f} r/s {result.rows_per_second:>10,.0f} r/s", flush=True)
        except Exception as exc:  # one schema's failure is a line of the report, not the end
            first = str(exc).splitlines()[0][:110]
            print(f"  {path.stem:<30} failed: {type(exc).__name__}: {first}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--corpus", action="store_true")
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()
    warnings.simplefilter("error", RuntimeWarning)
    if args.corpus:
        corpus(args.scale)
    else:
        strategies(args.rows)
        regex_libraries()


if __name__ == "__main__":
    sys.exit(main())
