"""serial-instead-of-identity: serial columns, written or as imported schemas show them."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import qualified, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import sql_table
from ._serial import SERIAL_TYPES, owned_sequences, serial_sequence


class SerialInsteadOfIdentity(Rule):
    """What: ``serial``/``bigserial``/``smallserial`` columns — in a design or database these
    appear as a ``nextval('seq'::regclass)`` default on a sequence OWNED BY the column, which
    is what this rule detects (a nextval default on a shared, unowned sequence is a deliberate
    choice and is left alone).

    Why: the sequence is a separate object with its own permissions (granting INSERT on the
    table is not enough), ``CREATE TABLE … LIKE`` copies the default but shares the sequence,
    and the syntax is PostgreSQL-specific. Identity columns fix all of this and are SQL
    standard.

    Fix: ``ALTER TABLE t ALTER COLUMN id DROP DEFAULT; DROP SEQUENCE t_id_seq;
    ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;`` then
    ``setval`` the identity's sequence past ``max(id)`` (and use ``bigint``).

    References: PostgreSQL wiki Don't Do This; squawk prefer-identity; schemalint
    prefer-identity-to-serial; pg-index-health columns_with_serial_types.
    """

    code = "PGA006"
    slug = "serial-instead-of-identity"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        owned = owned_sequences(ctx.design)
        for t in ctx.tables:
            for c in t.columns:
                written = SERIAL_TYPES.get(c.type.strip().lower())
                seq = serial_sequence(t, c, owned)
                if written is None and seq is None:
                    continue
                tbl, col = sql_table(t), quote_ident(c.name)
                drop = (f" DROP SEQUENCE {qualified(seq.schema, seq.name)};" if seq else "")
                fix = (f"ALTER TABLE {tbl} ALTER COLUMN {col} DROP DEFAULT;{drop} "
                       f"ALTER TABLE {tbl} ALTER COLUMN {col} ADD GENERATED ALWAYS AS IDENTITY; "
                       f"-- then setval the new sequence past max({c.name})")
                how = (f"a {c.type} column" if written else
                       f"filled by nextval() on its owned sequence {seq.name}")
                yield self.finding(
                    t, c.name,
                    f"{c.name} is serial-style ({how}): the separate sequence needs its own "
                    f"grants and is shared by CREATE TABLE … LIKE copies; use an identity column",
                    fix)
