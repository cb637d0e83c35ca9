"""The "Security" chapter: row-level security and tenancy, roles and least privilege, personal
data and erasure, encryption, and the audit, soft-delete and retention intents."""
from __future__ import annotations

import re

from ._context import _code, _cols, _Doc, _fenced, _flat, _guarded, _keep, _label


def _security(doc: _Doc) -> list[str]:
    from pgarch_kit.production import privilege_plan
    from pgarch_kit.scale.pooling import session_features
    d, out = doc.design, ["## Security", "", "### Row-level security and tenancy", ""]
    ten = doc.plan.tenancy
    if ten.keys:
        out.append(f"Tenant isolation for role {_code(ten.role)}, tenant from "
                   f"{_code(f'current_setting({ten.setting!r})')}: "
                   + _cols(f"{t}.{k}" for t, k in ten.keys.items()) + ".")
        out += ["", *([f"- plan: {c}" for c in ten.changes]
                      or ["- every tenant table already has forced RLS and WITH CHECK"])]
    else:
        out.append(f"No table has a tenant key ({_code('intent.tenant_key')} or a "
                   "tenant-named column), "
                   "so the tenancy plan adds no row-level security.")
    out.append("")
    for t in doc.tables:
        for p in t.policies:
            out.append(f"- {_label(t)} policy {_code(p.name)} for {p.command} to "
                       f"{_cols(p.roles)}: USING {_code(p.using or 'true')}"
                       + (f", WITH CHECK {_code(p.with_check)}" if p.with_check else "")
                       + ("" if t.rls_enabled else " (RLS is not enabled on the table)")
                       + (", forced" if t.rls_forced else ""))
    rules: dict[str, list[str]] = {}
    notes = []          # design-wide findings (what a rule needs to judge): said, not listed
    for f in doc.report.sorted():
        if f.category == "security/RLS" and f.table is None:
            notes.append(f"- advisor {_code(f.rule)} ({f.severity}): {_flat(f.message)}")
        elif f.category == "security/RLS":
            rules.setdefault(f"{_code(f.rule)} ({f.severity})", []).append(f.where)
    out += [f"- advisor {r}: {_cols(w)}" for r, w in rules.items()] + notes
    reads = sorted({m.group(1) for s in session_features(d)
                    if (m := re.search(r"current_setting\('([^']+)'\)", s))})
    if reads:
        out.append(f"- every transaction must set {_cols(reads)} with SET LOCAL (or "
                   f"set_config(…, true)): the policies read it, and under transaction "
                   f"pooling a plain SET would leak to the next client")
    pp = privilege_plan(d)
    out += ["", "### Roles and least privilege", ""]
    n_tables = len(doc.tables)
    out.append(f"{_code(pp.owner)} owns the {n_tables} tables and {len(d.views)} views; "
               f"{_code(pp.migrator)} runs migrations as a member of it; {_code(pp.app)} may "
               f"SELECT, INSERT, UPDATE and DELETE rows and use sequences but change no "
               f"table; {_code(pp.readonly)} reads "
               + (f"every column except {_cols(f'{t}.{c}' for t, c in pp.sensitive)}"
                  if pp.sensitive else "every column (no sensitive personal column is tagged)")
               + f". {len(pp.statements)} statements:")
    out += ["", _keep("<details><summary>roles and grants</summary>"), "",
            _fenced(pp.sql(), "sql"), "", _keep("</details>"), ""]
    out += _guarded(_privacy, doc, "### Personal data and erasure")
    out += ["", "### Encryption", ""]
    if doc.ev is not None:
        advice = pp.encryption_advice("pgcrypto" in doc.ev.extensions)
        out.append(advice[:1].upper() + advice[1:] + ".")
    elif pp.encrypt:
        out.append(f"{_cols(f'{t}.{c}' for t, c in pp.encrypt)} need encryption at rest "
                   f"(government id, financial, health or credential data); whether the "
                   f"server has pgcrypto was not checked.")
    else:
        out.append("No column is tagged as government id, financial, health or credential "
                   "data, so no column needs encryption at rest beyond the disk's.")
    out += ["", "### Audit, soft delete and retention", ""]
    out += _audit(doc)
    return [*out, ""]


def _privacy(doc: _Doc) -> list[str]:
    from pgarch_kit.production import privacy_plan
    pv = privacy_plan(doc.design)
    out = ["### Personal data and erasure", ""]
    if pv.tags:
        out.append("Personal columns: " + "; ".join(
            f"{t}.{c} ({cat}, {how})" for (t, c), (cat, how) in pv.tags.items()) + ".")
    else:
        out.append("No column is tagged personal (by name, type or the design's "
                   f"{_code('privacy:')}).")
    if pv.subject and pv.steps:
        out += ["", f"Data subject: {_code(pv.subject)}; "
                    f"{_code(f'CALL {pv.procedure}(id)')} erases "
                    f"one, {_code(f'{pv.export_function}(id)')} exports their rows:", ""]
        out += [f"- {s.table}: {s.mode} — {s.reason}" for s in pv.steps]
    out += [f"- ⚠ {u}" for u in pv.unlinked if pv.tags or "subject" not in u]
    out.append("")
    keep = [f"{t}: {how} — {why}" for t, how, why in pv.retention if how != "as long as the "
            "business needs it"]
    if keep:
        out.append("Retention: " + "; ".join(keep) + ".")
    return out


def _audit(doc: _Doc) -> list[str]:
    d, lines = doc.design, []
    for t in doc.tables:
        it = t.intent
        if it.audit:
            unmet = any(f.rule == "audit-intent-unmet" for f in doc.findings(_label(t)))
            trig = [tr.name for tr in d.triggers if tr.table == t.name]
            lines.append(f"{_label(t)} is audited: "
                         + ("advisor audit-intent-unmet — no trigger records its changes"
                            if unmet else f"trigger(s) {_cols(trig)} record every change"))
        if it.soft_delete:
            live = [i.name for i in t.indexes if i.where and it.soft_delete in i.where]
            lines.append(f"{_label(t)} is soft-deleted by {it.soft_delete}"
                         + (f"; live rows only: {_cols(live)}" if live else
                            "; no index is limited to live rows"))
        if it.retention_months:
            lines.append(f"{_label(t)} keeps {it.retention_months} months of rows"
                         + (f" (partitioned by {t.partition_by.strategy} on "
                            f"{_cols(t.partition_by.keys)}: expiry drops partitions)"
                            if t.partition_by else ""))
    return [f"- {x}." for x in lines] or ["No table states an audit, soft-delete or retention "
                                          "intent."]
