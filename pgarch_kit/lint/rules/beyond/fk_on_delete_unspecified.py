"""fk-on-delete-unspecified: foreign keys left at the default ON DELETE NO ACTION."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import pg_default_name, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule


class FkOnDeleteUnspecified(Rule):
    """What: a foreign key whose ON DELETE is ``NO ACTION``, the default. One finding per
    foreign key, info only: a schema read from a database cannot tell an unspecified action from
    a deliberate NO ACTION, so the rule asks for the decision rather than calling it wrong. (A
    house policy on actions is fk-action-policy's job.) Needs only the design; whether NO ACTION
    was chosen it cannot tell, hence info.

    Why: what deleting a parent does to its children is a design decision — cascade the
    composition, block deletes of owned history, detach optional links — and leaving the
    default usually means nobody made it; the first delete then fails in production.

    Fix: state it: ``ALTER TABLE child DROP CONSTRAINT fk, ADD CONSTRAINT fk FOREIGN KEY (…)
    REFERENCES parent (…) ON DELETE RESTRICT NOT VALID;`` (CASCADE for compositions, SET NULL
    for optional links), or suppress the finding with the reason NO ACTION was chosen.
    """

    code = "PGA115"
    slug = "fk-on-delete-unspecified"
    category = "relationships"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            for fk in t.foreign_keys:
                if fk.on_delete.upper() != "NO ACTION":
                    continue
                cols = ", ".join(quote_ident(c) for c in fk.columns)
                refs = ", ".join(quote_ident(c) for c in fk.ref_columns)
                name = fk.name or pg_default_name(t.name, fk.columns, "fkey")
                yield self.finding(
                    t, fk.columns[0] if len(fk.columns) == 1 else None,
                    f"foreign key ({', '.join(fk.columns)}) → {fk.ref_table} leaves ON DELETE "
                    f"at the default NO ACTION: deleting a {fk.ref_table} row that still has "
                    f"{t.name} rows fails; choose the behaviour deliberately",
                    f"ALTER TABLE {quote_ident(t.name)} DROP CONSTRAINT {quote_ident(name)}, "
                    f"ADD CONSTRAINT {quote_ident(name)} FOREIGN KEY ({cols}) REFERENCES "
                    f"{quote_ident(fk.ref_table)} ({refs}) "
                    f"ON DELETE RESTRICT NOT VALID;  -- or CASCADE / SET NULL")
