"""How much of a studio refresh is the kit's own work, and how much is Graphviz's layout?

For synthetic designs of 10, 50 and 200 tables, time one refresh the way the studio does it —
validate + DDL + DOT + findings — against the time Graphviz's ``dot`` takes to lay the same
diagram out, and print the kit's share. Goal: under 25% at 200 tables, so the diagram engine is
the only real cost of typing in the studio.

    .venv/bin/python benchmarks/studio_refresh.py [--repeat 5]
"""
from __future__ import annotations

import argparse
import random
import statistics
import time

from pgarch_kit.ddl import to_sql
from pgarch_kit.diagram import render_svg, to_dot
from pgarch_kit.lint import lint
from pgarch_kit.model import Column, Design, ForeignKey, Index, IndexKey, PrimaryKey, Table, Unique
from pgarch_kit.model.validate import validate

TYPES = ["text", "integer", "bigint", "numeric(12,2)", "timestamptz", "boolean", "jsonb",
         "uuid", "varchar(80)", "date"]
# Attribute names as a real schema has them (numbered attr_1, attr_2 … would trip the
# advisor's repeating-column-group rule on every table, which no real design does).
WORDS = ["title", "label", "note", "amount", "quantity", "opened_on", "closed_at", "is_active",
         "settings", "external_ref", "code", "due_on", "score", "weight", "summary", "source",
         "region", "priority"]


def synthetic_design(n_tables: int, seed: int = 7) -> Design:
    """A plausible schema: each table has an id, 4-10 columns, FKs to 0-2 earlier tables with
    an index each, and sometimes a unique column."""
    rng = random.Random(seed)
    tables: list[Table] = []
    for i in range(n_tables):
        name = f"entity_{i:03d}"
        cols = [Column("id", "bigint", nullable=False, identity="always")]
        cols += [Column(word, rng.choice(TYPES), nullable=rng.random() < 0.4)
                 for word in rng.sample(WORDS, rng.randint(3, 9))]
        fks, idx = [], []
        for target in rng.sample(tables, k=min(len(tables), rng.randint(0, 2))):
            col = f"{target.name}_id"
            cols.append(Column(col, "bigint", nullable=rng.random() < 0.3))
            fks.append(ForeignKey((col,), target.name, ("id",), on_delete="CASCADE"))
            idx.append(Index(f"{name}_{col}_idx", (IndexKey(col),)))
        first = cols[1].name
        uniques = ((Unique((first,), name=f"{name}_{first}_key"),) if rng.random() < 0.3
                   else ())
        tables.append(Table(name, tuple(cols), primary_key=PrimaryKey(("id",)),
                            foreign_keys=tuple(fks), indexes=tuple(idx), uniques=uniques))
    return Design(f"synthetic_{n_tables}", tables=tuple(tables))


def _median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def refresh(design: Design) -> str:
    """The studio's own work for one change — validation, the advisor's findings (which also
    feed the diagram's badges), DDL and DOT; returns the DOT text Graphviz will lay out."""
    validate(design)
    report = lint(design)
    to_sql(design)
    return to_dot(design, findings=report.by_table())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"{'tables':>6}  {'kit ms':>8}  {'graphviz ms':>11}  {'kit share':>9}")
    for n in (10, 50, 200):
        design = synthetic_design(n)
        dot = refresh(design)
        kit = _median(lambda d=design: refresh(d), args.repeat)
        layout = _median(lambda t=dot: render_svg(t), max(1, args.repeat // 2))
        share = kit / (kit + layout)
        print(f"{n:>6}  {kit * 1000:>8.1f}  {layout * 1000:>11.1f}  {share:>8.1%}")
    print("goal: kit share under 25% at 200 tables")


if __name__ == "__main__":
    main()
