"""repeating-column-group: numbered column sets such as phone1, phone2, phone3."""
from __future__ import annotations

import re
from collections.abc import Iterator

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule

_NUMBERED = re.compile(r"^(?P<stem>.*[a-z].*?)_?(?P<n>\d{1,2})$", re.IGNORECASE)
_MIN_MEMBERS = 3


def _run_length(numbers: set[int]) -> int:
    """The longest run of consecutive integers in ``numbers``."""
    best = 0
    for n in numbers:
        if n - 1 not in numbers:
            k = n
            while k + 1 in numbers:
                k += 1
            best = max(best, k - n + 1)
    return best


class RepeatingColumnGroup(Rule):
    """What: three or more columns of one table sharing a stem with consecutive numeric
    suffixes — ``phone1, phone2, phone3`` or ``tag_1, tag_2, tag_3``. Two members
    (``address_line1, address_line2``, ``x1, x2``) are a common, legitimate pattern and are
    not reported; nor are suffixes that are not a consecutive run (``sha1, sha256, sha512``)
    or longer than two digits. Needs only the design.

    Why: a repeating group breaks first normal form: a fourth phone needs a migration,
    every query must name every slot (``WHERE phone1 = $1 OR phone2 = $1 OR …``), and the
    slots cannot be indexed or constrained as one.

    Fix: move the group into a child table: ``CREATE TABLE parent_phone (parent_id bigint
    REFERENCES parent, position smallint, phone text NOT NULL, PRIMARY KEY (parent_id,
    position));``

    References: pg-index-health tables_with_incrementing_columns.
    """

    code = "PGA036"
    slug = "repeating-column-group"
    category = "relationships"
    severity = "info"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            groups: dict[str, dict[int, str]] = {}
            for c in t.columns:
                m = _NUMBERED.match(c.name) if c.name[-1:].isdigit() else None
                if m:
                    groups.setdefault(m.group("stem").rstrip("_").lower(), {})[
                        int(m.group("n"))] = c.name
            for stem, members in groups.items():
                if len(members) < _MIN_MEMBERS or _run_length(set(members)) < _MIN_MEMBERS:
                    continue
                names = [members[n] for n in sorted(members)]
                yield self.finding(
                    t, names[0],
                    f"columns {', '.join(names)} repeat one attribute in numbered slots: "
                    f"another slot needs a migration and every query must list them all",
                    f"move {stem} into a child table {t.name}_{stem} ({t.name}_id, "
                    f"position, {stem}) with a foreign key to {t.name}")
