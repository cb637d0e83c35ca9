"""SQLAlchemy 2.0 declarative models from a design: :func:`sqlalchemy_models`.

Application teams on SQLAlchemy want model classes, and hand-written ones drift from the design
the moment a column is added. This writes them from the same design as ``schema.sql``, as
deterministic Python source (same design, same bytes), so the file can be committed and diffed.
The kit does not import SQLAlchemy here (an import-linter contract keeps L2 pure): this is text
building, and the tests execute the result against a real server and compare its catalog with
what the kit's own DDL creates.

Mapping
  * One ``DeclarativeBase`` class ``Base``; schemas and extensions the tables need are created
    by ``before_create`` DDL hooks (``IF NOT EXISTS``, so ``create_all`` and ``schema.sql``
    can meet in one database).
  * A table with a primary key becomes a class (CamelCase name) with ``Mapped[...]`` /
    ``mapped_column``; one without becomes a ``Table`` object (the ORM needs a key to map
    rows, and inventing one would mislead). Partitions are left to ``schema.sql``; their
    partitioned parent keeps ``postgresql_partition_by``.
  * Column names that are not plain ASCII identifiers, Python keywords, reserved by
    declarative or names the module body uses (``text``, ``uuid`` …) get a safe attribute
    name and the real name as ``mapped_column("real name", ...)``.
  * Types: SQLAlchemy core and PostgreSQL-dialect classes (JSONB, UUID, TIMESTAMP with time
    zone, INET, ARRAY, ranges …); enums as shared ``ENUM(..., create_type=True)`` objects;
    CITEXT when the installed SQLAlchemy has it (2.0.7+), else created by name; everything
    else (domains, composites, extension and geometric types) by name through a small
    ``UserDefinedType``.
  * Keys, unique/check/exclusion constraints, foreign keys (ON DELETE/UPDATE, MATCH,
    deferrable), indexes (method, opclasses, partial, INCLUDE, NULLS NOT DISTINCT, storage
    options, expressions as ``text()``), identity and generated columns, server defaults as
    ``text()``, sequences, comments (``comment=`` and docstrings).
  * ``relationship()`` pairs for a foreign key when it is the only one between two mapped
    tables (two keys to one table, or keys both ways, need names only a person can choose;
    self references get the many-to-one side only); keys that share columns (tenant keys)
    are linked with ``overlaps=``.

SQL text reaches SQLAlchemy through ``text()``, which reads ``:name`` as a bind parameter; such
colons are escaped (``\\:name``) so the SQL arrives as written. What the models cannot hold is
listed in a comment at the top of the module: it lives in ``schema.sql``.

Planning (names, relationships, what stays in schema.sql) is :mod:`._orm_plan`, the type table
:mod:`._orm_types`, identifiers :mod:`._orm_names` and Python-source text :mod:`._orm_source`;
this module renders.
"""
from __future__ import annotations

import textwrap

from .._escape import one_line
from ..model.design import (
    Column,
    Design,
    Exclusion,
    ForeignKey,
    Index,
    Sequence,
    Table,
    Unique,
)
from ..model.keys import twin_uniques
from ..model.names import pg_default_name, quote_ident
from ._orm_names import _label, _snake, _type_spellings
from ._orm_plan import _nullable, _Planner, _TablePlan
from ._orm_source import (
    _ORM,
    _PG,
    _PG_TYPE,
    _SA,
    _TYPES,
    _WIDTH,
    _call,
    _collation_sql,
    _deferrable,
    _doc,
    _in_doc,
    _key_sql,
    _options,
    _plain_key,
    _q,
    _sql,
    _wrap,
)
from ._orm_types import _is_integer

__all__ = ["sqlalchemy_models"]


class _Writer(_Planner):
    """Renders the planned models as Python source, block by block."""

    def column_args(self, plan: _TablePlan, c: Column, *, orm: bool
                    ) -> tuple[str, str, list[str]]:
        t = plan.table
        typ, py = self.types.type_of(c)
        in_pk = t.primary_key is not None and c.name in t.primary_key.columns
        nullable = _nullable(t, c)
        args: list[str] = []
        attr = plan.attrs[c.name]
        if not orm or attr != c.name:
            args.append(_q(c.name))
        args.append(typ)
        fk = self._inline_fk(t, c)
        if fk is not None:
            args.append(fk)
        if c.identity is not None:
            ident = self.imp.use(_SA, "Identity")
            args.append(f"{ident}(always=True)" if c.identity == "always" else f"{ident}()")
        if c.generated is not None:
            comp = self.imp.use(_SA, "Computed")
            persisted = "True" if c.generated_kind == "stored" else "False"
            if persisted == "False":
                self.min_version = max(self.min_version, (2, 1))
            args.append(f"{comp}({_sql(c.generated)}, persisted={persisted})")
        if self._simple_pk(t) and in_pk:
            args.append("primary_key=True")
        if in_pk and c.identity is None and c.default is None and c.generated is None \
                and _is_integer(c.type):
            args.append("autoincrement=False")  # else SQLAlchemy makes it SERIAL
        if not orm and not nullable:
            args.append("nullable=False")
        if c.default is not None:
            args.append(f"server_default={self.imp.use(_SA, 'text')}({_sql(c.default)})")
        if c.comment:
            args.append(f"comment={_q(c.comment)}")
        if orm:
            self.types.use_py(py)
            ann = f"Mapped[{py} | None]" if nullable else f"Mapped[{py}]"
            self.imp.use(_ORM, "Mapped")
            return ann, self.imp.use(_ORM, "mapped_column"), args
        return "", self.imp.use(_SA, "Column"), args

    def _simple_pk(self, t: Table) -> bool:
        pk = t.primary_key
        return (pk is not None and len(pk.columns) == 1
                and pk.name in (None, pg_default_name(t.name, (), "pkey"))
                and not pk.include and not pk.deferrable and not pk.initially_deferred)

    def _fk_ref(self, t: Table, fk: ForeignKey, col: str) -> str:
        target = self._fk_target(t, fk)
        assert target is not None
        prefix = "" if target.schema == "public" else f"{target.schema}."
        return f"{prefix}{target.name}.{col}"

    def _fk_opts(self, t: Table, fk: ForeignKey) -> list[str]:
        out = [f"name={_q(fk.name)}"] if fk.name else []
        if fk.on_delete != "NO ACTION":
            out.append(f"ondelete={_q(fk.on_delete)}")
        if fk.on_update != "NO ACTION":
            out.append(f"onupdate={_q(fk.on_update)}")
        if fk.match != "SIMPLE":
            out.append(f"match={_q(fk.match)}")
        return out + _deferrable(fk.deferrable, fk.initially_deferred)

    def _inline_fk(self, t: Table, c: Column) -> str | None:
        fks = [fk for fk in t.foreign_keys if fk.columns == (c.name,)]
        if len(fks) != 1 or not self._fk_ok(t, fks[0]):
            return None
        fk = fks[0]
        args = [_q(self._fk_ref(t, fk, fk.ref_columns[0])), *self._fk_opts(t, fk)]
        return f"{self.imp.use(_SA, 'ForeignKey')}({', '.join(args)})"

    def table_items(self, plan: _TablePlan) -> list[tuple[str, list[str]]]:
        """Constraints and indexes as (callable, arguments), in the order CREATE TABLE
        lists them (unnamed constraints get PostgreSQL's names in that order)."""
        t = plan.table
        items: list[tuple[str, list[str]]] = []
        pk = t.primary_key
        if pk is not None and pk.columns and not self._simple_pk(t):
            args = [_q(c) for c in pk.columns]
            if pk.name:
                args.append(f"name={_q(pk.name)}")
            args += self._include(pk.include)
            args += _deferrable(pk.deferrable, pk.initially_deferred)
            items.append((self.imp.use(_SA, "PrimaryKeyConstraint"), args))
        twins = set(map(id, twin_uniques(t)))
        for u in t.uniques:
            if id(u) in twins:
                continue  # added after create_all (see hooks)
            args = [_q(c) for c in u.columns]
            if u.name:
                args.append(f"name={_q(u.name)}")
            args += self._include(u.include)
            if u.nulls_not_distinct:
                self.min_version = max(self.min_version, (2, 0, 16))
                args.append("postgresql_nulls_not_distinct=True")
            args += _deferrable(u.deferrable, u.initially_deferred)
            items.append((self.imp.use(_SA, "UniqueConstraint"), args))
        for ch in t.checks:
            args = [_sql(ch.expression)]
            if ch.name:
                args.append(f"name={_q(ch.name)}")
            if ch.no_inherit:
                self.losses.append(f"{_label(t)}: check {ch.name or ch.expression} is NO "
                                   "INHERIT (the model's check is inherited)")
            items.append((self.imp.use(_SA, "CheckConstraint"), args))
        for ex in t.exclusions:
            items.append(self._exclusion(plan, ex))
        for fk in t.foreign_keys:
            if len(fk.columns) == 1 and sum(f.columns == fk.columns for f in t.foreign_keys) == 1:
                continue  # inline on its column
            if not self._fk_ok(t, fk):
                continue
            local = f"[{', '.join(_q(c) for c in fk.columns)}]"
            refs = f"[{', '.join(_q(self._fk_ref(t, fk, c)) for c in fk.ref_columns)}]"
            args = [local, refs, *self._fk_opts(t, fk)]
            items.append((self.imp.use(_SA, "ForeignKeyConstraint"), args))
        for ix in t.indexes:
            items.append(self._index(plan, ix))
        return items

    def _include(self, cols: tuple[str, ...]) -> list[str]:
        if not cols:
            return []
        self.min_version = max(self.min_version, (2, 0, 41))
        return [f"postgresql_include=[{', '.join(_q(c) for c in cols)}]"]

    def _exclusion(self, plan: _TablePlan, ex: Exclusion) -> tuple[str, list[str]]:
        t = plan.table
        elems = []
        for el in ex.elements:
            expr = el.expression.strip()
            if not expr.startswith("(") and not el.opclass:
                elems.append(f"({_q(expr)}, {_q(el.operator)})")
                continue
            sql = expr if expr.startswith("(") else quote_ident(expr)
            if el.opclass:
                sql += " " + _collation_sql(el.opclass)
            elems.append(f"({self.imp.use(_SA, 'text')}({_sql(sql)}), {_q(el.operator)})")
        args = [*elems]
        if ex.name:
            args.append(f"name={_q(ex.name)}")
        if ex.using != "gist":
            args.append(f"using={_q(ex.using)}")
        if ex.where:
            args.append(f"where={self.imp.use(_SA, 'text')}({_sql(_wrap(ex.where))})")
        args += _deferrable(ex.deferrable, ex.initially_deferred)
        if ex.include:
            self.losses.append(f"{_label(t)}: exclusion constraint {ex.name or ''} INCLUDE "
                               f"({', '.join(ex.include)}) (not expressible; the model's "
                               "constraint has no INCLUDE)")
        return self.imp.use(_PG, "ExcludeConstraint"), args

    def _index(self, plan: _TablePlan, ix: Index) -> tuple[str, list[str]]:
        t = plan.table
        args = [_q(ix.name)]
        ops: dict[str, str] = {}
        for k in ix.keys:
            if _plain_key(k) and k.column in plan.attrs:
                args.append(_q(k.column))
                if k.opclass:
                    ops[k.column] = k.opclass
            else:
                args.append(f"{self.imp.use(_SA, 'text')}({_sql(_key_sql(k))})")
        if ix.unique:
            args.append("unique=True")
        if ix.method != "btree":
            args.append(f"postgresql_using={_q(ix.method)}")
        if ops:
            args.append("postgresql_ops={" + ", ".join(f"{_q(k)}: {_q(v)}"
                                                      for k, v in ops.items()) + "}")
        if ix.include:
            args.append(f"postgresql_include=[{', '.join(_q(c) for c in ix.include)}]")
        if ix.nulls_not_distinct:
            self.min_version = max(self.min_version, (2, 0, 16))
            args.append("postgresql_nulls_not_distinct=True")
        if ix.options:
            args.append(f"postgresql_with={_options(ix.options)}")
        if ix.where:
            args.append(f"postgresql_where={self.imp.use(_SA, 'text')}({_sql(ix.where)})")
        if ix.comment:
            self.losses.append(f"{_label(t)}: comment on index {ix.name}")
        return self.imp.use(_SA, "Index"), args

    def table_kwargs(self, t: Table) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        if t.schema != "public":
            out.append(("schema", _q(t.schema)))
        if t.unlogged:
            out.append(("prefixes", '["UNLOGGED"]'))
        if t.partition_by is not None:
            pb = t.partition_by
            keys = ", ".join(k.strip() if k.strip().startswith("(") else quote_ident(k)
                             for k in pb.keys)
            out.append(("postgresql_partition_by", _q(f"{pb.strategy.upper()} ({keys})")))
        if t.options:
            self.min_version = max(self.min_version, (2, 1))
            out.append(("postgresql_with", _options(t.options)))
        if t.comment:
            out.append(("comment", _q(t.comment)))
        return out

    # ------------------------------------------------------------------ whole blocks
    def class_block(self, plan: _TablePlan) -> list[str]:
        t = plan.table
        lines = [f"class {plan.cls}(Base):"]
        if t.comment:
            lines.append(_doc(t.comment, "    "))
            lines.append("")
        lines.append(f"    __tablename__ = {_q(t.name)}")
        items = self.table_items(plan)
        kwargs = self.table_kwargs(t)
        if items or kwargs:
            lines.append("    __table_args__ = (")
            for head, args in items:
                lines += _call(head, args, "        ", ",")
            if kwargs:
                pairs = [f"{_q(k)}: {v}" for k, v in kwargs]
                one = "        {" + ", ".join(pairs) + "},"
                lines += ([one] if len(one) <= _WIDTH else
                          ["        {", *(f"            {p}," for p in pairs), "        },"])
            lines.append("    )")
        lines.append("")
        for c in t.columns:
            ann, head, args = self.column_args(plan, c, orm=True)
            lines += _call(f"{plan.attrs[c.name]}: {ann} = {head}", args, "    ")
        if plan.rels:
            lines.append("")
            rel = self.imp.use(_ORM, "relationship")
            for r in sorted(plan.rels, key=lambda r: r.name):
                args = ([f"back_populates={_q(r.back)}"] if r.back else []) + r.extra
                target = (f'list["{r.target}"]' if r.many
                          else f'"{r.target} | None"' if r.optional else f'"{r.target}"')
                lines += _call(f"{r.name}: Mapped[{target}] = {rel}", args, "    ")
        return lines

    def table_block(self, plan: _TablePlan) -> list[str]:
        t = plan.table
        table = self.imp.use(_SA, "Table")
        lines = [f"{plan.var} = {table}(", f"    {_q(t.name)},", "    Base.metadata,"]
        for c in t.columns:
            _, head, args = self.column_args(plan, c, orm=False)
            lines += _call(head, args, "    ", ",")
        for head, args in self.table_items(plan):
            lines += _call(head, args, "    ", ",")
        lines += [f"    {k}={v}," for k, v in self.table_kwargs(t)]
        return [*lines, ")"]

    def hooks(self) -> list[str]:
        """``before_create`` DDL for the schemas and extensions the tables stand on."""
        schemas = ({t.schema for t in self.modelled} | {e.schema for e in self.d.enums}
                   | {q.schema for q in self.d.sequences} | {s.name for s in self.d.schemas})
        stmts = [f"CREATE SCHEMA IF NOT EXISTS {quote_ident(s)}"
                 for s in sorted(schemas - {"public"})]
        stmts += [f"CREATE EXTENSION IF NOT EXISTS {quote_ident(e.name)}"
                  + (f" WITH SCHEMA {quote_ident(e.schema)}" if e.schema else "")
                  for e in self.d.extensions]
        after = [_twin_sql(t, u) for t in self.modelled for u in twin_uniques(t)]
        if not stmts and not after:
            return []
        event, ddl = self.imp.use(_SA, "event"), self.imp.use(_SA, "DDL")
        # DDL() formats its text with %, so a literal % is doubled
        out = []
        if stmts:
            out.append("# Tables need these first; IF NOT EXISTS lets create_all and "
                       "schema.sql share a database.")
        for stmt in stmts:
            out += _call(f"{event}.listen", ["Base.metadata", '"before_create"',
                                             f"{ddl}({_q(stmt.replace('%', '%%'))})"])
        if after:
            out.append("# A UNIQUE identical to an earlier key: inside CREATE TABLE PostgreSQL "
                       "would keep only the first.")
        for stmt in after:
            out += _call(f"{event}.listen", ["Base.metadata", '"after_create"',
                                             f"{ddl}({_q(stmt.replace('%', '%%'))})"])
        return out

    def sequence(self, q: Sequence) -> list[str]:
        seq = self.imp.use(_SA, "Sequence")
        var = self.module.take(_snake(q.name).lower())
        typ = {"smallint": "SmallInteger", "integer": "Integer", "bigint": "BigInteger"}.get(
            q.data_type)
        args = [_q(q.name), f"start={q.start}", f"increment={q.increment}"]
        args.append(f"minvalue={q.min_value}" if q.min_value is not None else "nominvalue=True")
        args.append(f"maxvalue={q.max_value}" if q.max_value is not None else "nomaxvalue=True")
        args += [f"cache={q.cache}", f"cycle={q.cycle}"]
        if typ:
            args.append(f"data_type={self.imp.use(_SA, typ)}")
        if q.schema != "public":
            args.append(f"schema={_q(q.schema)}")
        args.append("metadata=Base.metadata")
        if q.owned_by:
            self.losses.append(f"sequence {q.name}: OWNED BY {q.owned_by[0]}.{q.owned_by[1]}")
        return _call(f"{var} = {seq}", args)

    def enums(self) -> list[str]:
        out = []
        for e in self.d.enums:
            var = self.types.enum_vars[_type_spellings(e.schema, e.name)[0]]
            args = [*(_q(v) for v in e.values), f"name={_q(e.name)}"]
            if e.schema != "public":
                args.append(f"schema={_q(e.schema)}")
            args += ["create_type=True", "metadata=Base.metadata"]
            out += _call(f"{var} = {self.imp.use(_PG, 'ENUM')}", args)
            if e.comment:
                self.losses.append(f"comment on type {e.name}")
        return out


def _twin_sql(t: Table, u: Unique) -> str:
    cols = ", ".join(quote_ident(c) for c in u.columns)
    text = (f"ALTER TABLE {quote_ident(t.schema)}.{quote_ident(t.name)} ADD "
            + (f"CONSTRAINT {quote_ident(u.name)} " if u.name else "")
            + ("UNIQUE NULLS NOT DISTINCT" if u.nulls_not_distinct else "UNIQUE")
            + f" ({cols})")
    if u.include:
        text += f" INCLUDE ({', '.join(quote_ident(c) for c in u.include)})"
    if u.deferrable:
        text += " DEFERRABLE" + (" INITIALLY DEFERRED" if u.initially_deferred else "")
    return text


def sqlalchemy_models(design: Design) -> str:
    """The Python source of a module of SQLAlchemy 2.0 declarative models for ``design``
    (deterministic text; nothing is imported or executed here).

    ``Base.metadata.create_all(engine)`` builds the tables, keys, constraints, indexes,
    enums, sequences and comments the design describes; objects that models cannot express
    (views, routines, triggers, policies, partitions …) are listed at the top of the module
    and come from ``schema.sql``."""
    w = _Writer(design)
    w.plan()
    enums = w.enums()
    bodies = [w.class_block(p) if p.cls else w.table_block(p)
              for p in (w.plans[t.key] for t in w.modelled)]
    sequences = [line for q in design.sequences for line in w.sequence(q)]
    hooks = w.hooks()
    w.collect_losses()
    w.imp.use(_ORM, "DeclarativeBase")
    if w.types.pg_type_used:
        w.imp.use(_TYPES, "UserDefinedType")
        w.imp.use("typing", "Any")

    out = [*_header(w), *w.imp.lines(), "", "",
           "class Base(DeclarativeBase):",
           '    """Shared metadata of every table in this design."""']
    if w.types.pg_type_used:
        out += ["", "", *_PG_TYPE.splitlines()]
        if w.types.citext_used:
            out += ["", "", "# CITEXT arrived in SQLAlchemy 2.0.7; before that the type is "
                    "created by name.",
                    'CITEXT = getattr(postgresql, "CITEXT", None) or PgType("citext")']
    for block in (hooks, enums, sequences):
        if block:
            out += ["", "", *block]
    for body in bodies:
        out += ["", "", *body]
    return "\n".join(out) + "\n"


def _header(w: _Writer) -> list[str]:
    d = w.d
    name = _in_doc(one_line(d.name))
    out = [f'"""SQLAlchemy models for the design "{name}".', "",
           "Generated by pgarch_kit.interop.sqlalchemy_models: regenerate rather than edit."]
    if d.description and d.description.strip():
        out += ["", *(ln.rstrip() for ln in _in_doc(d.description.strip()).splitlines())]
    version = ".".join(map(str, w.min_version))
    out += ["", f"Needs SQLAlchemy {version} or later; ``Base.metadata.create_all(engine)`` "
            "builds what the", "models hold.", '"""']
    notes: list[str] = []
    if w.needs:
        notes += ["Types the models name but do not create (run their part of schema.sql "
                  "before create_all):", *(f"  - {n}" for n in dict.fromkeys(w.needs))]
    if w.losses:
        notes += [*([""] if notes else []),
                  "Not expressible as SQLAlchemy models; these live in schema.sql:",
                  *(f"  - {n}" for n in dict.fromkeys(w.losses))]
    if notes:
        out += [("# " + ln).rstrip() for note in notes
                for ln in textwrap.wrap(one_line(note), _WIDTH - 2, subsequent_indent="      ",
                                        break_long_words=False, break_on_hyphens=False)
                or [""]]
    return [*out, ""]
