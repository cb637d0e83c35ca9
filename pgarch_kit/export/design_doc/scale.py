"""The "Scale to millions" chapter (capacity over the horizon, must-have-now against
nice-to-have-later, partitioning, pooling, replicas, sharding, the bottlenecks — measured ones
extrapolated to the expected rows) and the "Operations" runbook that keeps it running."""
from __future__ import annotations

from pgarch_kit.model.query import query_shape
from pgarch_kit.scale.capacity import human

from ._context import _MONTHS, _cell, _code, _cols, _Doc, _embed, _label, _ms
from .indexes import _serves, _table_indexes

_INTENT = "intent: {rows: N, growth_per_month: M}"


def _scale(doc: _Doc) -> list[str]:
    plan, d, m = doc.plan, doc.design, doc.machine
    out = ["## Scale to millions", ""]
    if not plan.volumes_known:
        # a table of zeros would read as a measurement: say what is missing instead
        out += [f"Planned for {m.ram_gb:g} GB RAM, {m.cores} cores, {m.storage}: the empty "
                f"schema takes {human(plan.capacity_now.total_bytes)}, and its volumes are "
                f"unknown — no table states its expected rows or growth (a schema imported "
                f"from SQL carries none). So nothing below is sized to data: no memory "
                f"setting is a must-have, and capacity, autovacuum thresholds and "
                f"partitioning wait for the volumes. To size them, give the biggest tables "
                f"{_code(_INTENT)} in the design file, or import the live database with "
                f"{_code('pgarch import --dsn URL')} (it reads rows, sizes and the top "
                f"queries).", ""]
    else:
        out += [f"Planned for {m.ram_gb:g} GB RAM, {m.cores} cores, {m.storage}, over "
                f"{_MONTHS} months: {human(plan.capacity_now.total_bytes)} at launch, "
                f"{human(plan.capacity_horizon.total_bytes)} after {_MONTHS} months, "
                f"{human(plan.capacity_10x.total_bytes)} at 10× that.", ""]
        if plan.unsized:
            out += [f"{len(plan.unsized)} of {len(doc.tables)} tables state no expected rows "
                    f"or growth and are planned as empty: {_cols(plan.unsized[:10])}"
                    + (" …" if len(plan.unsized) > 10 else "")
                    + f" (give them {_code(_INTENT)} if they will hold data).", ""]
        out += ["| table | rows at launch | rows after 24 months | size at launch | "
                "size after 24 months | size at 10× |", "|---|---:|---:|---:|---:|---:|"]
        now, hz, tx = (_sizes(doc, c) for c in (plan.capacity_now, plan.capacity_horizon,
                                                plan.capacity_10x))
        for name in sorted(now, key=lambda n: -hz[n][1])[:15]:
            out.append(f"| {_cell(name)} | {now[name][0]:,} | {hz[name][0]:,} | "
                       f"{human(now[name][1])} | {human(hz[name][1])} | "
                       f"{human(tx[name][1])} |")
        if len(now) > 15:
            out.append(f"| … {len(now) - 15} smaller tables | | | | | |")
    out += ["", "### Must have now", ""] + [f"- {x}" for x in plan.must_now()]
    out += ["", "### Nice to have later", ""] + [f"- {x}" for x in plan.later()]
    out += ["", "### Partitioning", ""]
    lines = []
    for t in doc.tables:
        if t.partition_by is not None:
            parts = doc.partitions(t)
            default = [p.name for p in parts if (p.partition_bound or "").upper() == "DEFAULT"]
            lines.append(f"{_label(t)} is partitioned by {t.partition_by.strategy} on "
                         f"{_cols(t.partition_by.keys)} into {len(parts)} partitions"
                         + (f" (default partition {default[0]})" if default else
                            " (no default partition)"))
    for p in plan.partitions:
        lines.append(str(p).replace("\n", "; ").replace("  ", " "))
    biggest = max(((doc.horizon(t) or 0, t.name) for t in doc.tables), default=(0, "—"))
    out += [f"- {x}." for x in lines] or ([
        f"No table needs partitioning: the largest, {biggest[1]}, reaches {biggest[0]:,} rows "
        f"after {_MONTHS} months (the plan starts at 10,000,000) and no table has a retention "
        f"intent."] if plan.volumes_known else [
        "Not planned: the volumes are unknown (see above), and partitioning is sized to "
        "them."])
    out += ["", "### Pooling", ""] + [f"- {x.strip(' -!')}" for x in str(plan.pooling).splitlines()]
    reads = [q for q in d.queries if query_shape(q.sql).read_only]
    out += ["", "### Read replicas", ""]
    if reads:
        movable = [q.name for q in reads if not q.critical]
        out.append(f"Route to replicas: {_cols(movable) or 'none (every read is critical)'}; "
                   f"keep on the primary (critical, read-after-write): "
                   f"{_cols(q.name for q in reads if q.critical) or 'none'}.")
    else:
        out.append("No read pattern is declared, so no read can be routed to a replica yet.")
    out += ["", "### Sharding", ""] + [f"- {x.strip(' -')}" for x in
                                      str(plan.sharding).splitlines()]
    out += ["", "### Bottlenecks and mitigations", ""]
    out += [f"- {x}." for x in _bottlenecks(doc)] or [
        (f"No bottleneck found: no advisor scaling rule fires, every table fits in "
         f"{m.ram_gb:g} GB after {_MONTHS} months" if plan.volumes_known else
         "No bottleneck found from the design alone: no advisor scaling rule fires; with the "
         "volumes unknown nothing is extrapolated")
        + ("" if doc.ev is None else ", and every measured pattern is inside the budget")
        + "."]
    return [*out, ""]


def _sizes(doc: _Doc, cap: object) -> dict[str, tuple[int, int]]:
    """(rows, bytes) per table of a capacity estimate, partitions summed into their parent:
    the design talks about ``metrics``, not its months."""
    out: dict[str, tuple[int, int]] = {}
    for t in cap.tables:  # type: ignore[attr-defined]
        x = doc.design.table(t.name, t.schema)
        name = x.partition_of if x is not None and x.partition_of else t.name
        rows, size = out.get(name, (0, 0))
        out[name] = (rows + t.rows, size + t.total_bytes)
    return out


def _ordering_indexes(doc: _Doc, pattern: str) -> list[str]:
    """Indexes whose keys deliver the pattern's ORDER BY (read from its SQL)."""
    out = []
    for t in doc.tables:
        for ix, _ in _table_indexes(t):
            for u in doc.uses.get(t.key, []):
                how = _serves(ix, u, t.intent.tenant_key) if u.pattern.name == pattern else None
                if how is not None and how.sort is not None:
                    out.append(ix.name)
    return list(dict.fromkeys(out))


def _bottlenecks(doc: _Doc) -> list[str]:
    out = []
    ev = doc.ev
    if ev is not None:
        for p in ev.patterns:
            if not p.measured:
                out.append(f"{_code(p.pattern)} could not be measured: {p.error}")
                continue
            big = max(p.table_rows, key=lambda kv: kv[1], default=None)
            t = doc.design.table(big[0]) if big else None
            target = doc.horizon(t) if t is not None else None
            over = not p.within(ev.budget_ms)
            if p.seq_scans and big and target and big[1] > 0:
                grown = p.median_ms * target / big[1]
                out.append(f"{_code(p.pattern)} scans {_cols(p.seq_scans)} (plan: {p.plan}): "
                           f"linear in rows, {_ms(p.median_ms)} ms at {big[1]:,} rows becomes "
                           f"~{_ms(grown)} ms at the {target:,} expected after {_MONTHS} months"
                           + (" — over the budget: give it an index" if grown > ev.budget_ms
                              else ""))
            elif over:
                out.append(f"{_code(p.pattern)} has p95 {_ms(p.p95_ms)} ms, over the "
                           f"{ev.budget_ms:.0f} ms budget already at scale {ev.scale:g}")
            if p.rows == 0:
                out.append(f"{_code(p.pattern)} found no rows in any of its {p.runs} runs: its "
                           f"timing is the cost of an empty answer on the generated data, not "
                           f"of a typical one")
            if p.plan and "Sort" in p.plan and p.rows and p.rows > 1:
                ordered = _ordering_indexes(doc, p.pattern)
                out.append(
                    f"{_code(p.pattern)} sorts in its measured plan ({p.plan})"
                    + (f" although {_cols(_code(i) for i in ordered)} can deliver its ORDER "
                       f"BY: with {p.rows:,.1f} rows per call the planner found sorting "
                       f"cheaper — re-measure at a larger scale" if ordered else
                       ": no index delivers its ORDER BY, so its cost grows with the rows "
                       "it matches — add the sort column after the equality columns"))
    for f in doc.report.sorted():
        if f.rule in ("partition-candidate", "int-id-overflow-risk", "random-uuid-pk",
                      "query-pattern-without-index"):
            out.append(f"advisor {_code(f.rule)} on {f.where}: {f.message} — fix: {f.fix}")
    ram = doc.machine.ram_gb * 1024 ** 3
    for name, (_, size) in _sizes(doc, doc.plan.capacity_horizon).items():
        if size > ram:
            t = doc.design.table(name)
            part = ("its recent partitions stay cached" if t is not None and t.partition_by
                    else "its recently used pages stay cached")
            out.append(f"{name} reaches {human(size)} after {_MONTHS} months, more than the "
                       f"{doc.machine.ram_gb:g} GB of RAM: only {part}, so reads of old rows "
                       f"go to disk")
    return out


def _operations(doc: _Doc) -> list[str]:
    out = ["## Operations", ""]
    if any(e.name == "pg_stat_statements" for e in doc.design.extensions):
        out.append("pg_stat_statements is declared, so the monitoring queries below work.")
    elif doc.ev is not None and doc.ev.statements_note is None:
        out.append("pg_stat_statements was loaded on the measuring server (the server-side "
                   "timings come from it); the design does not declare it: add it to "
                   f"{_code('extensions:')} so production has it too.")
    else:
        out.append("The design does not declare pg_stat_statements: the first monitoring "
                   f"query below needs it ({_code('shared_preload_libraries')} and "
                   f"{_code('CREATE EXTENSION')}).")
    out += ["", _embed(doc.plan.runbook.markdown(level=3).strip()), ""]
    return out
