"""The real name of a constraint that a design leaves unnamed, read from the database migrated.

PostgreSQL names an unnamed constraint itself (``orders_customer_id_fkey``), shortening long
names by bytes and adding ``1``, ``2``… when the name is taken anywhere in the schema. A
prediction from the design alone (:mod:`pgarch_kit.model.default_names`) is right for one
table but cannot see the rest of the schema or a constraint added by hand, and a migration
that drops a constraint under the wrong name would drop nothing. So when the database is at
hand (``pgarch migrate --apply``), the constraint is found in that database's design by what
it is — its columns and kind, and for a foreign key its target — and dropped by its real name;
when it cannot be found, or not told apart from another, the migration is refused with the
names the database has, before anything runs.
"""
from __future__ import annotations

from pgarch_kit.model.default_names import check_columns
from pgarch_kit.model.design import Check, Design, ForeignKey, Table, Unique

from .plan import MigrationError

__all__ = ["live_name"]


def live_name(live: Design, old: Table, con: Check | Unique | ForeignKey, guess: str) -> str:
    """The name ``live`` (the database's own design) gives ``con``, a constraint of ``old``
    that the old design leaves unnamed; ``guess`` is PostgreSQL's rule applied to the design."""
    table = live.table(old.name, old.schema)
    what = _describe(con)
    if table is None:
        raise MigrationError(
            f"table {old.schema}.{old.name}: the database being migrated has no such table, so "
            f"its {what} cannot be dropped — migrate from the design that database was built "
            f"from")
    if isinstance(con, ForeignKey):
        ref_schema = con.ref_schema or old.schema
        found = [fk.name for fk in table.foreign_keys
                 if fk.columns == con.columns and fk.ref_table == con.ref_table
                 and (fk.ref_schema or table.schema) == ref_schema
                 and fk.ref_columns == con.ref_columns]
        have = [fk.name for fk in table.foreign_keys]
    elif isinstance(con, Unique):
        found = [u.name for u in table.uniques if u.columns == con.columns]
        have = [u.name for u in table.uniques]
    else:
        have = [c.name for c in table.checks]
        if guess in have:
            return guess
        cols = set(check_columns(con.expression))
        claimed = {c.name for c in old.checks if c.name}
        found = [c.name for c in table.checks if c.name not in claimed
                 and set(check_columns(c.expression)) == cols]
    names = [n for n in found if n]
    if len(names) == 1:
        return names[0]
    if guess in names:
        return guess
    listed = ", ".join(sorted(n for n in have if n)) or "none"
    problem = ("is not in the database being migrated" if not names else
               f"matches {len(names)} constraints there ({', '.join(sorted(names))})")
    raise MigrationError(
        f"table {old.name}: the old design's unnamed {what} {problem}; the table's "
        f"constraints of that kind are: {listed}. Name the constraint in the old design as the "
        f"database names it (name: …) and run migrate again")


def _describe(con: Check | Unique | ForeignKey) -> str:
    if isinstance(con, ForeignKey):
        return f"foreign key ({', '.join(con.columns)}) → {con.ref_table}"
    if isinstance(con, Unique):
        return f"unique ({', '.join(con.columns)})"
    return f"check ({con.expression})"
