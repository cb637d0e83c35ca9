"""The "Constraints" section: per table what NOT NULL, CHECK, UNIQUE, exclusion and foreign
keys guarantee, and — gathered per parent — what deleting a parent row does to its children."""
from __future__ import annotations

from ._context import _code, _cols, _Doc, _label
from .indexes import _key_text

_ON_DELETE = {
    "CASCADE": "deleting a row of {ref} deletes its rows in {child}",
    "RESTRICT": "deleting a row of {ref} that still has rows in {child} fails at once",
    "NO ACTION": "deleting a row of {ref} that still has rows in {child} fails (the default, "
                 "checked at the end of the statement)",
    "SET NULL": "deleting a row of {ref} sets {cols} to NULL in its rows in {child}",
    "SET DEFAULT": "deleting a row of {ref} sets {cols} to its default in its rows in {child}",
}


def _constraints(doc: _Doc) -> list[str]:
    out = ["### Constraints", ""]
    parents: dict[str, list[str]] = {}
    for t in doc.tables:
        lines = []
        nn = [c.name for c in t.columns if not c.nullable or c.identity]
        lines.append(f"NOT NULL on {len(nn)} of {len(t.columns)} columns"
                     + (f"; nullable: {_cols(c.name for c in t.columns if c.name not in nn)}"
                        if len(nn) < len(t.columns) else ""))
        lines += [f"CHECK {_code(k.name or '')} {_code(k.expression)}" for k in t.checks]
        for u in t.uniques:
            nullable = [n for n in u.columns if (c := t.column(n)) and c.nullable]
            lines.append(f"UNIQUE ({_cols(u.columns)})"
                         + (" NULLS NOT DISTINCT" if u.nulls_not_distinct else
                            f": NULLs in {_cols(nullable)} never collide" if nullable else ""))
        for i in t.indexes:
            if i.unique:
                keys = _cols(_key_text(k) for k in i.keys)
                lines.append(f"unique index {_code(i.name)} on ({keys})"
                             + (f": unique only among rows where {_code(i.where)}"
                                if i.where else ""))
        for x in t.exclusions:
            words = {"=": "equal", "&&": "overlapping", "@>": "containing", "<@": "contained"}
            pairs = " and ".join(f"{words[e.operator]} {e.expression}" if e.operator in words
                                 else f"{e.expression} {e.operator}" for e in x.elements)
            lines.append(f"EXCLUDE {_code(x.name or '')} USING {x.using}: no two rows with "
                         f"{pairs}")
        for fk in t.foreign_keys:
            act = _ON_DELETE.get(fk.on_delete, fk.on_delete).format(
                ref=fk.ref_table, child=t.name, cols=_cols(fk.columns))
            extra = "" if fk.on_update == "NO ACTION" else f"; ON UPDATE {fk.on_update}"
            extra += "; deferrable" if fk.deferrable else ""
            lines.append(f"FK ({_cols(fk.columns)}) → {fk.ref_table} ({_cols(fk.ref_columns)}) "
                         f"ON DELETE {fk.on_delete}: {act}{extra}")
            how = {"CASCADE": f"{t.name} rows cascade", "SET NULL": f"{t.name} rows are "
                   f"detached (SET NULL)", "SET DEFAULT": f"{t.name} rows get defaults"}
            parents.setdefault(fk.ref_table, []).append(
                how.get(fk.on_delete, f"{t.name} rows block it ({fk.on_delete})"))
        out.append(f"**{_label(t)}**")
        out += [""] + [f"- {line}" for line in lines] + [""]
    if parents:
        out += ["**Deleting a parent row**", ""]
        out += [f"- {ref}: {'; '.join(dict.fromkeys(what))}." for ref, what in parents.items()]
        out.append("")
    else:
        out += ["The design has no foreign keys: no delete reaches another table.", ""]
    return out
