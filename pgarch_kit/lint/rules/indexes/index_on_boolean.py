"""index-on-boolean: B-tree indexes with a boolean key column."""
from __future__ import annotations

import re
from collections.abc import Iterator

from pgarch_kit.model import IndexKey, Table
from pgarch_kit.model.names import quote_ident

from ...context import LintContext
from ...finding import Finding
from ...rule import Rule
from ._shared import (
    create_index_sql,
    drop_index_sql,
    is_type,
    lost_service,
    reshaped,
    shape_keys,
    table_sql,
)

_WORD = re.compile(r'[a-z_][a-z0-9_$]*')


class IndexOnBoolean(Rule):
    """What: a plain B-tree index (not unique, not behind a constraint) whose *leading* key is
    a boolean column, unless its predicate already mentions that column (the partial-index
    form this rule recommends, ``… WHERE is_archived``). An index on the flag alone is
    a warning (info on a settings/config/credentials table, tiny either way); a flag leading
    other keys is info. The fix's predicate picks the rare value when the column's DEFAULT
    names the common one, and keys the partial index on what the table's other indexes
    lead with (a foreign key first), else the primary key. A boolean after other keys is not
    reported: ``(user_id, is_read)`` narrows each user's entries well. Unique indexes and
    constraints are left alone: they enforce a rule rather than speed up lookups, and so are
    framework tables (``flyway_schema_history``…). Needs only the design;
    with query patterns, a replacement that would serve one of them worse is not proposed.

    Why: a boolean has two values, so as the first key it barely narrows a search: the index
    is large for what it selects, and the planner prefers a sequential scan for the common
    value anyway.

    Fix: for an index on the flag alone, drop it — and if queries look for one value, build
    a partial index on that value keyed by what they search or sort by (``CREATE INDEX
    CONCURRENTLY … ON t (created_at) WHERE NOT is_archived``): which value and which column
    only the queries can say, so the fix shows the shape instead of guessing. A flag leading
    other keys: the same keys with the flag moved into the predicate.

    References: pg-index-health indexes_with_boolean.
    """

    code = "PGA042"
    slug = "index-on-boolean"
    category = "indexes"
    severity = "warning"
    mode = "S"

    def check(self, ctx: LintContext) -> Iterator[Finding]:
        for t in ctx.tables:
            if ctx.is_framework_table(t):
                continue  # flyway_schema_history's index is not the designer's to change
            for s in ctx.index_shapes(t):
                if s.method != "btree" or s.unique or s.constraint:
                    continue
                key = s.keys[0]
                if key.startswith("(") or not is_type(ctx, t, key, ("boolean",)):
                    continue
                if key.lower() in set(_WORD.findall((s.where or "").lower())):
                    continue
                keys = shape_keys(s)[1:]
                alone = not keys
                flag = quote_ident(key)
                if alone:
                    # Only the flag. Which value queries look for and what they search the
                    # rows by is theirs to say: a DEFAULT or another index is no evidence
                    # (three review rounds found such guesses wrong), so the fix drops the
                    # index and shows the partial one to build if a value is sought.
                    if lost_service(ctx, t, [s]):
                        continue  # a query pattern needs it
                    small = bool(_CONFIG & set(_words(t.name)))
                    yield self.finding(
                        t, key,
                        f"index {s.name} has the boolean {key} as its only key: two values "
                        f"barely narrow a search, so the index is large for what it selects, "
                        f"and the planner scans the table for the common value anyway"
                        + (f" (though {t.name} looks like a small settings table, where it "
                           f"costs little either way)" if small else ""),
                        f"{drop_index_sql(t, s)} -- if queries look for one value, index "
                        f"those rows by what they are searched by instead: CREATE INDEX "
                        f"CONCURRENTLY ON {table_sql(t)} (<searched column>) WHERE {flag} (or "
                        f"WHERE NOT {flag}, whichever value they look for)",
                        severity="info" if small else None)
                    continue
                rare = _rare_value(t, key)
                cond = {True: flag, False: f"NOT {flag}"}.get(rare, flag)
                other = f"NOT {flag}" if cond == flag else flag
                hint = (f" -- the DEFAULT makes {other} the common value" if rare is not None
                        else f" -- or WHERE {other}: the value queries look for")
                where = f"({s.where}) AND {cond}" if s.where else cond
                include = s.index.include if s.index else ()
                if keys:
                    new = reshaped(s, keys, where=where)
                    if lost_service(ctx, t, [s], [new]):
                        continue  # a query pattern needs the flag as a key
                    fix = (f"{create_index_sql(t, keys, include=include, where=where)} "
                           f"{drop_index_sql(t, s)}{hint}")
                else:
                    continue
                yield self.finding(
                    t, key,
                    f"index {s.name} has the boolean {key} as its first key: two values "
                    f"barely narrow a search, so the index is large for what it selects",
                    fix, severity="info")


_CONFIG = {"config", "configuration", "setting", "credential", "preference", "option"}


def _words(name: str) -> set[str]:
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w for w in snake.split("_")}


def _rare_value(t: Table, column: str) -> bool | None:
    """The flag's rare value, read from its DEFAULT (the common value): None if unknown."""
    col = t.column(column)
    default = (col.default or "").strip().lower() if col else ""
    if default in ("true", "'t'", "'true'", "true::boolean"):
        return False
    if default in ("false", "'f'", "'false'", "false::boolean"):
        return True
    return None


def _sought_by(ctx: LintContext, t: Table, skip: str) -> tuple[IndexKey, ...]:
    """What the rows a flag picks are sought by: the leading column of another index on the
    table (a foreign key's first), else the primary key."""
    fks = {c for fk in t.foreign_keys for c in fk.columns[:1]}
    leads = [sh.keys[0] for sh in ctx.index_shapes(t)
             if sh.name != skip and sh.method == "btree" and not sh.where and sh.keys
             and not sh.keys[0].startswith("(")
             and not (t.primary_key and sh.keys == tuple(t.primary_key.columns))
             and not is_type(ctx, t, sh.keys[0], ("boolean",))
             and not is_type(ctx, t, sh.keys[0], (), array=True)]
    lead = next((k for k in leads if k in fks), leads[0] if leads else None)
    if lead is not None:
        return (IndexKey(lead),)
    return tuple(IndexKey(c) for c in t.primary_key.columns) if t.primary_key else ()
