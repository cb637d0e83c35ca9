"""large-object-column: oid / lo columns pointing at large objects."""
from __future__ import annotations

from collections.abc import Iterator

from pgarch_kit.model.names import derive_name, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._common import sql_table, typed_columns


class LargeObjectColumn(Rule):
    """What: user columns typed ``oid`` or ``lo`` (the lo extension's domain), the
    BLOB/CLOB-style handle to a large object. Needs only the design.

    Why: large objects live outside the row in ``pg_largeobject``. Deleting or updating the
    row does not remove them (storage leaks unless a ``lo_manage`` trigger or vacuumlo runs),
    they need their own privileges, and logical replication does not carry them.

    Fix: store the content as ``bytea`` (or in object storage with a URL/key column):
    ``ALTER TABLE t ADD COLUMN c_data bytea`` and migrate with ``lo_get(c)``.

    References: pg-index-health columns_with_blob_type.
    """

    code = "PGA011"
    slug = "large-object-column"
    category = "types"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t, c, ty in typed_columns(ctx):
            if ty.base.lower() not in ("oid", "lo") or ty.is_array:
                continue
            new = quote_ident(derive_name(c.name, suffix="data"))
            yield self.finding(
                t, c.name,
                f"{c.name} is {ty.base}, a large-object handle: the object outlives its row "
                f"and leaks storage, needs separate privileges and is not replicated",
                f"ALTER TABLE {sql_table(t)} ADD COLUMN {new} bytea; "
                f"UPDATE {sql_table(t)} SET {new} = lo_get({quote_ident(c.name)});")
