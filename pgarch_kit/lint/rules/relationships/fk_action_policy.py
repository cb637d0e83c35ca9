"""fk-action-policy: foreign-key actions that differ from the design's house policy."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pgarch_kit.model import FK_ACTIONS
from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..indexes._shared import columns_sql, table_sql


def _policy(value: Any) -> tuple[str, ...]:
    """The allowed actions: one action or a list; spelled loosely (``set_null``)."""
    if not value:
        return ()
    values = value if isinstance(value, (tuple, list)) else (value,)
    out = tuple(" ".join(str(v).replace("_", " ").upper().split()) for v in values)
    return tuple(v for v in out if v in FK_ACTIONS)


class FkActionPolicy(Rule):
    """What: foreign keys whose ``ON DELETE`` action is not one the design's house policy
    allows (setting ``fk_on_delete_policy``: one action such as ``RESTRICT`` or a list; empty
    switches the rule off), and likewise ``ON UPDATE`` when ``fk_on_update_policy`` is set.

    Why: when some keys cascade, some block and some set NULL without a rule behind it,
    deletes behave unpredictably: a cascade wipes more than intended, or a delete that
    works on one table fails on the next.

    Fix: ``ALTER TABLE child DROP CONSTRAINT fk, ADD CONSTRAINT fk FOREIGN KEY (…)
    REFERENCES parent (…) ON DELETE <policy> NOT VALID;`` then ``VALIDATE CONSTRAINT fk``.

    References: schemalint reference-actions.
    """

    code = "PGA033"
    slug = "fk-action-policy"
    category = "relationships"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        on_delete = _policy(ctx.setting("fk_on_delete_policy"))
        on_update = _policy(ctx.setting("fk_on_update_policy"))
        if not (on_delete or on_update):
            return
        for t in ctx.tables:
            for fk in t.foreign_keys:
                for clause, actual, allowed in (("ON DELETE", fk.on_delete, on_delete),
                                                ("ON UPDATE", fk.on_update, on_update)):
                    if not allowed or actual in allowed:
                        continue
                    name = quote_ident(fk.name) if fk.name else "<constraint>"
                    parent = ctx.ref_table(t, fk)
                    ref = table_sql(parent) if parent else qualified(fk.ref_schema,
                                                                     fk.ref_table)
                    yield self.finding(
                        t, fk.columns[0] if len(fk.columns) == 1 else None,
                        f"foreign key ({', '.join(fk.columns)}) → {fk.ref_table} is {clause} "
                        f"{actual}, but the house policy is {' or '.join(allowed)}: "
                        f"inconsistent actions make deletes cascade or block unexpectedly",
                        f"ALTER TABLE {table_sql(t)} DROP CONSTRAINT {name}, ADD CONSTRAINT "
                        f"{name} FOREIGN KEY ({columns_sql(fk.columns)}) REFERENCES {ref} "
                        f"({columns_sql(fk.ref_columns)}) {clause} {allowed[0]} NOT VALID;")
