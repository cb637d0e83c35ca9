"""The "Measurements" section: what the server measured — loaded rows and sizes beside the
kit's estimate at those rows, and each pattern's timings and plan against the budget — or,
without evidence, a single statement that nothing was measured and how to measure."""
from __future__ import annotations

from collections.abc import Mapping

from pgarch_kit.scale.capacity import human

from ._context import _cell, _code, _cols, _Doc, _link, _ms


def _measurements(doc: _Doc, plots: Mapping[str, str]) -> list[str]:
    out = ["## Measurements", ""]
    ev = doc.ev
    if ev is None:
        out += ["Nothing was measured for this document: it states no timing, plan or size "
                f"from a server. To measure, run {_code('pgarch export DESIGN -o DIR')} "
                f"(without {_code('--no-measure')}): it loads the design into its sandbox at a "
                "small scale and times every query pattern.", ""]
    else:
        from pgarch_kit.scale import capacity
        out += [f"PostgreSQL {ev.server_version_text}, database {_code(ev.database)}, scale "
                f"{ev.scale:g} of the intents, loaded in {ev.load_seconds:.1f} s; every pattern "
                f"timed {ev.runs} times from the client after a warm-up, parameters drawn from "
                f"the data; collected {ev.collected_at}."
                + (f" Server-side figures: none — {ev.statements_note}." if ev.statements_note
                   else ""), ""]
        sizes = dict(ev.table_bytes)
        est_rows = {t: n for t, n in ev.rows
                    if (x := doc.design.table(t)) is not None and x.partition_by is None}
        est = {t.name: t.total_bytes for t in capacity(doc.design, rows=est_rows,
                                                       build="kit").tables
               if t.name in est_rows}
        out += ["| table | rows loaded | size measured | kit estimate at those rows |",
                "|---|---:|---:|---:|"]
        for t, n in ev.rows:
            out.append(f"| {_cell(t)} | {n:,} | {human(sizes[t]) if t in sizes else '–'} | "
                       f"{human(est[t]) if t in est else '–'} |")
        out += ["", f"| pattern | critical | median ms | p95 ms | server ms | rows/call | "
                    f"plan top | indexes read | {ev.budget_ms:.0f} ms budget |",
                "|---|---|---:|---:|---:|---:|---|---|---|"]
        for p in ev.patterns:
            if p.measured:
                verdict = "within" if p.within(ev.budget_ms) else "**over**"
                out.append(f"| {_cell(p.pattern)} | {'yes' if p.critical else ''} | "
                           f"{_ms(p.median_ms)} | {_ms(p.p95_ms)} | {_ms(p.server_ms)} | "
                           f"{p.rows:,.1f} | {_cell(p.top_node)} | "
                           f"{_cell(_cols(p.indexes)) or 'none'} | {verdict} |")
            else:
                out.append(f"| {_cell(p.pattern)} | {'yes' if p.critical else ''} | – | – | – "
                           f"| – | not timed: {_cell(p.error)} | | |")
        if not ev.patterns:
            out.append("| (no query patterns declared) | | | | | | | | |")
        out.append("")
    for label, path in plots.items():
        out += [_link(label, path, image=True), "", _link(label, path), ""]
    return out
