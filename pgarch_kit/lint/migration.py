"""The migration input of the advisor's M rules: a SQL script parsed by PostgreSQL's own parser
(pglast, i.e. libpg_query), statement by statement, against the design it applies to.

Each statement keeps its AST node, its text, its 1-based line and the transaction it runs in:
an explicit ``BEGIN … COMMIT`` block, or — when ``transactional=True``, as most migration
runners do (Flyway, Alembic, Rails, Atlas) — the implicit transaction the runner wraps the
whole file in. ``prior`` is the design before the migration: its tables exist and are assumed
populated, so locks and rewrites on them matter; tables the script creates are new and free.
"""
from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from pgarch_kit.errors import PgArchError
from pgarch_kit.model import Design, Table
from pgarch_kit.model.sqltext import skip_noise

__all__ = ["Migration", "MigrationParseError", "Statement", "relation_key", "render", "sort_key"]


class MigrationParseError(PgArchError):
    """PostgreSQL's parser rejected the migration script; ``line`` is 1-based."""

    def __init__(self, message: str, *, line: int | None, source: str = "migration") -> None:
        self.parser_message = message
        self.line = line
        where = f" at line {line}" if line else ""
        super().__init__(f"cannot parse {source}{where}: {message} — fix the SQL (it is read "
                         f"by PostgreSQL's own parser, so it would fail on the server too)")


@dataclass(frozen=True)
class Statement:
    """One statement of the script."""

    node: Any                  # the pglast AST node (pglast.ast.*)
    text: str                  # the statement as written, without the trailing semicolon
    line: int                  # 1-based line of its first token
    index: int                 # position in the script, 0-based
    txn: int | None            # transaction id (same id: same transaction); None: autocommit
    explicit: bool             # inside (or opening/closing) an explicit BEGIN … COMMIT block

    @property
    def kind(self) -> str:
        """The node's class name: ``AlterTableStmt``, ``IndexStmt``, …"""
        return type(self.node).__name__

    @property
    def in_transaction(self) -> bool:
        return self.txn is not None


def relation_key(rangevar: Any) -> tuple[str | None, str]:
    """(schema or None, name) of a pglast RangeVar."""
    return (rangevar.schemaname or None, rangevar.relname)


def render(node: Any) -> str:
    """SQL for an AST node, through pglast's printer (names quoted by the printer itself)."""
    from pglast.stream import RawStream
    return RawStream()(node)


_NATURAL = re.compile(r"(\d+)")


def sort_key(name: str) -> tuple[Any, ...]:
    """Sort key that orders V2 before V10, as migration tools do."""
    return tuple(int(p) if p.isdigit() else p.lower() for p in _NATURAL.split(Path(name).name))


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, max(offset, 0)) + 1


@dataclass(frozen=True)
class Migration:
    """A parsed migration script and the design it applies to."""

    statements: tuple[Statement, ...]
    prior: Design
    transactional: bool = True
    file_name: str | None = None
    applied: tuple[str, ...] = ()      # names of migration files already applied
    sql: str = field(default="", repr=False)

    # ---- construction
    @classmethod
    def from_sql(cls, sql_text: str | Mapping[str, Any], prior_design: Design, *,
                 transactional: bool = True, file_name: str | None = None,
                 applied: Sequence[str] = ()) -> Migration:
        """Parse ``sql_text`` against ``prior_design``. ``sql_text`` may also be a mapping, as
        a YAML file gives it: ``{sql: …, transactional: false, file_name: …, applied: […]}``.
        Raises :class:`MigrationParseError` (naming the line) when the SQL does not parse."""
        if isinstance(sql_text, Mapping):
            spec = dict(sql_text)
            unknown = set(spec) - {"sql", "transactional", "file_name", "applied"}
            if unknown or "sql" not in spec:
                raise PgArchError(f"a migration mapping needs 'sql' and may have transactional, "
                                  f"file_name, applied; got {sorted(spec)}")
            return cls.from_sql(spec["sql"], prior_design,
                                transactional=spec.get("transactional", transactional),
                                file_name=spec.get("file_name", file_name),
                                applied=spec.get("applied", applied))
        import pglast
        from pglast.parser import ParseError
        source = file_name or "migration"
        try:
            raw = pglast.parse_sql(sql_text)
        except ParseError as exc:
            offset = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
            line = _line_of(sql_text, offset) if offset is not None else None
            raise MigrationParseError(str(exc.args[0]), line=line, source=source) from None
        statements = []
        for i, rs in enumerate(raw):
            # pglast reports character offsets; stmt_len 0 means "to the end of the text".
            start = skip_noise(sql_text, rs.stmt_location)
            end = rs.stmt_location + rs.stmt_len if rs.stmt_len else len(sql_text)
            statements.append((rs.stmt, sql_text[start:end].strip().rstrip(";").strip(),
                                _line_of(sql_text, start), i))
        return cls(cls._place(statements, transactional), prior_design, transactional,
                   file_name, tuple(applied), sql_text)

    @classmethod
    def from_file(cls, path: str | Path, prior_design: Design, *, transactional: bool = True,
                  applied: Sequence[str] = ()) -> Migration:
        """Read a migration file; its name is what ``non-linear-migration`` compares."""
        p = Path(path)
        return cls.from_sql(p.read_text(encoding="utf-8"), prior_design,
                            transactional=transactional, file_name=p.name, applied=applied)

    @staticmethod
    def _place(items: list[tuple[Any, str, int, int]],
               transactional: bool) -> tuple[Statement, ...]:
        """Give each statement the transaction PostgreSQL would run it in. A wrapped file
        starts inside the runner's transaction (id 0). BEGIN inside an open transaction only
        warns and joins it; COMMIT/ROLLBACK ends whatever is open — in a wrapped file that is
        the runner's own transaction, so later statements run in autocommit (None) until the
        next BEGIN. The control statements belong to the transaction they open or close."""
        from pglast.enums import TransactionStmtKind as K
        opens = (K.TRANS_STMT_BEGIN, K.TRANS_STMT_START)
        closes = (K.TRANS_STMT_COMMIT, K.TRANS_STMT_ROLLBACK, K.TRANS_STMT_PREPARE)
        out: list[Statement] = []
        counter = 0
        current: int | None = 0 if transactional else None
        explicit = False
        for node, text, line, i in items:
            kind = node.kind if type(node).__name__ == "TransactionStmt" else None
            if kind in opens:
                if current is None:
                    counter += 1
                    current = counter
                explicit = True
                out.append(Statement(node, text, line, i, current, True))
            elif kind in closes:
                out.append(Statement(node, text, line, i, current, explicit))
                current, explicit = None, False
            else:
                out.append(Statement(node, text, line, i, current, explicit))
        return tuple(out)

    # ---- queries rules share
    def __iter__(self) -> Iterator[Statement]:
        return iter(self.statements)

    def of_kind(self, *kinds: str) -> Iterator[Statement]:
        return (s for s in self.statements if s.kind in kinds)

    def same_transaction(self, a: Statement, b: Statement) -> bool:
        return a.txn is not None and a.txn == b.txn

    def prior_table(self, rangevar: Any) -> Table | None:
        """The prior design's table a RangeVar names (unqualified names: public first)."""
        schema, name = relation_key(rangevar)
        if schema:
            return self.prior.table(name, schema)
        return self.prior.table(name, "public") or self.prior.table(name)

    @cached_property
    def _created(self) -> dict[tuple[str, str], int]:
        """Relations the script creates (CREATE TABLE, CREATE TABLE AS, SELECT INTO, CREATE
        VIEW, CREATE SEQUENCE), by key → statement index."""
        out: dict[tuple[str, str], int] = {}
        for s in self.statements:
            rel = None
            if s.kind in ("CreateStmt", "ViewStmt", "CreateSeqStmt"):
                rel = getattr(s.node, "relation", None) or getattr(s.node, "view", None) \
                    or getattr(s.node, "sequence", None)
            elif s.kind == "CreateTableAsStmt":
                rel = s.node.into.rel
            elif s.kind == "SelectStmt" and s.node.intoClause is not None:
                rel = s.node.intoClause.rel
            if rel is not None:
                out.setdefault((rel.schemaname or "public", rel.relname), s.index)
        return out

    def is_new(self, rangevar: Any, before: Statement | None = None) -> bool:
        """True when the script creates the table (earlier than ``before``, if given)."""
        at = self._created.get((rangevar.schemaname or "public", rangevar.relname))
        return at is not None and (before is None or at < before.index)

    def existing(self, rangevar: Any, stmt: Statement | None = None) -> Table | None:
        """The table a statement touches when it already exists with its rows, i.e. when the
        script did not create it before ``stmt`` (else None): the prior design's table, or a
        stand-in without columns for a table the prior design does not know. A script that
        names a table expects it to be there, so an unknown table is judged as an existing,
        populated one (what a rule cannot know about it, such as its columns, it does not
        claim) and the ``unknown-table`` rule reports it."""
        if rangevar is None or self.is_new(rangevar, stmt):
            return None
        return self.prior_table(rangevar) or self.stand_in(rangevar)

    def stand_in(self, rangevar: Any) -> Table:
        """A table of the name a RangeVar gives, with nothing else known about it."""
        return Table(rangevar.relname, schema=rangevar.schemaname or "public")

    def is_known(self, rangevar: Any, before: Statement | None = None) -> bool:
        """True when the prior design has the relation (table, view, materialized view or
        sequence) or the script creates it before ``before``."""
        if self.is_new(rangevar, before) or self.prior_table(rangevar) is not None:
            return True
        schema, name = relation_key(rangevar)
        others = [*self.prior.views, *self.prior.sequences]
        return any(o.name == name and (schema is None or o.schema == schema) for o in others)

    def where(self, rangevar: Any) -> str:
        """How findings name the table a RangeVar points at."""
        schema, name = relation_key(rangevar)
        return name if schema in (None, "public") else f"{schema}.{name}"

    def index_table(self, index_name: str, schema: str | None = None) -> Table | None:
        """The prior table that holds the named index (or constraint-backed index)."""
        for t in self.prior.tables:
            if schema and t.schema != schema:
                continue
            names = {ix.name for ix in t.indexes}
            names |= {u.name for u in t.uniques if u.name}
            if index_name in names:
                return t
        return None

    @cached_property
    def created_indexes(self) -> dict[str, Statement]:
        """Indexes the script creates, by name."""
        return {s.node.idxname: s for s in self.of_kind("IndexStmt") if s.node.idxname}

    def is_non_linear(self) -> bool:
        """True when this file sorts before a file already applied (and is not one of them)."""
        if not self.file_name or not self.applied:
            return False
        name = Path(self.file_name).name
        if name in {Path(a).name for a in self.applied}:
            return False
        return self.last_applied is not None and sort_key(name) < sort_key(self.last_applied)

    @property
    def last_applied(self) -> str | None:
        """The applied file that sorts last."""
        return max(self.applied, key=sort_key) if self.applied else None
