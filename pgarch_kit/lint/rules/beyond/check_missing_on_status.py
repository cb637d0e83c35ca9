"""check-missing-on-status: free-text status/state/kind columns nothing restricts."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model.names import derive_name, quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ..types._common import sql_table

# ``type``/``*_type`` and ``*_state`` are left out on purpose: they are as often an open
# vocabulary (MIME types, event types, prev_state holding an event id) as a closed set.
_NAMES = re.compile(r"^(status|state|kind|.+_status)$")
_TEXT = ("text", "character varying", "character", "citext")
# Beside these, ``state`` is the part of an address (a US state), not a lifecycle state.
_ADDRESS = re.compile(r"(^|_)(city|country|zip|postal|postcode|address|street|province)"
                      r"(_|$)|^(city|country|zip|address)", re.IGNORECASE)


class CheckMissingOnStatus(Rule):
    """What: a ``text``/``varchar``/``char`` column named ``status``, ``state`` or ``kind``,
    or ending in ``_status``, with no CHECK
    constraint mentioning it and no foreign key over it. Enum- and domain-typed columns are
    already restricted and are not flagged, nor is a ``state`` beside address columns
    (``city``, ``country``, ``zip`` …), which is a region. Info: some such columns are free
    text on purpose (a remote system's status passed through). Needs only the design.

    Why: every typo becomes a new state ("canceled" next to "cancelled"), and code that
    switches over the states silently misses them.

    Fix: ``ALTER TABLE t ADD CONSTRAINT t_status_known CHECK (status IN ('pending', 'paid',
    …)) NOT VALID;`` then ``VALIDATE CONSTRAINT``; or a lookup table with a foreign key when
    the states carry attributes or change often.
    """

    code = "PGA114"
    slug = "check-missing-on-status"
    category = "constraints"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            fk_cols = {c for fk in t.foreign_keys for c in fk.columns}
            address = any(_ADDRESS.search(c.name) for c in t.columns)
            checks = " ".join(ch.expression for ch in t.checks)
            for c in t.columns:
                if (not _NAMES.match(c.name) or ctx.base_type(c.type) not in _TEXT
                        or c.name in fk_cols or (address and c.name == "state")
                        or re.search(rf"\b{re.escape(c.name)}\b", checks, re.I)):
                    continue
                yield self.finding(
                    t, c.name,
                    f"{c.name} is free {ctx.base_type(c.type)} with no CHECK, enum or foreign "
                    f"key: typos become new states",
                    f"ALTER TABLE {sql_table(t)} ADD CONSTRAINT "
                    f"{quote_ident(derive_name(t.name, c.name, suffix='known'))} CHECK "
                    f"({quote_ident(c.name)} IN (…)) NOT VALID; then VALIDATE CONSTRAINT")
