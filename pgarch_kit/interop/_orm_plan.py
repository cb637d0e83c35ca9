"""What the generated models will hold, decided before any line is written: which tables
become classes (those with a primary key) and which ``Table`` objects, every class, variable
and attribute name, the ``relationship()`` pairs, which foreign keys SQLAlchemy can declare,
and what must stay in ``schema.sql``. Rendering (:mod:`.orm_models`) reads this state."""
from __future__ import annotations

import keyword
from dataclasses import dataclass, field

from ..model.design import Column, Design, ForeignKey, Table
from ._orm_names import (
    _ID_SUFFIX,
    _MODULE_NAMES,
    _RESERVED_ATTRS,
    _attr_for,
    _camel,
    _label,
    _Namer,
    _qual,
    _snake,
    _type_spellings,
)
from ._orm_source import _Imports, _q
from ._orm_types import _TypeMap


@dataclass
class _Rel:
    owner: tuple[str, str]      # table key whose class holds the attribute
    name: str
    target: str                 # class name
    many: bool
    back: str | None
    optional: bool = False      # a to-one side whose key columns may be NULL
    extra: list[str] = field(default_factory=list)


@dataclass
class _TablePlan:
    table: Table
    cls: str | None             # class name, or None for a Table object
    var: str | None             # Table object variable
    attrs: dict[str, str]       # column name -> attribute/key
    rels: list[_Rel] = field(default_factory=list)


class _Planner:
    """State that planning and rendering share (imports, losses, the minimum SQLAlchemy
    version, the names taken) and the planning step; :class:`.orm_models._Writer` renders."""

    def __init__(self, design: Design) -> None:
        self.d = design
        self.imp = _Imports()
        self.losses: list[str] = []
        self.needs: list[str] = []          # prerequisites named, not created
        self.min_version = (2, 0)
        self.module = _Namer(_MODULE_NAMES)
        self.types = _TypeMap(self.imp)
        self.by_key = {t.key: t for t in design.tables}
        self.modelled = [t for t in design.tables if t.partition_of is None]
        self.plans: dict[tuple[str, str], _TablePlan] = {}
        self._namer_of: dict[tuple[str, str], _Namer] = {}

    def plan(self) -> None:
        classes = _Namer(_MODULE_NAMES)
        for t in self.modelled:
            if t.primary_key is not None and t.primary_key.columns:
                want = _camel(t.name)
                if want in classes.taken and t.schema != "public":
                    want = _camel(t.schema) + want
                cls = classes.take(want, "Model")
                self.plans[t.key] = _TablePlan(t, cls, None, {})
        self.module.taken |= classes.taken
        for e in self.d.enums:
            var = self.module.take(_camel(e.name) + ("Enum" if _camel(e.name) in
                                                     classes.taken else ""), "Enum")
            for spelling in _type_spellings(e.schema, e.name):
                self.types.enum_vars.setdefault(spelling, var)
        reserved = _MODULE_NAMES | set(self.types.enum_vars.values()) | _RESERVED_ATTRS
        for t in self.modelled:
            plan = self.plans.get(t.key)
            if plan is None:
                var = self.module.take("t_" + _snake(t.name).lower())
                plan = self.plans[t.key] = _TablePlan(t, None, var, {})
                plan.attrs = {c.name: c.name for c in t.columns}
                continue
            names = _Namer(reserved)
            for c in t.columns:
                plan.attrs[c.name] = names.take(_attr_for(c.name))
            self._namer_of[t.key] = names
        self._plan_relationships()

    def _fk_target(self, t: Table, fk: ForeignKey) -> Table | None:
        return self.by_key.get((fk.ref_schema or t.schema, fk.ref_table))

    def _plan_relationships(self) -> None:
        links: list[tuple[Table, ForeignKey, _Rel, _Rel | None]] = []
        for t in self.modelled:
            child = self.plans[t.key]
            if child.cls is None:
                continue
            for fk in t.foreign_keys:
                target = self._fk_target(t, fk)
                if not self._fk_ok(t, fk, report=False):
                    continue
                assert target is not None
                parent = self.plans[target.key]
                same = [f for f in t.foreign_keys if self._fk_target(t, f) is target]
                if parent.cls is None or len(same) != 1:
                    continue  # ambiguous: two keys to one table need hand-named pairs
                if target is not t and any(self._fk_target(target, f) is t
                                           for f in target.foreign_keys):
                    continue  # keys both ways between two tables: also ambiguous
                many_name = self._rel_name(t, fk, target)
                if many_name is None:
                    continue
                to_one = _Rel(t.key, many_name, parent.cls, False, None,
                              optional=any(_nullable(t, c) for c in fk.columns))
                to_many = None
                if target is not t:
                    back = self._namer_of[target.key]
                    want = _attr_for(t.name)
                    if want not in back.taken and not keyword.iskeyword(want):
                        to_many = _Rel(target.key, back.take(want), child.cls, True,
                                       many_name)
                        to_one.back = to_many.name
                else:
                    remote = [f"{parent.cls}.{parent.attrs[c]}" for c in fk.ref_columns
                              if c in parent.attrs]
                    if len(remote) != len(fk.ref_columns):
                        continue
                    spec = remote[0] if len(remote) == 1 else f"[{', '.join(remote)}]"
                    to_one.extra.append(f"remote_side={_q(spec)}")
                self._namer_of[t.key].take(many_name)
                links.append((t, fk, to_one, to_many))
        # keys sharing a column (tenant_id in every key) would each write it: say so
        for t, fk, one, many in links:
            shared = [(o, m) for t2, f2, o, m in links
                      if t2 is t and f2 is not fk and set(f2.columns) & set(fk.columns)]
            if shared:
                keys = sorted({r.name for o, m in shared for r in (o, m) if r is not None})
                for r in (one, many):
                    if r is not None:
                        r.extra.append(f"overlaps={_q(', '.join(keys))}")
            self.plans[t.key].rels.append(one)
            if many is not None:
                self.plans[many.owner].rels.append(many)

    def _rel_name(self, t: Table, fk: ForeignKey, target: Table) -> str | None:
        taken = self._namer_of[t.key]
        wants = []
        # the last *_id column names the role: (tenant_id, owner_id) -> owner
        for col in reversed(fk.columns):
            stem = _ID_SUFFIX.sub("", col).rstrip("_")
            if stem and stem != col:
                wants.append(_attr_for(stem))
                break
        wants.append(_attr_for(target.name))
        for want in wants:
            if want not in taken.taken and not keyword.iskeyword(want):
                return want
        return None

    def _fk_ok(self, t: Table, fk: ForeignKey, *, report: bool = True) -> bool:
        """Whether the models can declare ``fk``; when not, the reason joins the list of
        what lives in schema.sql."""
        target = self._fk_target(t, fk)
        why = None
        if target is None:
            why = f"its target {fk.ref_table} is not in the design"
        elif target.partition_of is not None:
            why = f"its target is the partition {target.name}"
        elif any("." in n for n in (target.schema, target.name, *fk.ref_columns)):
            why = "a name holds '.', which SQLAlchemy's 'table.column' references cannot"
        if why and report:
            self.losses.append(f"{_label(t)}: foreign key {fk.name or ', '.join(fk.columns)} "
                               f"({why})")
        return why is None

    def collect_losses(self) -> None:
        """What the design holds beyond the models, for the comment at the top of the
        module: objects models cannot express, and types they name but do not create."""
        d = self.d
        for r in d.roles:
            self.losses.append(f"role {r}")
        for s in d.schemas:
            if s.comment:
                self.losses.append(f"comment on schema {s.name}")
        for dom in d.domains:
            self.needs.append(f"domain {_qual(dom.schema, dom.name)}")
        for comp in d.composites:
            self.needs.append(f"composite type {_qual(comp.schema, comp.name)}")
        for v in d.views:
            kind = "materialized view" if v.materialized else "view"
            self.losses.append(f"{kind} {_qual(v.schema, v.name)}"
                               + (f" (and its {len(v.indexes)} index(es))" if v.indexes else ""))
        for r in d.routines:
            self.losses.append(f"{r.kind} {_qual(r.schema, r.name)}({r.signature})")
        for tr in d.triggers:
            self.losses.append(f"trigger {tr.name} on {_qual(tr.schema, tr.table)}")
        parts: dict[tuple[str, str], list[str]] = {}
        for t in d.tables:
            if t.partition_of is not None:
                parts.setdefault((t.schema, t.partition_of), []).append(t.name)
                continue
            if t.rls_enabled or t.rls_forced:
                self.losses.append(f"{_label(t)}: row-level security "
                                   + ("enabled and forced" if t.rls_forced else "enabled"))
            for p in t.policies:
                self.losses.append(f"{_label(t)}: policy {p.name}")
            for con in (*t.checks, *t.foreign_keys):
                if getattr(con, "not_valid", False):  # create_all cannot say NOT VALID
                    self.losses.append(f"{_label(t)}: {con.name or 'a constraint'} is NOT "
                                       "VALID in the design; the models create it validated")
        for (schema, parent), names in parts.items():
            self.losses.append(f"{len(names)} partition(s) of {_qual(schema, parent)} with "
                               f"their bounds: {', '.join(names)}")


def _nullable(t: Table, c: Column | str) -> bool:
    """Whether PostgreSQL lets the column hold NULL: primary-key and identity columns are
    NOT NULL whatever the design says."""
    col = t.column(c) if isinstance(c, str) else c
    if col is None:
        return True
    in_pk = t.primary_key is not None and col.name in t.primary_key.columns
    return col.nullable and not in_pk and col.identity is None
