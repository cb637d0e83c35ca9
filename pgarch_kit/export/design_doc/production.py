"""The "Production concerns" chapter: caching layers, isolation levels, HOT updates and
fillfactor, and the concurrency patterns (job queues, compare-and-set, advisory locks) the
design's patterns and jobs call for."""
from __future__ import annotations

from ._context import _code, _cols, _Doc, _ms


def _production(doc: _Doc) -> list[str]:
    from pgarch_kit.production import caching_plan, hot_advice, isolation_plan
    d = doc.design
    out = ["## Production concerns", "", "### Caching", ""]
    cp = caching_plan(d)
    layers = []
    for m in cp.matviews:
        layers.append((f"existing materialized view {_code(m.name)}: " if m.existing else
                       f"materialized view {_code(m.name)} for {_code(m.pattern)}: ") + m.verdict
                      + (f"; {'; '.join(m.caveats)}" if m.caveats else "")
                      + f"; refresh every {m.refresh_minutes} min")
    for s in cp.summaries:
        layers.append(f"summary columns {_cols(c[0] for c in s.columns)} on {s.parent} for "
                      f"{_code(s.pattern)}: {s.reason}")
    if cp.cache is not None:
        for q in cp.cache.queries:
            p = doc.pattern_ev(q.pattern)
            measured = (f"; measured median {_ms(p.median_ms)} ms from PostgreSQL"
                        if p is not None and p.measured else "")
            layers.append(f"Redis cache-aside for {_code(q.pattern)}, key "
                          f"{_code(q.key(cp.cache.prefix, {x: f'<{x}>' for x in q.params}, 0))}"
                          f", TTL {q.ttl} s: {q.reason}{measured}")
    out += [f"- {x}." for x in layers] or [
        f"No pattern qualifies for a cache layer: none aggregates, none is critical and none "
        f"runs 10 or more times a second ({len(d.queries)} pattern(s) declared)."]
    iso = isolation_plan(d)
    out += ["", "### Isolation levels", ""]
    if iso.advice:
        out.append(f"{len(iso.needs_more)} of {len(iso.advice)} writes or rules need more than "
                   f"READ COMMITTED" + (" (the rules are suggested from status columns: "
                                        "confirm them)" if iso.suggested and iso.invariants
                                        else "") + ".")
        out += [f"- {a.subject} — {a.kind}: **{a.level}**; {a.reason}"
                + (f". At READ COMMITTED: {_code(a.fix)}" if a.fix else "") for a in iso.advice]
    else:
        out.append("No pattern writes or reads in several statements, and no status column "
                   "with a parent suggests a one-row rule: READ COMMITTED holds everything "
                   "declared.")
    hot = hot_advice(d)
    out += ["", "### HOT updates and fillfactor", ""]
    out += [f"- {h.table}: {h.reason}" + (f" — {_code(h.sql())}" if h.fillfactor else "") + "."
            for h in hot] or ["No table looks update-heavy (no status or updated_at column, no "
                              "UPDATE pattern): the default fillfactor 100 stays."]
    out += ["", "### Concurrency patterns", ""]
    out += [f"- {x}." for x in _concurrency(doc)] or [
        "Nothing in the design calls for a queue, a singleton job or optimistic locking: no "
        "pattern takes work items by status, no scheduled job exists, no table is updated in "
        "place."]
    return [*out, ""]


def _concurrency(doc: _Doc) -> list[str]:
    from pgarch_kit.production import hot_advice
    from pgarch_kit.scale.pooling import session_features
    d, out = doc.design, []
    for t in doc.tables:
        status = next((c.name for c in t.columns if c.name in ("status", "state")), None)
        for u in doc.uses.get(t.key, []):
            if status and status in u.eq and u.order and u.use.limit:
                out.append(f"{_code(u.pattern.name)} takes the oldest {t.name} by {status}: if "
                           "several workers process them, claim with "
                           f"{_code('FOR UPDATE SKIP LOCKED')} so no two take the same row "
                           "(the job-queue pattern)")
    for h in hot_advice(d):
        t = d.table(h.table)
        col = next((c.name for c in t.columns if c.name in ("status", "state", "updated_at")),
                   None) if t is not None else None
        if col:
            out.append(f"{h.table} changes in place ({col}): a read-modify-write from the "
                       "application needs a compare-and-set "
                       f"({_code(f'WHERE {col} = :seen')}) or a version column, or concurrent "
                       "updates are lost")
    jobs = [f"refresh of {v.name}" for v in d.views if v.materialized]
    jobs += [f"partition maintenance of {t.name}" for t in doc.tables if t.partition_by]
    jobs += [f"archival of {t.name}" for t in doc.tables if t.intent.retention_months
             and not t.partition_by]
    if jobs:
        out.append(f"scheduled jobs ({_cols(jobs)}): run each under "
                   f"{_code('pg_try_advisory_xact_lock(key)')} so two schedulers never run it "
                   "at once")
    out += [s for s in session_features(d) if "current_setting" not in s]
    return out
