"""What a migration script defines, as design objects, so the advisor's own type rules judge
the columns and domains a migration adds the way they judge a design's.

A migration's ``CREATE TABLE`` (and ``ADD COLUMN``, ``ALTER COLUMN … TYPE``, ``CREATE
DOMAIN``) picks types that outlive the migration: ``timestamp`` without a zone, ``char(n)``,
an ``integer`` key, ``serial``. The design rules already know what is wrong with them; this
module puts the script's definitions into a copy of the prior design — each recorded with the
statement line that defined it — and :func:`definition_findings` keeps only the findings
about those objects. Names are read as PostgreSQL would store them (``pglast`` gives the
parser's output), so a name the script spells over 63 bytes is reported by
``identifier-truncated``, not here.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from pgarch_kit.model import Column, Design, Table
from pgarch_kit.model.design import Domain, DomainCheck, LintConfig, PrimaryKey

from .context import label
from .finding import Finding
from .migration import Migration, render

__all__ = ["DEFINITION_RULES", "definition_findings", "script_design"]

# The design rules that judge one column's (or domain's) definition on its own: what a
# migration adding that column should hear at once. Rules about the whole design (missing
# indexes, naming conventions, comments) stay with `pgarch lint DESIGN`.
DEFINITION_RULES = ("timestamp-without-tz", "char-n-type", "varchar-n-limit", "money-type",
                    "serial-instead-of-identity", "int-id-overflow-risk",
                    "json-instead-of-jsonb", "reg-type-column", "large-object-column",
                    "domain-with-check-constraint")


def _names(strings: Any) -> tuple[str, ...]:
    return tuple(x.sval for x in strings or ())


def _column(coldef: Any) -> Column | None:
    """A design column from a ColumnDef (None for one without a type: PARTITION OF, LIKE)."""
    from pglast.enums import ConstrType as CT
    if coldef.typeName is None:
        return None
    cons = {c.contype: c for c in coldef.constraints or ()}
    nullable = not (coldef.is_not_null or CT.CONSTR_NOTNULL in cons
                    or CT.CONSTR_PRIMARY in cons)
    ident = cons.get(CT.CONSTR_IDENTITY)
    default = cons.get(CT.CONSTR_DEFAULT)
    gen = cons.get(CT.CONSTR_GENERATED)
    return Column(coldef.colname, render(coldef.typeName), nullable=nullable,
                  default=render(default.raw_expr) if default is not None else None,
                  identity=({"a": "always", "d": "by default"}.get(ident.generated_when,
                                                                   "always")
                            if ident is not None else None),
                  generated=render(gen.raw_expr) if gen is not None and gen.raw_expr else None)


def _create_table(node: Any) -> tuple[Table, list[str]]:
    from pglast.enums import ConstrType as CT
    cols, pk = [], None
    for e in node.tableElts or ():
        kind = type(e).__name__
        if kind == "ColumnDef":
            col = _column(e)
            if col is not None:
                cols.append(col)
                if any(c.contype == CT.CONSTR_PRIMARY for c in e.constraints or ()):
                    pk = PrimaryKey((e.colname,))
        elif kind == "Constraint" and e.contype == CT.CONSTR_PRIMARY and e.keys:
            pk = PrimaryKey(_names(e.keys))
    rel = node.relation
    table = Table(rel.relname, tuple(cols), schema=rel.schemaname or "public", primary_key=pk)
    return table, [c.name for c in cols]


def script_design(mig: Migration) -> tuple[Design, dict[tuple[str | None, str | None], int]]:
    """The prior design with the script's definitions applied, and where each was defined:
    ``(table label or domain, column or None) → line``."""
    from pglast.enums import AlterTableType as AT
    from pglast.enums import ConstrType as CT
    from pglast.enums import ObjectType
    tables = {t.key: t for t in mig.prior.tables}
    domains = {(d.schema, d.name): d for d in mig.prior.domains}
    where: dict[tuple[str | None, str | None], int] = {}
    for s in mig:
        n = s.node
        if s.kind == "CreateStmt" and n.tableElts:
            table, cols = _create_table(n)
            tables[table.key] = table
            where.update({(label(table), c): s.line for c in cols})
            where.setdefault((label(table), None), s.line)
        elif s.kind == "AlterTableStmt" and n.objtype == ObjectType.OBJECT_TABLE:
            table = mig.prior_table(n.relation) if not mig.is_new(n.relation, s) else None
            table = tables.get(table.key if table else (n.relation.schemaname or "public",
                                                       n.relation.relname)) \
                or mig.stand_in(n.relation)
            for cmd in n.cmds or ():
                if cmd.subtype == AT.AT_AddColumn and (col := _column(cmd.def_)) is not None:
                    table = replace(table, columns=(*table.columns, col))
                    if any(c.contype == CT.CONSTR_PRIMARY for c in cmd.def_.constraints or ()):
                        table = replace(table, primary_key=PrimaryKey((col.name,)))
                    where[(label(table), col.name)] = s.line
                elif cmd.subtype == AT.AT_AlterColumnType and cmd.def_.typeName is not None:
                    new_type = render(cmd.def_.typeName)
                    old = table.column(cmd.name) or Column(cmd.name, new_type)
                    kept = tuple(c for c in table.columns if c.name != cmd.name)
                    table = replace(table, columns=(*kept, replace(old, type=new_type)))
                    where[(label(table), cmd.name)] = s.line
            tables[table.key] = table
        elif s.kind == "CreateDomainStmt":
            parts = _names(n.domainname)
            schema = parts[0] if len(parts) > 1 else "public"
            checks = tuple(DomainCheck(render(c.raw_expr), c.conname)
                           for c in n.constraints or () if c.contype == CT.CONSTR_CHECK)
            d = Domain(parts[-1], render(n.typeName), schema=schema, checks=checks)
            domains[(schema, d.name)] = d
            where[(d.name if schema == "public" else f"{schema}.{d.name}", None)] = s.line
    cfg = mig.prior.lint
    design = replace(mig.prior, tables=tuple(tables.values()), domains=tuple(domains.values()),
                     lint=LintConfig(settings=_new_definitions(cfg.settings),
                                     suppress=cfg.suppress))
    return design, where


def _new_definitions(settings: Any) -> tuple:
    """The prior design's settings with ``new_definitions`` on: the script's columns are
    choices made now, so the type rules judge them as a new design's."""
    items = dict(settings.items() if isinstance(settings, dict) else settings)
    items["new_definitions"] = True
    return tuple(items.items())


def definition_findings(mig: Migration, rules: Iterable[str]) -> list[Finding]:
    """Findings of the design ``rules`` (a subset of :data:`DEFINITION_RULES`) about what
    the script defines, each with the line of the statement that defined it."""
    from .runner import lint
    chosen = [r for r in rules if r in DEFINITION_RULES]
    if not chosen:
        return []
    design, where = script_design(mig)
    if not where:
        return []
    out = []
    for f in lint(design, select=chosen, ignore=[]).findings:
        line = where.get((f.table, f.column))
        if line is None or f.code == "PGA000":
            continue  # about the prior design, or an unused suppression of another run
        out.append(replace(f, message=f"line {line}: {f.message}", line=line))
    return out
