"""The "Keys and UUID strategy" section: each table's primary key and why its shape suits the
table (identity, composite, tenant-led, uuid version, natural key), then the design's uuid
columns by generator, next to what the advisor's random-uuid-pk rule makes of them."""
from __future__ import annotations

from pgarch_kit.model.types import parse_type, short_type

from ._context import _MONTHS, _V4, _V7, _cols, _Doc, _label


def _keys(doc: _Doc) -> list[str]:
    out = ["### Keys and UUID strategy", ""]
    v4: list[str] = []
    v7: list[str] = []
    other: list[str] = []
    identity = 0
    for t in doc.tables:
        for c in t.columns:
            if c.type == "uuid":
                where = f"{_label(t)}.{c.name}"
                (v4 if c.default and _V4.search(c.default) else
                 v7 if c.default and _V7.search(c.default) else other).append(where)
        pk = t.primary_key
        if pk is None:
            out.append(f"- **{_label(t)}** has no primary key: its rows cannot be addressed "
                       f"one by one, and logical replication cannot replicate its UPDATEs "
                       f"and DELETEs.")
            continue
        cols = [t.column(n) for n in pk.columns]
        desc = ", ".join(f"{n} {short_type(c.type)}" if c else n
                         for n, c in zip(pk.columns, cols))
        why = []
        if len(cols) == 1 and cols[0] is not None and cols[0].identity:
            identity += 1
            why.append(f"identity ({cols[0].identity}), numbered by the server")
        first = cols[0]
        if len(pk.columns) > 1:
            lead_fk = next((fk for fk in t.foreign_keys if fk.columns[0] == pk.columns[0]),
                           None)
            why.append(f"composite: rows sharing {pk.columns[0]} sit together in the key"
                       + (f", which also serves the foreign key to {lead_fk.ref_table}"
                          if lead_fk else ""))
        if t.intent.tenant_key and pk.columns[0] == t.intent.tenant_key and len(cols) > 1:
            why.append(f"the tenant key {pk.columns[0]} leads, so every key lookup names the "
                       f"tenant and each tenant's keys are adjacent")
        for n, c in zip(pk.columns, cols):
            if c is None or c.type != "uuid" or not c.default:
                continue
            if _V4.search(c.default):
                where = ("after the leading key, so inserts stay local to it"
                         if n != pk.columns[0] else "leading, so inserts land on random "
                         "leaf pages of the key's B-tree")
                why.append(f"{n} is a random (v4) uuid {where}")
            elif _V7.search(c.default):
                why.append(f"{n} is a time-ordered (v7) uuid: inserts append at the right edge")
        if first is not None and parse_type(first.type).base in ("text", "character varying",
                                                                  "citext"):
            why.append("a natural text key: a change to it must reach every referencing row")
        if pk.include:
            why.append(f"INCLUDE ({_cols(pk.include)}) makes key lookups index-only")
        rows = doc.horizon(t)
        vol = f"; {rows:,} rows expected after {_MONTHS} months" if rows is not None else ""
        out.append(f"- **{_label(t)}** ({desc}): {'; '.join(why) or 'a plain key'}{vol}.")
    out.append("")
    uuid_line = [f"**UUIDs**: {len(v4) + len(v7) + len(other)} uuid column(s)"]
    if v4:
        uuid_line.append(f"random v4 in {_cols(v4)}")
    if v7:
        uuid_line.append(f"time-ordered v7 in {_cols(v7)}")
    if other:
        uuid_line.append(f"no generator (copied from a parent or supplied) in {_cols(other)}")
    if not (v4 or v7 or other):
        uuid_line.append(f"the design uses none; {identity} of {len(doc.tables)} tables are "
                         f"keyed by identity columns")
    flagged = [f.where for f in doc.report.findings if f.rule == "random-uuid-pk"]
    if v4:
        uuid_line.append("the advisor's random-uuid-pk flags " + (_cols(flagged) if flagged
                         else "none of them (each is below its volume threshold or does not "
                              "lead its key)"))
        if doc.ev is not None and doc.ev.server_major >= 18:
            uuid_line.append(f"PostgreSQL {doc.ev.server_version_text}, measured here, has "
                             f"uuidv7() built in for time-ordered keys")
    out += ["; ".join(uuid_line) + ".", ""]
    return out
