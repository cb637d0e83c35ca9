"""See a data plan before loading it: a summary per table, and a few generated rows as a
DataFrame (decoded from the very COPY text the loader streams, so what you see is what loads)."""
from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from ._batch import batches
from .plan import DataPlan

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["plan_constraints", "plan_summary", "preview"]


def preview(plan: DataPlan, table: str, n: int = 5) -> pd.DataFrame:
    """The first ``n`` rows ``table`` would get, as a DataFrame (NULL shown as None)."""
    import pandas as pd
    first = next(batches(plan, table, batch_rows=max(1, n)), b"")
    frame = pd.read_csv(io.BytesIO(first), sep="\t", header=None, dtype=str,
                        names=list(plan.copy_columns(table)), quoting=csv.QUOTE_NONE,
                        na_values=["\\N"], keep_default_na=False)
    return frame.head(n).astype(object).where(frame.head(n).notna(), None)


def plan_summary(plan: DataPlan) -> pd.DataFrame:
    """One row per table in load order: rows, columns generated, foreign keys and fan-out."""
    import pandas as pd
    rows = []
    for name, tp in plan.tables.items():
        fks = []
        for i, fk in enumerate(tp.table.foreign_keys):
            dist = tp.fk_dist.get(i)
            how = type(dist).__name__ if dist is not None else "uniform"
            late = " (filled after the load)" if i in tp.deferred else ""
            fks.append(f"{', '.join(fk.columns)} → {fk.ref_table} [{how}]{late}")
        rows.append({"table": name, "rows": tp.rows,
                     "columns": len(plan.copy_columns(name)),
                     "foreign keys": "; ".join(fks) or "—"})
    return pd.DataFrame(rows)


def plan_constraints(plan: DataPlan) -> pd.DataFrame:
    """One row per constraint the plan keeps, with the strategy it got (generator rules,
    repair, one-to-one fan-out, slots …), and one per sandbox partition the load adds."""
    import pandas as pd
    rows = []
    for name, tp in plan.tables.items():
        kinds = {c.name: c.kind for c in tp.checks}
        for constraint, strategy in tp.strategies.items():
            rows.append({"table": name, "constraint": constraint,
                         "kind": kinds.get(constraint, "key or exclusion"),
                         "strategy": strategy})
    for p in plan.partitions:
        rows.append({"table": p.parent, "constraint": p.name, "kind": "sandbox partition",
                     "strategy": f"{p.bound}: {p.reason}"})
    return pd.DataFrame(rows, columns=["table", "constraint", "kind", "strategy"])
