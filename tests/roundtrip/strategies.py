"""Hypothesis strategies for random *valid* designs that PostgreSQL stores without rewriting.

Every expression is written the way PostgreSQL prints it back (``pg_get_expr``), so a design
that round-trips through a server must come back *equal*, not merely similar. Names are
deliberately hostile: quotes, spaces, reserved words, mixed case, multibyte text near the
63-byte limit.
"""
from __future__ import annotations

from hypothesis import strategies as st

from pgarch_kit.model import (
    Check,
    Column,
    Design,
    ForeignKey,
    Index,
    IndexKey,
    PrimaryKey,
    Table,
    Unique,
)
from pgarch_kit.model.names import quote_ident as q

PLAIN = st.from_regex(r"\A[a-z][a-z0-9_]{0,20}\Z")
RESERVED = st.sampled_from(["user", "select", "order", "group", "table", "check", "from",
                            "limit", "end", "default", "name", "type", "value"])
QUOTED = st.sampled_from(['we"ird', "two words", "MixedCase", "trailing_Upper", "a'quote",
                          "ünïcode", "日本語の名前", "x-y", "1starts_with_digit", "dollar$sign"])


def _near_limit(unit: str) -> st.SearchStrategy[str]:
    size = len(unit.encode())
    return st.integers(min_value=(50 // size), max_value=(63 // size)).map(lambda n: unit * n)


NAMES = st.one_of(PLAIN, PLAIN, RESERVED, QUOTED, _near_limit("é"), _near_limit("日"),
                  _near_limit("z"))

# (type, canonical defaults PostgreSQL prints back unchanged, can be checked > 0, btree-able)
TYPES: list[tuple[str, list[str | None], bool, bool]] = [
    ("integer", [None, "0", "42"], True, True),
    ("bigint", [None, "0"], True, True),
    ("smallint", [None, "1"], True, True),
    ("numeric(12,2)", [None, "0"], True, True),
    ("double precision", [None], True, True),
    ("text", [None, "''::text", "'it''s'::text"], False, True),
    ("character varying(40)", [None], False, True),
    ("boolean", [None, "true", "false"], False, True),
    ("uuid", [None, "gen_random_uuid()"], False, True),
    ("date", [None, "CURRENT_DATE"], False, True),
    ("timestamp with time zone", [None, "now()"], False, True),
    ("timestamp without time zone", [None], False, True),
    ("jsonb", [None, "'{}'::jsonb"], False, True),
    ("bytea", [None], False, True),
    ("inet", [None], False, True),
    ("text[]", [None], False, True),
    ("integer[]", [None], False, True),
    ("interval", [None], False, True),
    ("tstzrange", [None], False, True),
    ("character(3)", [None], False, True),
    ("json", [None], False, False),
]
ZERO = {"numeric(12,2)": "(0)::numeric", "double precision": "(0)::double precision"}
INT_TYPES = {"integer", "bigint", "smallint"}


@st.composite
def designs(draw) -> Design:
    n_tables = draw(st.integers(1, 4))
    pool = draw(st.lists(NAMES, min_size=60, max_size=60, unique=True))
    names = iter(pool)
    tables: list[Table] = []
    for _ti in range(n_tables):
        tname = next(names)
        cols: list[Column] = []
        pk_name = next(names)
        # every table gets an integer-ish key so other tables can reference it
        key_type = draw(st.sampled_from(sorted(INT_TYPES)))
        identity = draw(st.sampled_from([None, "always", "by default"]))
        key_col = Column(next(names), key_type, nullable=False, identity=identity)
        cols.append(key_col)
        for _ in range(draw(st.integers(0, 4))):
            typ, defaults, _, _ = draw(st.sampled_from(TYPES))
            cols.append(Column(next(names), typ, nullable=draw(st.booleans()),
                               default=draw(st.sampled_from(defaults)),
                               comment=draw(st.sampled_from([None, "it's a \"note\" ✓"]))))
        if draw(st.booleans()):
            src = next((c for c in cols if c.type == "integer" and c.identity is None
                        and c is not key_col), None)
            if src is not None:
                cols.append(Column(next(names), "integer", generated=f"({q(src.name)} * 2)"))
        checks = []
        for c in cols[1:]:
            spec = next(t for t in TYPES if t[0] == c.type)
            if c.generated is None and spec[2] and draw(st.booleans()):
                zero = ZERO.get(c.type, "0")  # PostgreSQL prints the implicit cast back
                checks.append(Check(f"({q(c.name)} > {zero})", name=next(names)))
            elif c.type == "text" and draw(st.booleans()):
                checks.append(Check(f"(length({q(c.name)}) > 0)", name=next(names)))
        uniques = []
        btree_cols = [c for c in cols[1:] if next(t for t in TYPES if t[0] == c.type)[3]
                      and c.generated is None]
        if btree_cols and draw(st.booleans()):
            c = draw(st.sampled_from(btree_cols))
            uniques.append(Unique((c.name,), name=next(names),
                                  nulls_not_distinct=draw(st.booleans())))
        indexes = []
        if btree_cols and draw(st.booleans()):
            c = draw(st.sampled_from(btree_cols))
            where = f"({q(c.name)} IS NOT NULL)" if draw(st.booleans()) else None
            include = (key_col.name,) if draw(st.booleans()) else ()
            indexes.append(Index(next(names), (IndexKey(c.name, descending=draw(st.booleans())),),
                                 include=include, where=where))
        tables.append(Table(tname, tuple(cols), primary_key=PrimaryKey((key_col.name,), pk_name),
                            uniques=tuple(uniques), checks=tuple(checks), indexes=tuple(indexes),
                            comment=draw(st.sampled_from([None, "Table comment — with 'quotes'"]))))
    # foreign keys: to any table (earlier, later or itself), so cycles happen
    final = []
    for t in tables:
        fks = []
        for _ in range(draw(st.integers(0, 2))):
            target = draw(st.sampled_from(tables))
            tkey = target.columns[0]
            col = Column(next(names), tkey.type, nullable=draw(st.booleans()))
            t = Table(**{**t.__dict__, "columns": (*t.columns, col)})
            fks.append(ForeignKey((col.name,), target.name, (tkey.name,), name=next(names),
                                  on_delete=draw(st.sampled_from(["NO ACTION", "CASCADE",
                                                                  "RESTRICT", "SET NULL"])),
                                  deferrable=draw(st.booleans())))
        final.append(Table(**{**t.__dict__, "foreign_keys": tuple(fks)}))
    return Design("prop", tables=tuple(final))
