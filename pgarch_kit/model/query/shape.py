"""The shape of a query pattern: what each SELECT/UPDATE/DELETE/MERGE block reads, how it
filters (each predicate with its operator), joins, sorts and limits, and what the pattern
writes — read from the one parse of :mod:`.tree`.

Each block (subqueries, CTEs and UNION arms included) becomes a :class:`Block`; a column
reference keeps its qualifier, so a reader resolves it against that block's relations
(:meth:`Block.relation_of`). :func:`query_shape` never raises: SQL the parser refuses gives
a shape with ``error`` set and no blocks.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .expr import Term, term
from .predicate import JSONB_OPS, Predicate, Ref, predicate, ref_of
from .tree import (
    Parsed,
    column_ref,
    columns,
    conjuncts,
    nodes,
    param_numbers,
    parse_pattern,
)

__all__ = ["Relation", "SortKey", "JsonbUse", "Value", "Block", "Write", "QueryShape",
           "query_shape"]


@dataclass(frozen=True)
class Relation:
    """A relation of a block: ``alias`` is the alias, or the name when none was given.
    ``derived`` marks a CTE reference or a subquery/function in FROM (not a table)."""

    name: str
    schema: str | None
    alias: str
    derived: bool = False


@dataclass(frozen=True)
class SortKey:
    """One ORDER BY key with its direction and where NULLs go (resolved: PostgreSQL puts
    them last ascending, first descending)."""

    ref: Ref
    descending: bool = False
    nulls_first: bool = False

    qualifier = property(lambda self: self.ref.qualifier)
    column = property(lambda self: self.ref.column)
    expr = property(lambda self: self.ref.expr)
    key = property(lambda self: self.ref.key)


@dataclass(frozen=True)
class JsonbUse:
    qualifier: str | None
    column: str
    operator: str                       # @>, ?, ->> …
    expr: str                           # normalised text of the JSON expression


@dataclass(frozen=True)
class Value:
    """A LIMIT or OFFSET: its SQL, the parameters in it, its number when constant."""

    sql: str
    params: tuple[str, ...] = ()
    constant: int | None = None


@dataclass(frozen=True)
class Block:
    """One SELECT/UPDATE/DELETE/MERGE block."""

    kind: str
    relations: tuple[Relation, ...]
    predicates: tuple[Predicate, ...] = ()
    order_by: tuple[SortKey, ...] = ()
    terms: tuple[Term, ...] = ()                  # top-level AND terms of WHERE and ON
    group_by: tuple[str, ...] = ()
    limit: Value | None = None
    offset: Value | None = None
    columns: tuple[tuple[str | None, str], ...] = ()   # every column the block names
    targets: tuple[tuple[str | None, str], ...] = ()   # columns of the SELECT list
    star: bool = False                             # SELECT * (or t.*)
    top: bool = False                              # the statement itself, not a subquery

    @property
    def equality(self) -> tuple[Ref, ...]:
        """Refs compared by ``=``, ``IN`` or ``= ANY`` (JSON paths aside: see :attr:`jsonb`)."""
        return tuple(p.ref for p in self.predicates
                     if p.conjunct and p.kind == "equality" and not p.ref.path)

    @property
    def ranges(self) -> tuple[Ref, ...]:
        return tuple(p.ref for p in self.predicates
                     if p.conjunct and p.kind == "range" and not p.ref.path)

    @property
    def joins(self) -> tuple[Ref, ...]:
        """Both columns of every ``a.x = b.y`` join condition."""
        out: list[Ref] = []
        for p in self.predicates:
            if p.conjunct and p.kind == "join" and p.other is not None:
                out += [p.ref, p.other]
        return tuple(out)

    @property
    def jsonb(self) -> tuple[JsonbUse, ...]:
        """JSONB operators applied to a column (``doc @> …``) and compared JSON paths
        (``doc ->> 'k' = …``)."""
        out = []
        for p in self.predicates:
            if not p.conjunct:
                continue
            if p.kind == "operator" and p.op in JSONB_OPS and not p.ref.expr:
                out.append(JsonbUse(p.ref.qualifier, p.ref.column, p.op, p.ref.column))
            elif p.ref.path and p.kind in ("equality", "range"):
                out.append(JsonbUse(p.ref.qualifier, p.ref.column, p.ref.path,
                                    p.ref.path_expr or ""))
        return tuple(out)

    @property
    def conjuncts(self) -> tuple[str, ...]:
        """The comparable text of each top-level AND term (see :mod:`.expr`)."""
        return tuple(t.key for t in self.terms)

    def relation_of(self, qualifier: str | None, column: str,
                    columns_of: Any = None) -> Relation | None:
        """The relation a reference belongs to: by alias, else the only relation, else the only
        one that has the column (``columns_of(relation)`` gives a relation's columns, or
        None when unknown); None when that cannot be told."""
        if qualifier:
            return next((r for r in self.relations if qualifier in (r.alias, r.name)), None)
        if len(self.relations) == 1:
            return self.relations[0]
        if columns_of is None:
            return None
        owners = [r for r in self.relations if column in (columns_of(r) or ())]
        return owners[0] if len(owners) == 1 else None


@dataclass(frozen=True)
class Write:
    relation: Relation
    verb: str                                      # INSERT, UPDATE, DELETE, MERGE


@dataclass(frozen=True)
class QueryShape:
    """Everything the kit reads from one pattern's SQL."""

    sql: str
    kind: str = ""                                 # select, insert, update, delete, merge …
    statements: int = 0
    blocks: tuple[Block, ...] = ()
    relations: tuple[Relation, ...] = ()           # the tables and views it names, in order
    writes_to: tuple[Write, ...] = ()
    locking: bool = False                          # FOR UPDATE/SHARE somewhere
    functions: frozenset[str] = frozenset()        # functions it calls (now, lower …)
    params: tuple[str, ...] = ()
    limit: Value | None = None                     # of the statement itself (UNION's too)
    offset: Value | None = None
    error: str | None = None                       # the parser's message when it refused

    @property
    def writes(self) -> bool:
        """True unless the pattern is plain reading: any data-modifying statement (CTEs
        included), a locking read, or a statement that is not a SELECT."""
        return bool(self.writes_to or self.locking or self.kind != "select"
                    or self.statements != 1)

    @property
    def read_only(self) -> bool:
        """A read a replica could answer: parsed, and nothing written or locked."""
        return self.error is None and not self.writes


# ------------------------------------------------------------------------------- reading

def _leaves(node: Any, top: bool) -> list[tuple[Any, bool]]:
    """The comparisons of a condition: its AND terms (``top``), and inside OR/NOT the
    comparisons they combine (not top: no index can use them alone)."""
    from pglast import ast
    from pglast.enums import BoolExprType
    if isinstance(node, ast.BoolExpr):
        if node.boolop == BoolExprType.AND_EXPR:
            return [x for a in node.args for x in _leaves(a, top)]
        if node.boolop == BoolExprType.NOT_EXPR and column_ref(node.args[0]) is not None:
            return [(node, top)]
        return [x for a in node.args for x in _leaves(a, False)]
    return [(node, top)]


def _value(node: Any, parsed: Parsed) -> Value | None:
    from pglast import ast
    if node is None:
        return None
    constant = None
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Integer):
        constant = node.val.ival
    elif isinstance(node, ast.A_Const) and node.isnull:
        return None                      # LIMIT NULL / LIMIT ALL: no limit
    names = tuple(dict.fromkeys(parsed.name(n) for n in param_numbers(node)))
    return Value(parsed.deparse(node), names, constant)


class _BlockReader:
    def __init__(self, parsed: Parsed, ctes: set[str]) -> None:
        self.parsed = parsed
        self.ctes = ctes

    def relations(self, item: Any, out: list[Relation], quals: list[Any]) -> None:
        from pglast import ast
        if isinstance(item, ast.RangeVar):
            alias = item.alias.aliasname if item.alias else item.relname
            cte = item.schemaname is None and item.relname in self.ctes
            out.append(Relation(item.relname, item.schemaname, alias, cte))
        elif isinstance(item, ast.JoinExpr):
            self.relations(item.larg, out, quals)
            self.relations(item.rarg, out, quals)
            quals.extend(conjuncts(item.quals))
        elif isinstance(item, (ast.RangeSubselect, ast.RangeFunction)) and item.alias:
            out.append(Relation(item.alias.aliasname, None, item.alias.aliasname, True))

    def block(self, kind: str, items: Any, where: Any, stmt: Any, top: bool) -> Block:
        from pglast import ast
        from pglast.enums import SortByDir, SortByNulls
        rels: list[Relation] = []
        quals: list[Any] = []
        for item in items or ():
            self.relations(item, rels, quals)
        terms = quals + conjuncts(where)
        preds = [p for t in terms for n, top in _leaves(t, True)
                 if (p := predicate(n, self.parsed, top)) is not None]
        targets = getattr(stmt, "targetList", None) or ()
        order = []
        for s in getattr(stmt, "sortClause", None) or ():
            ref = ref_of(self._target(s.node, targets))
            if ref is None:
                continue
            desc = s.sortby_dir == SortByDir.SORTBY_DESC or (
                s.sortby_dir == SortByDir.SORTBY_USING and s.useOp
                and s.useOp[-1].sval.startswith(">"))
            nulls = {SortByNulls.SORTBY_NULLS_FIRST: True,
                     SortByNulls.SORTBY_NULLS_LAST: False}.get(s.sortby_nulls, desc)
            order.append(SortKey(ref, bool(desc), nulls))
        select = isinstance(stmt, ast.SelectStmt)
        star = select and any(isinstance(n, ast.A_Star) for n in nodes(targets))
        clauses = (targets, quals, where, getattr(stmt, "sortClause", None),
                   getattr(stmt, "groupClause", None), getattr(stmt, "havingClause", None))
        cols = tuple(dict.fromkeys(c for clause in clauses for c in columns(clause)))
        return Block(
            kind, tuple(rels), tuple(preds), tuple(order),
            tuple(term(t, self.parsed.deparse(t)) for t in terms),
            tuple(self.parsed.deparse(g) for g in getattr(stmt, "groupClause", None) or ()),
            _value(getattr(stmt, "limitCount", None), self.parsed),
            _value(getattr(stmt, "limitOffset", None), self.parsed),
            cols, tuple(dict.fromkeys(columns(targets))) if select else (), star, top)

    @staticmethod
    def _target(node: Any, targets: Any) -> Any:
        """ORDER BY 2 and ORDER BY an output alias name the select-list expression."""
        from pglast import ast
        if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Integer):
            n = node.val.ival
            return targets[n - 1].val if 0 < n <= len(targets) else None
        ref = column_ref(node)
        if ref is not None and ref[0] is None:
            named = [t.val for t in targets if t.name == ref[1]]
            if len(named) == 1:
                return named[0]
        return node


def _read(parsed: Parsed) -> QueryShape:
    from pglast import ast
    from pglast.enums import SetOperation
    ctes = {n.ctename for s in parsed.statements for n in nodes(s)
            if isinstance(n, ast.CommonTableExpr)}
    reader = _BlockReader(parsed, ctes)
    blocks: list[Block] = []
    writes: list[Write] = []
    named: list[Any] = []
    functions: set[str] = set()
    locking = False
    for stmt in parsed.statements:
        for node in nodes(stmt):
            if isinstance(node, ast.SelectStmt) and node.op == SetOperation.SETOP_NONE \
                    and node.fromClause:
                blocks.append(reader.block("select", node.fromClause, node.whereClause, node,
                                           node is stmt))
            elif isinstance(node, ast.UpdateStmt):
                blocks.append(reader.block("update", (node.relation, *(node.fromClause or ())),
                                           node.whereClause, node, node is stmt))
            elif isinstance(node, ast.DeleteStmt):
                blocks.append(reader.block("delete",
                                           (node.relation, *(node.usingClause or ())),
                                           node.whereClause, node, node is stmt))
            elif isinstance(node, ast.MergeStmt):
                blocks.append(reader.block("merge", (node.relation, node.sourceRelation),
                                           node.joinCondition, node, node is stmt))
            if isinstance(node, (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt,
                                 ast.MergeStmt)):
                rv = node.relation
                verb = type(node).__name__[:-4].upper()
                writes.append(Write(Relation(rv.relname, rv.schemaname,
                                             rv.alias.aliasname if rv.alias else rv.relname),
                                    verb))
            elif isinstance(node, ast.RangeVar) and not (
                    node.schemaname is None and node.relname in ctes):
                named.append(node)
            elif isinstance(node, ast.LockingClause):
                locking = True
            elif isinstance(node, ast.FuncCall):
                functions.add(node.funcname[-1].sval.lower())
            elif isinstance(node, ast.SQLValueFunction):
                functions.add(node.op.name[6:].lower())   # SVFOP_CURRENT_TIMESTAMP …
    rels: dict[tuple[str | None, str], Relation] = {}
    for rv in sorted(named, key=lambda n: n.location if n.location is not None else -1):
        rels.setdefault((rv.schemaname, rv.relname), Relation(rv.relname, rv.schemaname,
                                                               rv.relname))
    first = parsed.statements[0] if parsed.statements else None
    kind = type(first).__name__.removesuffix("Stmt").lower() if first is not None else ""
    return QueryShape(parsed.sql, kind, len(parsed.statements), tuple(blocks),
                      tuple(rels.values()), tuple(writes), locking, frozenset(functions),
                      parsed.names, _value(getattr(first, "limitCount", None), parsed),
                      _value(getattr(first, "limitOffset", None), parsed))


@lru_cache(maxsize=4096)
def query_shape(sql: str) -> QueryShape:
    """The shape of one pattern's SQL (cached; see the module docstring)."""
    from pglast.parser import ParseError
    try:
        return _read(parse_pattern(sql))
    except ParseError as exc:
        return QueryShape(sql, error=str(exc.args[0]) if exc.args else str(exc))
    except RecursionError:   # nested past what the readers walk: read nothing from it
        return QueryShape(sql, error="nested too deeply to read")
