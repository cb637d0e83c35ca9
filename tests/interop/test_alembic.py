"""Alembic revisions: written by the kit, run by Alembic's own command API on a real server.

A temporary Alembic environment (alembic.ini, env.py, versions/) points at a fresh sandbox;
two revisions hold transactional steps, a ``CREATE INDEX CONCURRENTLY`` step that must run
outside a transaction, and SQL whose string literals contain ``:name`` and ``%`` (which
``text()`` and the driver would otherwise rewrite). ``upgrade head`` must create exactly those
objects and rows, ``downgrade base`` must give back the original catalog.
"""
from __future__ import annotations

import ast
import io
from pathlib import Path

import psycopg
import pytest

from pgarch_kit.db.catalog import catalog_snapshot, diff_snapshots
from pgarch_kit.db.connect import sqlalchemy_url
from pgarch_kit.errors import PgArchError
from pgarch_kit.interop import AlembicRevisionError, alembic_revision

ENV_PY = '''\
from alembic import context
from sqlalchemy import create_engine, pool

config = context.config
url = config.attributes["url"]  # a URL object: a socket path in an .ini would need escaping

if context.is_offline_mode():
    context.configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"},
                      transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, transaction_per_migration=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
'''

NOTES = """CREATE TABLE notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    body text NOT NULL DEFAULT 'at :colon, 100%',
    tag text
);
INSERT INTO notes (body, tag) VALUES ('meet at 10:30 :when', '50% off'), ('%(name)s', ':tag');
COMMENT ON TABLE notes IS 'colon :x and percent %s'"""

UP_1 = [(NOTES, True)]
DOWN_1 = [("DROP TABLE notes", True)]
UP_2 = [
    ("CREATE TABLE tags (name text PRIMARY KEY CHECK (name <> ':none' AND name NOT LIKE '%:zz%'))",
     True),
    ("CREATE INDEX CONCURRENTLY notes_tag ON notes (tag) WHERE body LIKE '%:when%';\n"
     "CREATE INDEX CONCURRENTLY notes_body ON notes USING hash (body)", False),
    ("INSERT INTO tags VALUES (':a'), ('b%')", True),
]
DOWN_2 = [("DROP INDEX CONCURRENTLY notes_body; DROP INDEX CONCURRENTLY notes_tag", False),
          ("DROP TABLE tags", True)]


def _env(tmp_path: Path, dsn: str):
    from alembic.config import Config
    root = tmp_path / "migrations"
    (root / "versions").mkdir(parents=True)
    (root / "env.py").write_text(ENV_PY, encoding="utf-8")
    ini = tmp_path / "alembic.ini"
    ini.write_text(f"[alembic]\nscript_location = {root}\n", encoding="utf-8")
    cfg = Config(str(ini), output_buffer=io.StringIO())
    cfg.attributes["url"] = sqlalchemy_url(dsn=dsn)
    (root / "versions" / "0001_notes.py").write_text(
        alembic_revision(UP_1, DOWN_1, message="notes with :colons and 100%",
                         revision="0001_notes"), encoding="utf-8")
    (root / "versions" / "0002_tags.py").write_text(
        alembic_revision(UP_2, DOWN_2, message="tags, and notes indexed concurrently",
                         revision="0002_tags", down_revision="0001_notes"), encoding="utf-8")
    return cfg


def _snapshot(dsn: str) -> dict[str, list[tuple]]:
    """The catalog without Alembic's own bookkeeping table (it stays after downgrade base)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        snap = catalog_snapshot(conn)
    return {k: [r for r in rows if "alembic_version" not in str(r[0])]
            for k, rows in snap.items()}


def test_upgrade_and_downgrade_on_a_real_server(fresh_db: str, tmp_path: Path) -> None:
    from alembic import command
    cfg = _env(tmp_path, fresh_db)
    before = _snapshot(fresh_db)
    command.upgrade(cfg, "head")
    after = _snapshot(fresh_db)
    added = diff_snapshots(before, after)
    assert "tables: only in b: public.notes" in added
    assert "tables: only in b: public.tags" in added
    indexes = {r[1]: r[2] for r in after["indexes"]}
    assert indexes["notes_tag"].endswith("WHERE (body ~~ '%:when%'::text)")
    assert "USING hash (body)" in indexes["notes_body"]
    cols = {(r[0], r[1]): r for r in after["columns"]}
    assert cols[("public.notes", "body")][5] == "'at :colon, 100%'::text"
    checks = [r[3] for r in after["constraints"] if r[0] == "public.tags" and r[2] == "c"]
    assert checks == ["CHECK (((name <> ':none'::text) AND (name !~~ '%:zz%'::text)))"]
    assert ("table public.notes", "colon :x and percent %s") in after["comments"]
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        rows = conn.execute("SELECT body, tag FROM notes ORDER BY id").fetchall()
        tags = [r[0] for r in conn.execute("SELECT name FROM tags ORDER BY 1")]
        valid = conn.execute("SELECT bool_and(indisvalid) FROM pg_index "
                             "WHERE indrelid = 'notes'::regclass").fetchone()[0]
        version = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    assert rows == [("meet at 10:30 :when", "50% off"), ("%(name)s", ":tag")]
    assert tags == [":a", "b%"]
    assert valid is True  # CONCURRENTLY completed (a failed one leaves an invalid index)
    assert version == "0002_tags"

    command.downgrade(cfg, "base")
    assert diff_snapshots(before, _snapshot(fresh_db)) == []


def test_offline_sql_is_the_statements_as_written(fresh_db: str, tmp_path: Path) -> None:
    """``alembic upgrade --sql``: the script holds each statement verbatim, and a COMMIT
    before the concurrent index builds."""
    from alembic import command
    cfg = _env(tmp_path, fresh_db)
    command.upgrade(cfg, "head", sql=True)
    script = cfg.output_buffer.getvalue()
    for sql, _ in [*UP_1, *UP_2]:
        import pglast
        for stmt in pglast.split(sql):
            assert stmt + ";" in script, stmt
    cic = script.index("CREATE INDEX CONCURRENTLY notes_tag")
    assert "COMMIT;" in script[script.index("CREATE TABLE tags"):cic]


def test_revision_text_runs_each_statement_verbatim() -> None:
    text = alembic_revision(UP_2, DOWN_2, message="x", revision="abc123",
                            down_revision=("r1", "r2"))
    tree = ast.parse(text)
    ns: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            ns[node.target.id] = ast.literal_eval(node.value)
    assert ns["revision"] == "abc123" and ns["down_revision"] == ("r1", "r2")
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    calls = sorted((c for c in ast.walk(funcs["upgrade"])
                    if isinstance(c, ast.Call) and getattr(c.func, "id", "") == "_run"),
                   key=lambda c: c.lineno)
    sent = [ast.literal_eval(c.args[0]) for c in calls]
    import pglast
    assert sent == [s for sql, _ in UP_2 for s in pglast.split(sql)]
    assert text.count("autocommit_block()") == 2  # one per non-transactional step
    assert "exec_driver_sql" in text and "no_parameters" in text
    # op.execute() would read :name as a bind parameter
    assert not any(isinstance(c, ast.Call) and ast.unparse(c.func) == "op.execute"
                   for c in ast.walk(tree))


def test_empty_down_makes_a_downgrade_that_refuses() -> None:
    text = alembic_revision(UP_1, [], message="one way", revision="r1")
    compile(text, "r1.py", "exec")
    assert "raise RuntimeError(" in text.split("def downgrade()", 1)[1]


@pytest.mark.parametrize(("kwargs", "where", "fix"), [
    ({"up": []}, "up: no upgrade steps", "pass at least one step"),
    ({"up": [("CREATE INDEX CONCURRENTLY i ON t (a)", True)]},
     "CREATE INDEX CONCURRENTLY cannot run inside a transaction block", "transactional=False"),
    ({"up": [("VACUUM notes", True)]}, "VACUUM cannot run inside", "transactional=False"),
    ({"up": [("CREATE TABLE t (", True)]}, "up[0]: PostgreSQL cannot parse", "correct"),
    ({"up": [("BEGIN; CREATE TABLE t (a int); COMMIT", True)]}, "BEGIN/COMMIT", "remove it"),
    ({"up": ["CREATE TABLE t (a int)"]}, "(sql: str, transactional: bool)", "write ("),
    ({"up": [("  -- nothing\n", True)]}, "holds no SQL statement", "remove the step"),
    ({"revision": "head"}, "revision: 'head' is not a usable revision id", "uuid"),
    ({"revision": "a-b"}, "'a-b' is not a usable revision id", "uuid"),
    ({"down_revision": "r1", "revision": "r1"}, "cannot follow itself", "use the id"),
    ({"down": [("DROP INDEX CONCURRENTLY i", True)]}, "down[0] statement 1", "transactional"),
])
def test_bad_input_names_the_problem_and_the_fix(kwargs: dict, where: str, fix: str) -> None:
    args = {"up": UP_1, "down": DOWN_1, "message": "m", "revision": "r1", **kwargs}
    with pytest.raises(AlembicRevisionError) as info:
        alembic_revision(args.pop("up"), args.pop("down"), **args)
    assert isinstance(info.value, PgArchError)
    text = str(info.value)
    assert where in text and fix in text, text


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(AlembicRevisionError) as info:
        alembic_revision([], [("DROP INDEX CONCURRENTLY i", True)], message="m",
                         revision="base")
    assert [p.path for p in info.value.problems] == ["revision", "down[0] statement 1", "up"]
