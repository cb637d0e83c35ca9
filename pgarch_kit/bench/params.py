"""Realistic parameters for a query pattern, drawn from the data loaded in the sandbox.

For every parameter :func:`pgarch_kit.model.query.param_uses` says what it is compared with;
this module turns that into SQL that draws such values from the table's rows — an existing
e-mail for ``lower(email) = lower(:email)``, a real ``placed_at`` for ``placed_at >= :since``, a
key/value pair a document really holds for ``attributes @> :filter``, the first word of a name
for ``name ILIKE '%' || :q || '%'``. Parameters of the same relation are sampled from the same
rows, so ``tenant_id = :t AND project_id = :p`` gets a project of that tenant.

A sample of up to ``size`` rows, numbered ``1..K``, is what the Python timer draws from; for a
load test it is kept in the sandbox as ``pgarch_bench.<pattern>``, which pgbench reads with
``\\gset`` — the same values, drawn the same way. A lone integer key compared by equality
needs no sample: its values are the dense range of the primary key it is or references,
drawn with pgbench's own ``random()``. The pattern's ``skew``
chooses how often each value comes up: uniformly, or Zipf-distributed (a few hot keys), which
pgbench's ``random_zipfian`` and :func:`zipf_indexes` draw alike. Values travel as text and
PostgreSQL infers their types from the query, as it does for pgbench's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from pgarch_kit.db.connect import KIT_MARK
from pgarch_kit.errors import PgArchError
from pgarch_kit.model.names import derive_name, quote_ident
from pgarch_kit.model.query import ParamUse, param_uses, pattern_params
from pgarch_kit.model.types import parse_type

from .sample_source import sample_source

if TYPE_CHECKING:
    import psycopg

    from pgarch_kit.model import Design, QueryPattern, Table

__all__ = ["BENCH_SCHEMA", "ParamError", "ParamSampler", "Skew", "parse_skew", "prepare_params",
           "zipf_indexes"]

BENCH_SCHEMA = "pgarch_bench"
_DEFAULT_VALUES = {"LIMIT": ("20",), "OFFSET": ("0",)}
_INTEGER = {"smallint", "integer", "bigint"}


class ParamError(PgArchError):
    """A parameter the kit cannot draw values for; the message names it and the fix."""


@dataclass(frozen=True)
class Skew:
    """``zipf`` None: uniform; else the Zipf exponent s (> 1) of P(k) ∝ 1/k^s."""

    zipf: float | None = None

    def __str__(self) -> str:
        return "uniform" if self.zipf is None else f"zipf {self.zipf:g}"


def parse_skew(text: str | None) -> Skew:
    if not text or text.strip().lower() == "uniform":
        return Skew()
    m = re.fullmatch(r"\s*zipf(?:\s+([0-9]*\.?[0-9]+))?\s*", text, re.IGNORECASE)
    if m is None or (m.group(1) and float(m.group(1)) <= 1.0):
        raise ParamError(f"unknown skew {text!r}: write 'uniform' or 'zipf S' with S > 1")
    return Skew(float(m.group(1)) if m.group(1) else 1.1)


def zipf_indexes(n: int, count: int, s: float, rng: np.random.Generator) -> np.ndarray:
    """``count`` draws from 1..n with P(k) ∝ 1/k^s — what pgbench's ``random_zipfian`` draws.
    Exact (inverse CDF) over the first million values, where nearly all the mass of a Zipf
    distribution lies; a longer tail is drawn from the continuous density with a half-unit
    correction, so the hot keys keep their exact probabilities."""
    head = min(n, 1_000_000)
    weights = np.arange(1, head + 1, dtype=np.float64) ** -s
    cdf = np.cumsum(weights)
    a = 1.0 - s
    tail = ((n + 0.5) ** a - (head + 0.5) ** a) / a if n > head else 0.0
    u = rng.random(count) * (cdf[-1] + tail)
    out = np.searchsorted(cdf, u, side="left") + 1
    in_tail = u >= cdf[-1]
    if in_tail.any():  # invert the integral of x^-s from head + 0.5
        x = ((head + 0.5) ** a + (u[in_tail] - cdf[-1]) * a) ** (1.0 / a)
        out[in_tail] = np.clip(np.floor(x + 0.5), head + 1, n)
    return np.minimum(out, n)


@dataclass(frozen=True)
class ParamSampler:
    """How one pattern's parameters are drawn; see the module docstring.

    ``dense`` is set for a lone integer key: (param, low, high). Otherwise ``rows`` holds the
    sampled values (as text, by parameter) of ``pgarch_bench.<table>``, numbered from 1."""

    pattern: str
    names: tuple[str, ...]
    skew: Skew
    table: str | None = None
    rows: tuple[tuple[str | None, ...], ...] = ()
    dense: tuple[str, int, int] | None = None
    notes: tuple[str, ...] = ()          # where each parameter comes from, for reports
    types: tuple[tuple[str, str], ...] = ()   # SQL type of each sampled parameter

    @property
    def size(self) -> int:
        if self.dense is not None:
            return self.dense[2] - self.dense[1] + 1
        return len(self.rows)

    def draw(self, count: int, seed: int = 0) -> list[list[str | None]]:
        """``count`` parameter lists (as text, in ``names`` order), drawn with the skew."""
        if not self.names:
            return [[] for _ in range(count)]
        rng = np.random.default_rng(seed)
        n = self.size
        if self.skew.zipf is None:
            picks = rng.integers(1, n + 1, size=count)
        else:
            picks = zipf_indexes(n, count, self.skew.zipf, rng)
        if self.dense is not None:
            low = self.dense[1]
            return [[str(low + int(k) - 1)] for k in picks]
        return [list(self.rows[int(k) - 1]) for k in picks]

    def pgbench_lines(self) -> list[str]:
        """The pgbench meta-commands that set every parameter as a ``:name`` variable."""
        if not self.names:
            return []
        z = self.skew.zipf
        if self.dense is not None:
            name, low, high = self.dense
            fn = f"random_zipfian({low}, {high}, {z:g})" if z else f"random({low}, {high})"
            return [f"\\set {name} {fn}"]
        if self.table is None:
            raise ParamError(f"query pattern {self.pattern!r}: its parameter sample was not "
                             "kept in the database — fix: prepare_params(..., keep=True)")
        n = len(self.rows)
        fn = f"random_zipfian(1, {n}, {z:g})" if z else f"random(1, {n})"
        cols = ", ".join(quote_ident(n) for n in self.names)
        return [f"\\set pgarch_n {fn}",
                f"SELECT {cols} FROM {BENCH_SCHEMA}.{quote_ident(self.table or '')} "
                f"WHERE pgarch_n = :pgarch_n \\gset"]


# --------------------------------------------------------------------------- resolution

@dataclass(frozen=True)
class _Draw:
    param: str
    table: Table | None           # None: a list of values
    alias: str | None
    value_sql: str | None
    values: tuple[str, ...] = ()
    note: str = ""


def _table_of(design: Design, relations: dict, alias: str | None, columns: tuple[str, ...]
              ) -> tuple[Table | None, str | None]:
    """The design table behind an alias; an unqualified expression belongs to the only
    relation, or to the one relation that has the columns it names."""
    if alias is not None:
        schema, name = relations.get(alias, (None, alias))
        return design.table(name, schema), alias
    candidates = []
    for a, (schema, name) in relations.items():
        t = design.table(name, schema)
        if t is not None and (len(relations) == 1 or set(columns) & {c.name for c in t.columns}):
            candidates.append((t, a))
    return candidates[0] if len(candidates) == 1 else (None, None)


def _type_of(table: Table, expr: str) -> str | None:
    col = table.column(expr.split(".")[-1].strip('"'))
    return col.type if col is not None and re.fullmatch(r'[\w."]+', expr) else None


def _value_sql(use: ParamUse, table: Table) -> str:
    """SQL over one row of ``table`` that yields a value this parameter could take."""
    expr = use.expr or ""
    typ = (_type_of(table, expr) or "").lower()
    op = use.op
    if op in ("LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE", "SIMILAR TO"):
        if use.wildcards:  # '%' || :q || '%' — a word the text contains
            return f"nullif(split_part(({expr})::text, ' ', 1), '')"
        return f"left(({expr})::text, 4) || '%'"
    if op == "@@":
        if typ == "tsvector" or expr.lower().startswith("to_tsvector"):
            return f"(SELECT w.lexeme FROM unnest({expr}) w ORDER BY w.lexeme LIMIT 1)"
        return f"nullif(split_part(({expr})::text, ' ', 1), '')"
    if op == "?":
        return f"(SELECT k FROM jsonb_object_keys({expr}) k ORDER BY k LIMIT 1)"
    if op in ("?|", "?&"):
        return f"ARRAY(SELECT k FROM jsonb_object_keys({expr}) k ORDER BY k LIMIT 1)"
    if op in ("@>", "&&"):
        if typ == "jsonb":
            # one key/value pair the document holds; md5 picks a different key per row
            return (f"(SELECT jsonb_build_object(e.key, e.value) FROM jsonb_each({expr}) e "
                    f"ORDER BY md5(e.key || ({expr})::text) LIMIT 1)")
        if typ.endswith("[]"):
            return f"({expr})[1:1]"
        if typ.endswith("range") and op == "@>":
            return f"lower({expr})"
    return expr


def _read(q: QueryPattern):
    """(parameters, uses, relations) of the pattern; :class:`ParamError` with PostgreSQL's
    own message when its parser rejects the SQL."""
    try:
        return pattern_params(q.sql), *param_uses(q.sql)
    except Exception as exc:  # pglast's ParseError: the message is PostgreSQL's
        raise ParamError(f"query pattern {q.name!r}: PostgreSQL's parser rejects its SQL: "
                         f"{exc} — fix the SQL (parameters are written :name)") from exc


def _draws(design: Design, q: QueryPattern) -> list[_Draw]:
    parsed, uses, relations = _read(q)
    sources = dict(q.param_sources)
    out: list[_Draw] = []
    for name in parsed.names:
        source = sources.get(name)
        if isinstance(source, tuple):
            out.append(_Draw(name, None, None, None, source, f"{name}: one of {list(source)}"))
            continue
        if isinstance(source, str):
            table_part, _, column = source.rpartition(".")
            schema, _, table_name = table_part.rpartition(".")
            table = design.table(table_name, schema or None)
            if table is None or table.column(column) is None:
                raise ParamError(f"query pattern {q.name!r}: param_sources names {source!r}, "
                                 "which the design does not have — fix: write table.column")
            out.append(_Draw(name, table, table_name, quote_ident(column), (),
                             f"{name}: sampled from {source}"))
            continue
        use = uses.get(name)
        if use is not None and use.op in _DEFAULT_VALUES and use.expr is None:
            values = _DEFAULT_VALUES[use.op]
            out.append(_Draw(name, None, None, None, values, f"{name}: {use.op} {values[0]}"))
            continue
        table, alias = (_table_of(design, relations, use.relation, use.columns)
                        if use is not None else (None, None))
        if use is None or table is None:
            raise ParamError(
                f"query pattern {q.name!r}: cannot tell where values of parameter :{name} "
                "come from (it is not compared with a column of a table in the design) — fix: "
                f"add `param_sources: {{{name}: table.column}}` or a list of values "
                f"`param_sources: {{{name}: [10, 20]}}` to the pattern")
        how = {"SET": "written to", "INSERT": "inserted into"}.get(use.op, f"{use.op} on")
        out.append(_Draw(name, table, alias, _value_sql(use, table), (),
                         f"{name}: {how} {use.expr} of {table.name}"))
    return out


def _dense_key(design: Design, d: _Draw) -> tuple[Table, str] | None:
    """(table, column) whose values are 1..n-like keys when ``d`` is a plain integer column
    that is a single-column primary key, or a foreign key to one."""
    if d.table is None or d.value_sql is None:
        return None
    column = d.value_sql.split(".")[-1].strip('"')
    if not re.fullmatch(r'[\w."]+', d.value_sql) or d.table.column(column) is None:
        return None
    typ = parse_type(d.table.column(column).type)
    if typ.base not in _INTEGER or typ.is_array:
        return None
    pk = d.table.primary_key
    if pk is not None and pk.columns == (column,):
        return d.table, column
    for fk in d.table.foreign_keys:
        if fk.columns == (column,):
            parent = design.table(fk.ref_table, fk.ref_schema or d.table.schema)
            if parent and parent.primary_key and parent.primary_key.columns == fk.ref_columns:
                return parent, fk.ref_columns[0]
    return None


# --------------------------------------------------------------------------- sampling

def _rel(t: Table) -> str:
    return f"{quote_ident(t.schema)}.{quote_ident(t.name)}"


def bench_table_name(pattern: str) -> str:
    name = re.sub(r"\W+", "_", pattern.lower()).strip("_") or "pattern"
    return derive_name("q", name)


def prepare_params(conn: psycopg.Connection, design: Design, pattern: QueryPattern, *,
                   size: int = 1000, seed: int = 0, keep: bool = False) -> ParamSampler:
    """Sample values for every parameter of ``pattern`` from the data in ``conn``'s database.
    ``keep=True`` also stores them in ``pgarch_bench.<pattern>`` (replaced if present) for
    pgbench's ``\\gset``; the caller guards that write. Raises :class:`ParamError` for a
    parameter it cannot place, or when the tables hold no rows."""
    from psycopg import sql as psql
    skew = parse_skew(pattern.skew)
    parsed, uses, _ = _read(pattern)
    names = parsed.names
    if not names:
        return ParamSampler(pattern.name, (), skew)
    draws = _draws(design, pattern)
    notes = tuple(d.note for d in draws)
    if len(draws) == 1 and (uses.get(names[0]) is None or uses[names[0]].op == "="):
        if (key := _dense_key(design, draws[0])) is not None:
            table, column = key
            low, high, count = conn.execute(psql.SQL(
                "SELECT min({c}), max({c}), count(*) FROM {t}" + KIT_MARK).format(
                    c=psql.Identifier(column), t=psql.SQL(_rel(table)))).fetchone()
            if count and high - low + 1 == count:
                note = (f"{names[0]}: existing keys {low}..{high} of {table.name}.{column}")
                typ = str(parse_type(table.column(column).type))  # type: ignore[union-attr]
                return ParamSampler(pattern.name, names, skew, dense=(names[0], low, high),
                                    notes=(note,), types=((names[0], typ),))
    table = bench_table_name(pattern.name)
    target = psql.SQL("{}.{}").format(psql.Identifier(BENCH_SCHEMA), psql.Identifier(table))
    as_text = psql.SQL(", ").join(psql.SQL("{}::text").format(psql.Identifier(n))
                                  for n in names)
    rows: list = []
    types: tuple[tuple[str, str], ...] = ()
    for full in (False, True):  # a sparse sample (few rows pass the WHERE): read everything
        groups = _groups(conn, design, pattern, draws, size, seed, full)
        sample = psql.SQL(_sample_sql(groups, draws, size))  # type: ignore[arg-type]
        if keep:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {BENCH_SCHEMA}")
            conn.execute(psql.SQL("DROP TABLE IF EXISTS {}").format(target))
            conn.execute(psql.SQL("CREATE TABLE {} AS {}").format(target, sample))
            rows = conn.execute(psql.SQL("SELECT {} FROM {} ORDER BY pgarch_n" + KIT_MARK).format(
                as_text, target)).fetchall()
        else:
            rows = conn.execute(psql.SQL("SELECT {} FROM ({}) s ORDER BY pgarch_n"
                                         + KIT_MARK).format(as_text, sample)).fetchall()
        if len(rows) * 2 >= size or "TABLESAMPLE" not in " ".join(g[0] for g in groups):
            sampled = [d.param for d in draws if d.table is not None]
            if rows and sampled:
                found = conn.execute(psql.SQL("SELECT {} FROM ({}) s LIMIT 1" + KIT_MARK).format(
                    psql.SQL(", ").join(psql.SQL("pg_typeof({})::text").format(
                        psql.Identifier(n)) for n in sampled), sample)).fetchone()
                types = tuple(zip(sampled, found))
            break
    if not rows:
        empty = sorted({d.table.name for d in draws if d.table is not None})
        raise ParamError(f"query pattern {pattern.name!r}: no rows to draw parameters from "
                         f"in {', '.join(empty)} — fix: load data first (pgarch seed, or "
                         f"pk.load_data)")
    if keep:
        conn.execute(psql.SQL("ALTER TABLE {} ADD PRIMARY KEY (pgarch_n)").format(target))
    return ParamSampler(pattern.name, names, skew, table if keep else None,
                        tuple(map(tuple, rows)), None, notes, types)


def _groups(conn: psycopg.Connection, design: Design, pattern: QueryPattern,
            draws: list[_Draw], size: int, seed: int, full: bool
            ) -> list[tuple[str, str | None, list[_Draw]]]:
    """(FROM, WHERE, draws) per sampling query: the pattern's own FROM and parameter-free
    WHERE for the parameters it compares (so they are drawn together, through its joins),
    one relation each for ``param_sources`` columns. ``full`` turns TABLESAMPLE off."""
    source = sample_source(pattern.sql)
    table_draws = [d for d in draws if d.table is not None]
    sources = dict(pattern.param_sources)
    joint = [d for d in table_draws if source is not None and d.param not in sources
             and d.alias in source.aliases]
    groups: list[tuple[str, str | None, list[_Draw]]] = []
    if joint and source is not None:
        sizes = {}
        for alias, (schema, name) in source.aliases.items():
            t = design.table(name, schema)
            if t is not None:
                sizes[alias] = _estimate_rows(conn, t)
        biggest = max(sizes, key=lambda a: sizes[a]) if sizes else None
        samples = {}
        if biggest is not None and not full and sizes[biggest] > size * 3:
            samples[biggest] = (100.0 * size * 3 / sizes[biggest], seed)
        groups.append((source.from_sql(samples), source.where, joint))
    for d in table_draws:
        if d in joint:
            continue
        assert d.table is not None
        rows = _estimate_rows(conn, d.table)
        sample = (f" TABLESAMPLE BERNOULLI ({100.0 * size * 3 / rows:.6f}) REPEATABLE ({seed})"
                  if not full and rows > size * 3 else "")
        groups.append((f"{_rel(d.table)} AS {quote_ident(d.alias or d.table.name)}{sample}",
                       None, [d]))
    return groups


def _sample_sql(groups: list[tuple[str, str | None, list[_Draw]]], draws: list[_Draw],
                size: int) -> str:
    """One SELECT numbering up to ``size`` samples per group, joined on the sample number
    (a smaller group's samples repeat), with literal value lists cycled the same way."""
    parts, counts, cols = [], [], []
    for i, (from_sql, where, ds) in enumerate(groups):
        values = ", ".join(f"{d.value_sql} AS {quote_ident(d.param)}" for d in ds)
        conds = [f"({d.value_sql}) IS NOT NULL" for d in ds] + ([where] if where else [])
        # md5 of the row: an order unrelated to the physical one, and the same every run
        parts.append(f"g{i} AS (SELECT row_number() OVER (ORDER BY md5(s::text)) AS pgarch_n, "
                     f"s.* FROM (SELECT {values} FROM {from_sql} WHERE {' AND '.join(conds)}) s "
                     f"ORDER BY pgarch_n LIMIT {size})")
        counts.append(f"(SELECT count(*) FROM g{i})")
        cols += [f"g{i}.{quote_ident(d.param)}" for d in ds]
    # a group with no usable rows yields no samples at all (and no division by zero)
    total = (f"CASE WHEN least({', '.join(counts)}) = 0 THEN 0 "
             f"ELSE greatest({', '.join(counts)}) END") if counts else str(size)
    joins = "".join(f" JOIN g{i} ON g{i}.pgarch_n = (k.pgarch_n - 1) % {c} + 1"
                    for i, c in enumerate(counts))
    for d in draws:
        if d.table is None:
            arr = "ARRAY[" + ", ".join(_literal(v) for v in d.values) + "]"
            cols.append(f"({arr})[(k.pgarch_n - 1) % {len(d.values)} + 1] AS "
                        f"{quote_ident(d.param)}")
    ctes = ("WITH " + ", ".join(parts) + " ") if parts else ""
    return (f"{ctes}SELECT k.pgarch_n, {', '.join(cols)} FROM generate_series(1, {total}) "
            f"AS k(pgarch_n){joins}")


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _estimate_rows(conn: psycopg.Connection, t: Table) -> float:
    """The planner's row estimate (ANALYZE runs after every kit load); 0 when unknown."""
    est = conn.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                       (_rel(t),)).fetchone()
    return float(est[0]) if est and est[0] and est[0] > 0 else 0.0
