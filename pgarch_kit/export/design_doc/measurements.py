"""The "Measurements" section: what the source database held when the design was imported
from it (rows, how they were read, sizes beside the kit's estimate at those rows, where the
query patterns came from); what the sandbox measured — loaded rows and sizes beside the kit's
estimate, and each pattern's timings and plan against the budget — or, without evidence, a
single statement that nothing was measured and how to measure."""
from __future__ import annotations

from collections.abc import Mapping

from pgarch_kit.scale.capacity import human

from ._context import _cell, _code, _cols, _Doc, _link, _ms


def _measurements(doc: _Doc, plots: Mapping[str, str]) -> list[str]:
    out = ["## Measurements", ""]
    ev = doc.ev
    out += _at_the_source(doc)
    if ev is None:
        out += [("Nothing was measured in a sandbox for this document: beyond the source's "
                 "figures above it states no timing, plan or size from a server."
                 if doc.design.source is not None else
                 "Nothing was measured for this document: it states no timing, plan or size "
                 "from a server.")
                + f" To measure, run {_code('pgarch export DESIGN -o DIR')} "
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


def _at_the_source(doc: _Doc) -> list[str]:
    """The facts an import read from the live database (``design.source``): each table's
    rows and how they were read, its size there and the kit's estimate at those rows — a
    check of the capacity model on real data — and where the query patterns came from."""
    src = doc.design.source
    if src is None:
        return []
    from dataclasses import replace

    from pgarch_kit.model import TableIntent
    from pgarch_kit.scale import capacity
    design = doc.design
    # the kit's estimate at the source's rows (whatever the intents say now), partitions
    # summed into their partitioned table as the source's sizes are
    facts = {(f.schema, f.table): f for f in src.tables}
    at_source = replace(design, tables=tuple(
        replace(t, intent=TableIntent(rows=facts[t.key].rows)) if t.key in facts
        else replace(t, intent=TableIntent(rows=0)) for t in design.tables))
    est: dict[tuple[str, str], int] = {}
    for size in capacity(at_source).tables:
        name, seen = size.name, set()
        while (t := design.table(name, size.schema)) is not None and t.partition_of \
                and name not in seen:  # up to the root of a multi-level partitioning
            seen.add(name)
            name = t.partition_of
        est[(size.schema, name)] = est.get((size.schema, name), 0) + size.total_bytes
    known = {k for k, f in facts.items() if f.rows is not None}
    how = {"count": "counted", "estimate": "estimated (reltuples)", None: "unknown"}
    out = [f"Imported from the live database {_code(src.database)} (PostgreSQL "
           f"{src.server_version}) at {src.read_at}: {src.summary()}. Query patterns: "
           f"{src.queries or 'not read'}.", "",
           "| table | rows at the source | how | size at the source | "
           "kit estimate at those rows |", "|---|---:|---|---:|---:|"]
    for f in src.tables:
        t = design.table(f.table, f.schema)
        if t is not None and t.partition_of is not None:
            continue  # summed into its partitioned table
        size = est.get((f.schema, f.table)) if (f.schema, f.table) in known else None
        label = f.table if f.schema == "public" else f"{f.schema}.{f.table}"
        out.append(f"| {_cell(label)} | {'–' if f.rows is None else f'{f.rows:,}'} | "
                   f"{how[f.rows_method]} | {'–' if f.bytes is None else human(f.bytes)} | "
                   f"{'–' if size is None else human(size)} |")
    return [*out, ""]
