"""Every kind of object in :mod:`pgarch_kit.model.kinds`, through every consumer that claims it.

Per kind, the example is applied on top of the base schema to a real database (in a
transaction that is rolled back, so one database serves every kind) and read back; then each
consumer must handle what was read: introspection finds the object, YAML keeps it, validation
accepts it, the DDL rebuilds it (same design, same catalog), a migration from the base adds it
to a database that holds rows and takes it away again (and the altered version both ways),
the diagram draws it, data generation loads with it, and the README's table lists it. A
consumer that forgets a kind fails here; one that does not handle it on purpose says why in
the registry. A model field that no kind covers fails too, so nothing new slips in
unregistered.
"""
from __future__ import annotations

import dataclasses
import secrets
import typing
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from pgarch_kit.db.catalog import FIELDS, catalog_snapshot, diff_snapshots
from pgarch_kit.db.connect import server_dsn
from pgarch_kit.db.introspect import introspect
from pgarch_kit.db.load import load
from pgarch_kit.db.run_script import run_script
from pgarch_kit.db.sandbox import create_sandbox, drop_sandbox
from pgarch_kit.ddl import to_sql
from pgarch_kit.diagram import to_dot
from pgarch_kit.migrate import MigrationError, check_plan, migration_plan
from pgarch_kit.model import design as model
from pgarch_kit.model.kinds import BASE_SQL, CONSUMERS, KINDS, Kind, kinds_markdown
from pgarch_kit.model.serde import dump_design, loads_design
from pgarch_kit.model.validate import validate

README = Path(__file__).resolve().parents[1] / "README.md"
_POS = FIELDS["columns"].index("position")
ROWS_SCALE = 0.03   # about 30 rows per table: enough for every step to meet real rows


def _params(consumer: str) -> list:
    return [pytest.param(k, id=k.name) for k in KINDS if k.handles(consumer)]


def _snapshot(conn: psycopg.Connection) -> dict:
    """The catalog, column positions aside (a migration appends what a fresh build may not)."""
    snap = catalog_snapshot(conn)
    snap["columns"] = sorted((*r[:_POS], None, *r[_POS + 1:]) for r in snap["columns"])
    return snap


@dataclasses.dataclass(frozen=True)
class Built:
    design: model.Design
    snap: dict


class Lab:
    """One scratch database for building (every build rolled back) and one that holds the base
    with rows, which every migration test leaves as it found it."""

    def __init__(self, base_dsn: str) -> None:
        self.base_dsn = base_dsn
        tag = secrets.token_hex(3)
        self.scratch_name = create_sandbox(f"pgarch_test_kinds_{tag}", dsn=base_dsn)
        self.loaded_name = f"pgarch_test_kinds_rows_{tag}"
        self.empty_name = create_sandbox(f"pgarch_test_kinds_gen_{tag}", dsn=base_dsn)
        with self.connect(self.empty_name) as conn:
            self.empty_snap = _snapshot(conn)
        self.scratch = psycopg.connect(server_dsn(base_dsn, self.scratch_name),
                                       autocommit=True)
        self._kinds: dict[str, tuple[Built, Built | None]] = {}
        self.base = self.build(BASE_SQL)
        self.counts: dict[str, int] = {}
        self._load_base()

    def connect(self, dbname: str) -> psycopg.Connection:
        return psycopg.connect(server_dsn(self.base_dsn, dbname), autocommit=True)

    def empty(self) -> str:
        """The DSN of an empty sandbox for a load: the previous load's objects are dropped
        (faster than a new database per kind; checked against the untouched catalog)."""
        with self.connect(self.empty_name) as conn:
            for (schema,) in conn.execute(
                    "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname NOT LIKE 'pg\\_%' "
                    "AND nspname NOT IN ('information_schema', 'pgarch_meta')").fetchall():
                conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
            for (ext,) in conn.execute("SELECT extname FROM pg_catalog.pg_extension "
                                       "WHERE extname <> 'plpgsql'").fetchall():
                conn.execute(sql.SQL("DROP EXTENSION IF EXISTS {} CASCADE").format(
                    sql.Identifier(ext)))
            # public as PostgreSQL 15+ makes it (a load hands it to the kit's runner role)
            conn.execute("CREATE SCHEMA public AUTHORIZATION pg_database_owner")
            conn.execute("GRANT USAGE ON SCHEMA public TO PUBLIC")
            assert diff_snapshots(_snapshot(conn), self.empty_snap) == []
        return server_dsn(self.base_dsn, self.empty_name)

    @property
    def loaded_dsn(self) -> str:
        return server_dsn(self.base_dsn, self.loaded_name)

    def _load_base(self) -> None:
        create_sandbox(self.loaded_name, dsn=self.base_dsn, recreate=True)
        load(self.base.design, dsn=self.loaded_dsn, scale=ROWS_SCALE, progress=False,
             verify=False)
        assert diff_snapshots(self.loaded_snapshot(), self.base.snap) == []
        self.counts = self.row_counts()

    def build(self, *scripts: str) -> Built:
        return self.builds(scripts)[0]

    def builds(self, *stages: tuple[str, ...]) -> list[Built]:
        """Each stage's scripts applied on top of the previous stages, and read back; all
        rolled back at the end."""
        out = []
        with self.scratch.transaction(force_rollback=True):
            for scripts in stages:
                for sql in scripts:
                    self.scratch.execute(sql)
                out.append(Built(introspect(self.scratch), _snapshot(self.scratch)))
        return out

    def rebuild(self, design: model.Design) -> Built:
        """The design's own DDL applied (and rolled back) on the scratch database."""
        return self.build(to_sql(design, server_version=self.scratch.info.server_version))

    def kind(self, k: Kind) -> tuple[Built, Built | None]:
        """The base with ``k``'s example, and with its alteration too (built once)."""
        if k.name not in self._kinds:
            built = self.builds((BASE_SQL, k.example), *([(k.alter,)] if k.alter else []))
            self._kinds[k.name] = (built[0], built[1] if k.alter else None)
        return self._kinds[k.name]

    def loaded_snapshot(self) -> dict:
        with psycopg.connect(self.loaded_dsn) as conn:
            return _snapshot(conn)

    def row_counts(self) -> dict[str, int]:
        with psycopg.connect(self.loaded_dsn) as conn:
            return {t.name: conn.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]
                    for t in self.base.design.tables}

    def at_base(self) -> None:
        """Start from the base: a test that failed half-way is cleaned up by reloading."""
        if diff_snapshots(self.loaded_snapshot(), self.base.snap) != []:
            self._load_base()

    def run(self, sql: str) -> None:
        run_script(self.loaded_name, sql, dsn=self.base_dsn)

    def close(self) -> None:
        self.scratch.close()
        drop_sandbox(self.scratch_name, dsn=self.base_dsn)
        drop_sandbox(self.loaded_name, dsn=self.base_dsn)
        drop_sandbox(self.empty_name, dsn=self.base_dsn)


@pytest.fixture(scope="module")
def lab(pg_dsn: str) -> Iterator[Lab]:
    made = Lab(pg_dsn)
    try:
        yield made
    finally:
        made.close()


def _new(k: Kind, lab: Lab, design: model.Design) -> set[str]:
    return set(k.find(design)) - set(k.find(lab.base.design))


# -- the registry itself ---------------------------------------------------------------------
def _catalog_classes() -> dict[str, type]:
    """Every dataclass reachable from Design's catalog fields."""
    skip = {"queries", "lint", "generate", "privacy", "intent", "source"}
    found: dict[str, type] = {}

    def walk(cls: type) -> None:
        if cls.__name__ in found:
            return
        found[cls.__name__] = cls
        hints = typing.get_type_hints(cls, vars(model))
        for f in dataclasses.fields(cls):
            if f.name in skip:
                continue
            stack = [hints[f.name]]
            while stack:
                t = stack.pop()
                if dataclasses.is_dataclass(t):
                    walk(t)
                stack += list(typing.get_args(t))
    walk(model.Design)
    return found


def test_every_model_field_belongs_to_a_kind() -> None:
    # intents and facts about a source database: what a design says, not what a catalog holds
    not_catalog = {"Design.name", "Design.description", "Design.queries", "Design.lint",
                   "Design.generate", "Design.privacy", "Design.source", "Table.intent"}
    claimed = {f for k in KINDS for f in k.fields}
    fields = {f"{name}.{f.name}" for name, cls in _catalog_classes().items()
              for f in dataclasses.fields(cls)}
    assert fields - claimed - not_catalog == set(), (
        "these model fields belong to no kind in pgarch_kit/model/kinds.py: add them to a "
        "kind's fields (or a new kind)")
    assert claimed - fields == set(), "kinds claim fields the model does not have"


def test_every_out_of_scope_reason_names_a_consumer_and_says_why() -> None:
    for k in KINDS:
        for consumer, why in k.out_of_scope:
            assert consumer in CONSUMERS and consumer != "docs", (k.name, consumer)
            assert len(why) > 15, (k.name, consumer)


def test_the_readme_lists_every_kind_and_what_leaves_it_out() -> None:
    text = README.read_text()
    table = kinds_markdown()
    assert table in text, ("README.md's table of kinds is out of date; replace it with the "
                           "output of `python -m pgarch_kit.model.kinds`")
    for k in KINDS:
        assert f"| {k.name} |" in table


# -- per kind, per consumer --------------------------------------------------------------
@pytest.mark.parametrize("k", [p for p in _params("introspect") if p.values[0].handles("model")])
def test_the_model_holds_it_and_introspection_finds_it(k: Kind, lab: Lab) -> None:
    with_kind, altered = lab.kind(k)
    assert _new(k, lab, with_kind.design), f"{k.name}: not found after {k.example!r}"
    assert with_kind.snap != lab.base.snap
    if altered is not None:
        assert altered.design != with_kind.design, f"{k.name}: the alteration is not seen"


@pytest.mark.parametrize("k", _params("serde"))
def test_yaml_round_trip(k: Kind, lab: Lab) -> None:
    for built in filter(None, lab.kind(k)):
        text = dump_design(built.design)
        assert loads_design(text) == built.design


@pytest.mark.parametrize("k", _params("validate"))
def test_validation_accepts_it(k: Kind, lab: Lab) -> None:
    for built in filter(None, lab.kind(k)):
        assert validate(built.design) == []


@pytest.mark.parametrize("k", _params("ddl"))
def test_ddl_rebuilds_the_same_design_and_catalog(k: Kind, lab: Lab) -> None:
    for built in filter(None, lab.kind(k)):
        again = lab.rebuild(built.design)
        assert again.design.structure() == built.design.structure()
        assert diff_snapshots(again.snap, built.snap) == []


@pytest.mark.parametrize("k", _params("diagram"))
def test_the_diagram_draws_it(k: Kind, lab: Lab) -> None:
    with_kind, _ = lab.kind(k)
    same = to_dot(with_kind.design) == to_dot(lab.base.design)
    assert not same, f"{k.name}: the DOT does not change"


@pytest.mark.parametrize("k", _params("datagen"))
def test_data_loads_with_it(k: Kind, lab: Lab) -> None:
    with_kind, _ = lab.kind(k)
    result = load(with_kind.design, dsn=lab.empty(), scale=ROWS_SCALE, progress=False)
    assert result.total_rows > 0
    assert result.verification is None or result.verification.ok, result.verification


def _migrate(lab: Lab, old: Built, new: Built, what: str, *, reversible: bool = True) -> None:
    """Up, down (the plan's own down script), up again; the database ends at ``new``."""
    plan = migration_plan(old.design, new.design)
    assert plan.steps, f"{what}: the migration finds no change"
    lab.run(plan.up_sql())
    assert diff_snapshots(lab.loaded_snapshot(), new.snap) == [], f"{what}: up"
    if reversible:
        lab.run(plan.down_sql())
        assert diff_snapshots(lab.loaded_snapshot(), old.snap) == [], f"{what}: down script"
        lab.run(plan.up_sql())
        assert diff_snapshots(lab.loaded_snapshot(), new.snap) == [], f"{what}: up again"
    else:  # what PostgreSQL cannot undo is said, never silently left out of the down script
        assert plan.irreversible, f"{what}: the down script cannot undo it, but says nothing"
    _only_decisions(plan, old.design, new.design, what)


# What the advisor's migration rules may say about a generated plan: each is a decision the
# plan names in its step (data loss, a lock no form avoids), never an unsafe form it chose.
DECISIONS = {
    "drop-column": "the new design drops it (marked as data loss)",
    "drop-table-schema-or-database": "the new design drops it (marked as data loss)",
    "drop-fk-constraint": "the new design drops it",
    "drop-not-null": "the new design (or the down script of a SET NOT NULL) allows NULL",
    "set-not-null-scan": "the down script of a DROP NOT NULL (the step says so)",
    "add-rewriting-column": "identity and stored generated columns have no rewrite-free form",
    "unique-index-duplicate-risk": "a unique index is only as safe as the data",
    "add-index-backed-constraint-locking": "an exclusion constraint has no NOT VALID form",
    "detach-partition-non-concurrently": "a bound change detaches and attaches in one "
                                         "transaction (no moment without the partition)",
}


def _only_decisions(plan, old: model.Design, new: model.Design, what: str) -> None:
    checked = check_plan(plan, old, new)
    for f in (*checked.up.findings, *checked.down.findings):
        if f.rule == "non-idempotent-ddl":
            # constraints and indexes the database had are dropped by name without IF EXISTS
            # on purpose: a wrong name must stop the migration (migrate/plan.py)
            assert "DROP CONSTRAINT" in f.message or "DROP INDEX" in f.message, (what, f)
        else:
            assert f.rule in DECISIONS, (what, str(f))


@pytest.mark.parametrize("k", _params("migrate"))
def test_migrates_both_ways_on_a_loaded_database(k: Kind, lab: Lab) -> None:
    with_kind, altered = lab.kind(k)
    lab.at_base()
    _migrate(lab, lab.base, with_kind, f"{k.name}: base -> with")
    if altered is not None:
        _migrate(lab, with_kind, altered, f"{k.name}: with -> altered",
                 reversible=not k.alter_down)
        if k.alter_down:
            with pytest.raises(MigrationError):
                migration_plan(altered.design, with_kind.design)
            back = lab.base
        else:
            back = with_kind
        # the reverse plan, computed from the two designs (not the down script)
        lab.run(migration_plan(altered.design, back.design).up_sql())
        assert diff_snapshots(lab.loaded_snapshot(), back.snap) == [], f"{k.name}: back"
        if back is with_kind:
            lab.run(migration_plan(with_kind.design, lab.base.design).up_sql())
    else:
        lab.run(migration_plan(with_kind.design, lab.base.design).up_sql())
    assert diff_snapshots(lab.loaded_snapshot(), lab.base.snap) == [], f"{k.name}: with -> base"
    assert lab.row_counts() == lab.counts
