"""The "Normalisation and denormalisation" section: the trade-offs the design makes or is
offered — advisor normalisation findings, deliberate suppressions, JSON documents kept in the
row, columns copied from a parent, materialized views, and the caching plan's proposals."""
from __future__ import annotations

import re

from pgarch_kit.model.types import short_type

from ._context import _code, _cols, _Doc, _label

_NORMAL_RULES = ("repeating-column-group", "degenerate-table", "redundant-fk",
                 "inconsistent-column-types", "duplicate-column-definition")
# parent columns too common to call a child's ``<x>_name`` a copy of them
_GENERIC = {"id", "name", "title", "status", "state", "type", "kind", "code", "key", "value"}


def _copies(doc: _Doc) -> list[str]:
    """Columns stored beside a foreign key that repeat a parent column (``unit_price`` beside
    products.price): kept per row, they do not follow the parent."""
    out = []
    for t in doc.tables:
        for fk in t.foreign_keys:
            ref = doc.design.table(fk.ref_table, fk.ref_schema or t.schema)
            if ref is None or ref is t:
                continue
            fk_cols = {x for f in t.foreign_keys for x in f.columns}
            ref_keys = set(ref.primary_key.columns if ref.primary_key else ())
            for c in t.columns:
                for rc in ref.columns:
                    if (c.name != rc.name and c.name.endswith("_" + rc.name)
                            and c.type == rc.type and rc.name not in _GENERIC
                            and c.name not in fk_cols and rc.name not in ref_keys
                            and "timestamp" not in c.type):
                        out.append(f"{_label(t)}.{c.name} ({short_type(c.type)}) repeats "
                                   f"{ref.name}.{rc.name} beside the foreign key "
                                   f"({_cols(fk.columns)}): stored per row, it keeps the value "
                                   f"of the moment of writing")
    return out


def _normalisation(doc: _Doc) -> list[str]:
    out = ["### Normalisation and denormalisation", ""]
    lines = [f"advisor {_code(f.rule)} on {f.where}: {f.message}" for f in doc.report.sorted()
             if f.rule in _NORMAL_RULES]
    for s in doc.design.lint.suppress:
        where = ".".join(x for x in (s.table, s.column) if x) or "the design"
        lines.append(f"deliberate exception: {_code(s.rule)} suppressed for {where} — "
                     f"{s.reason or 'no reason given'}")
    for t in doc.tables:
        docs = [c.name for c in t.columns if c.type in ("jsonb", "json")]
        if docs:
            readers = sorted({f"{u.pattern.name} ({o})" for u in doc.uses.get(t.key, [])
                              for c, o in u.ops if c in docs})
            lines.append(f"{_label(t)} keeps {_cols(docs)} as JSON documents in the row "
                         f"instead of child tables"
                         + (f"; queried by {_cols(readers)}" if readers else
                            "; no query pattern filters inside them"))
        if t.intent.notes:
            lines.append(f"{_label(t)}: {' '.join(t.intent.notes.split()).rstrip('.')}")
    lines += _copies(doc)
    for v in doc.design.views:
        if v.materialized:
            reads = sorted({t.name for t in doc.tables
                            if re.search(rf"\b{re.escape(t.name)}\b", v.query)})
            lines.append(f"materialized view {_label(v)} stores a derived copy of "
                         f"{_cols(reads) or 'its query'}"
                         + (f", keyed by {_code(v.indexes[0].name)}" if v.indexes else "")
                         + "; it is as old as its last REFRESH"
                         + (f" ({v.comment.strip().rstrip('.')})" if v.comment else ""))
    from pgarch_kit.production import caching_plan
    plan = caching_plan(doc.design)
    for m in plan.matviews:
        if not m.existing:
            lines.append(f"proposed: materialized view {_code(m.name)} for {_code(m.pattern)} "
                         f"(key {_cols(m.keys) or '—'}): {m.verdict}")
    for s in plan.summaries:
        lines.append(f"proposed: summary column(s) {_cols(c[0] for c in s.columns)} on "
                     f"{s.parent} for {_code(s.pattern)}, kept by triggers on {s.child}: "
                     f"{s.reason}")
    if not lines:
        lines.append(f"nothing to trade: none of the advisor's normalisation rules "
                     f"({_cols(_NORMAL_RULES)}) fires, no table keeps JSON documents, and the "
                     f"caching plan proposes no derived copy for the {len(doc.design.queries)}"
                     f" query pattern(s)")
    return out + [f"- {x}." for x in lines] + [""]
