"""Hostile inputs for the names the kit derives (issue 15, class 7).

Valid designs whose table and column names are long and multibyte (each within PostgreSQL's
63 *bytes*), or share a long prefix. The kit builds index, constraint and helper names from
them and predicts the names PostgreSQL gives unnamed constraints; cutting by characters made
``export`` crash with a raw ValueError, ``lint`` exit 2, and ``migrate`` drop nothing while
reporting success. Every check runs against the real server: what PostgreSQL stored is
compared with what the kit wrote.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]

# 30 Cyrillic letters (+ underscores): each name is 57-61 bytes, valid for PostgreSQL.
SHOP = "покупатели_интернет_магазина_ц"          # 57 bytes
EMAIL = "электронная_почта_покупателя_x"         # 56 bytes
ORDERS = "заказы_покупателей_интернет_маг"       # 59 bytes
BUYER = "идентификатор_покупателя_заказа"        # 60 bytes
STATUS = "статус_заказа_покупателя_магаз"        # 57 bytes
CJK = "顧客注文明細書類管理台帳記録保存領域表"     # 19 CJK characters, 57 bytes

MULTIBYTE_DESIGN = f"""\
name: multibyte
tables:
  - name: {SHOP}
    columns:
      - {{name: id, type: bigint, identity: always}}
      - {{name: {EMAIL}, type: text, nullable: false}}
    primary_key: [id]
    uniques:
      - {{columns: [{EMAIL}]}}
  - name: {ORDERS}
    columns:
      - {{name: id, type: bigint, identity: always}}
      - {{name: {BUYER}, type: bigint, nullable: false}}
      - {{name: {STATUS}, type: text, nullable: false}}
    primary_key: [id]
    foreign_keys:
      - {{columns: [{BUYER}], references: {{table: {SHOP}, columns: [id]}}}}
    checks:
      - {{expression: "length({STATUS}) > 0"}}
      - {{expression: "{STATUS} <> 'x'"}}
  - name: {CJK}
    columns:
      - {{name: id, type: bigint, identity: always}}
      - {{name: {ORDERS}, type: bigint}}
    primary_key: [id]
    foreign_keys:
      - {{columns: [{ORDERS}], references: {{table: {ORDERS}, columns: [id]}}}}
"""


def pgarch(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PGARCH_HOME": os.environ.get("PGARCH_HOME", str(ROOT / ".pgarch"))}
    return subprocess.run([sys.executable, "-m", "pgarch_kit.cli", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=env, timeout=300)


def _apply(dsn: str, sql: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql)


def _catalog_names(dsn: str) -> dict[str, set[str]]:
    """Constraint and relation names PostgreSQL stored in schema public."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        cons = {r[0] for r in conn.execute(
            "SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace")}
        rels = {r[0] for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace")}
    return {"constraints": cons, "relations": rels}


def _constraints_of(dsn: str, table: str) -> dict[str, str]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return {r[0]: r[1] for r in conn.execute(
            "SELECT conname, contype::text FROM pg_constraint "
            "WHERE conrelid = quote_ident(%s)::regclass", (table,))}


def _quoted_names(text: str) -> set[str]:
    return {m.replace('""', '"') for m in re.findall(r'"((?:[^"]|"")+)"', text)}


# -- attack 1: a valid multibyte design through lint and export, checked on the server ------

def test_multibyte_design_lints_exports_and_names_match_the_server(tmp_path: Path,
                                                                   fresh_db: str) -> None:
    design = tmp_path / "multibyte.yaml"
    design.write_text(MULTIBYTE_DESIGN, encoding="utf-8")

    lint = pgarch("lint", str(design), "--format", "json")
    assert lint.returncode != 2, lint.stderr           # 2 means a usage error / crash
    assert "Traceback" not in lint.stderr and "ValueError" not in lint.stderr, lint.stderr

    out = tmp_path / "out"
    export = pgarch("export", str(design), "-o", str(out), "--no-measure", "--quiet")
    assert export.returncode == 0, export.stderr
    assert "Traceback" not in export.stderr and "ValueError" not in export.stderr

    schema = (out / "schema.sql").read_text(encoding="utf-8")
    _apply(fresh_db, schema)
    stored = _catalog_names(fresh_db)

    # every index/constraint name DESIGN.md says a table has is the name PostgreSQL stored
    doc = (out / "DESIGN.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^- `([^`]+)` — unique", doc, flags=re.M))
    assert listed, "DESIGN.md lists the indexes behind the keys"
    assert listed <= stored["relations"], listed - stored["relations"]

    # every name the advisor's fixes derive fits 63 bytes, and those that name an existing
    # constraint name the one PostgreSQL made
    fixes = [f["fix"] for f in json.loads(lint.stdout)["findings"]]
    derived = {n for f in fixes for n in _quoted_names(f)}
    assert all(len(n.encode()) <= 63 for n in derived), derived
    for fix in fixes:
        m = re.search(r'DROP CONSTRAINT "([^"]+)"', fix)
        if m:
            assert m.group(1) in stored["constraints"], (m.group(1), stored["constraints"])

    # the fix for the unindexed foreign keys runs, and the index is stored under the exact
    # name the kit wrote (no silent truncation, no clash between the two tables)
    creates = [f.split(";")[0] + ";" for f in fixes if f.startswith("CREATE INDEX")]
    assert len(creates) == 2, fixes
    for stmt in creates:
        _apply(fresh_db, stmt)
    made = _catalog_names(fresh_db)["relations"] - stored["relations"]
    written = {re.search(r'INDEX CONCURRENTLY "([^"]+)"', s).group(1) for s in creates}
    assert made == written and len(made) == 2


# -- attack 2: migrate drops PostgreSQL-named constraints of a long multibyte table -------

OLD = MULTIBYTE_DESIGN.replace("name: multibyte", "name: shop_v1")
NEW = (MULTIBYTE_DESIGN.replace("name: multibyte", "name: shop_v2")
       .replace(f'    checks:\n      - {{expression: "length({STATUS}) > 0"}}\n'
                f"      - {{expression: \"{STATUS} <> 'x'\"}}\n", "")
       .replace(f"    uniques:\n      - {{columns: [{EMAIL}]}}\n", "")
       .replace(f"    foreign_keys:\n      - {{columns: [{BUYER}], references: "
                f"{{table: {SHOP}, columns: [id]}}}}\n", ""))


# The same shape with long ASCII names: the character cut fits 63 bytes here, so the old
# code did not crash but dropped a name PostgreSQL never gave (IF EXISTS: silent success).
ASCII = {SHOP: "customers_of_the_online_storefront_region_emea",
         EMAIL: "primary_contact_email_address_for_notifications",
         ORDERS: "orders_placed_through_the_web_storefront_emea",
         BUYER: "identifier_of_the_customer_who_placed_the_order",
         STATUS: "fulfilment_status_reported_by_the_warehouse",
         CJK: "order_line_details_archive_register_storage_area"}


def _variant(text: str, kind: str) -> str:
    if kind == "ascii":
        for mb, plain in ASCII.items():
            text = text.replace(mb, plain)
    return text


def _db_name(dsn: str) -> str:
    with psycopg.connect(dsn) as conn:
        return conn.info.dbname


@pytest.mark.parametrize("kind", ["multibyte", "ascii"])
def test_migrate_really_drops_unnamed_constraints_of_a_long_named_table(
        tmp_path: Path, fresh_db: str, kind: str) -> None:
    assert NEW.count("checks:") == 0 and NEW.count("uniques:") == 0
    old, new = tmp_path / "v1.yaml", tmp_path / "v2.yaml"
    old.write_text(_variant(OLD, kind), encoding="utf-8")
    new.write_text(_variant(NEW, kind), encoding="utf-8")
    orders, shop = _variant(ORDERS, kind), _variant(SHOP, kind)
    ddl = pgarch("ddl", str(old))
    assert ddl.returncode == 0, ddl.stderr
    _apply(fresh_db, ddl.stdout)
    before_orders, before_shop = _constraints_of(fresh_db, orders), _constraints_of(fresh_db, shop)
    assert sorted(before_orders.values()).count("c") == 2 and "u" in before_shop.values()

    r = pgarch("migrate", str(old), str(new), "--apply", _db_name(fresh_db), "--dsn", fresh_db)
    assert r.returncode == 0, r.stderr
    after_orders, after_shop = _constraints_of(fresh_db, orders), _constraints_of(fresh_db, shop)
    # the two checks and the foreign key are gone, the unique constraint too; the rest stays
    assert sorted(after_orders.values()) == ["n", "n", "n", "p"], after_orders
    assert sorted(after_shop.values()) == ["n", "n", "p"], after_shop
    assert {k for k, v in before_orders.items() if v in "pn"} == set(after_orders)


def test_migrate_fails_loudly_when_the_database_names_it_differently(tmp_path: Path,
                                                                     fresh_db: str) -> None:
    """The check exists under a name no rule predicts (renamed by a DBA): dropping the guess
    with IF EXISTS would report success and leave the check. It must stop, name the
    constraint and the fix, and change nothing."""
    old, new = tmp_path / "v1.yaml", tmp_path / "v2.yaml"
    old.write_text(OLD, encoding="utf-8")
    new.write_text(NEW, encoding="utf-8")
    ddl = pgarch("ddl", str(old))
    assert ddl.returncode == 0, ddl.stderr
    _apply(fresh_db, ddl.stdout)
    first = next(k for k, v in _constraints_of(fresh_db, ORDERS).items() if v == "c")
    _apply(fresh_db, f'ALTER TABLE "{ORDERS}" RENAME CONSTRAINT "{first}" TO "статус_проверка"')
    before = {t: _constraints_of(fresh_db, t) for t in (ORDERS, SHOP)}

    r = pgarch("migrate", str(old), str(new), "--apply", _db_name(fresh_db), "--dsn", fresh_db)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    assert ORDERS in r.stderr and "статус_проверка" in r.stderr and "name:" in r.stderr
    assert {t: _constraints_of(fresh_db, t) for t in (ORDERS, SHOP)} == before

    # the scripts written without a database at hand drop by name without IF EXISTS: run on
    # that database, the up script stops at the first constraint it cannot find
    out = tmp_path / "mig"
    w = pgarch("migrate", str(old), str(new), "-o", str(out))
    assert w.returncode == 0, w.stderr
    up = (out / "up.sql").read_text(encoding="utf-8")
    assert "DROP CONSTRAINT IF EXISTS" not in up
    from pgarch_kit.db.run_script import run_script
    from pgarch_kit.errors import SqlApplyError
    with pytest.raises(SqlApplyError, match="does not exist") as err:
        run_script(_db_name(fresh_db), up, dsn=fresh_db)
    assert ORDERS in err.value.statement and "DROP CONSTRAINT" in err.value.statement
    # steps before the failing one stay applied (run_script says so); the failing step and
    # everything after it did not run: the orders table keeps all its constraints
    assert _constraints_of(fresh_db, ORDERS) == before[ORDERS]


# -- attack 3: names that share a long prefix stay distinct after cutting ------------------

def test_names_sharing_a_long_prefix_stay_distinct_on_the_server(tmp_path: Path,
                                                                 fresh_db: str) -> None:
    table = "customer_order_line_items_archive_by_region"          # 43 bytes
    a, b = "referenced_fulfilment_center_identifier_a", "referenced_fulfilment_center_identifier_b"
    mb_a, mb_b = "ссылка_на_центр_исполнения_заказ_а", "ссылка_на_центр_исполнения_заказ_б"  # 63 B
    design = tmp_path / "prefix.yaml"
    design.write_text(f"""\
name: prefix
tables:
  - name: centers
    columns:
      - {{name: id, type: bigint, identity: always}}
    primary_key: [id]
  - name: {table}
    columns:
      - {{name: id, type: bigint, identity: always}}
      - {{name: {a}, type: bigint, nullable: false}}
      - {{name: {b}, type: bigint, nullable: false}}
      - {{name: {mb_a}, type: bigint, nullable: false}}
      - {{name: {mb_b}, type: bigint, nullable: false}}
    primary_key: [id]
    foreign_keys:
      - {{columns: [{a}], references: {{table: centers, columns: [id]}}}}
      - {{columns: [{b}], references: {{table: centers, columns: [id]}}}}
      - {{columns: [{mb_a}], references: {{table: centers, columns: [id]}}}}
      - {{columns: [{mb_b}], references: {{table: centers, columns: [id]}}}}
""", encoding="utf-8")
    lint = pgarch("lint", str(design), "--select", "fk-without-index", "--format", "json")
    assert lint.returncode != 2 and "Traceback" not in lint.stderr, lint.stderr
    creates = [f["fix"] for f in json.loads(lint.stdout)["findings"]
               if f["fix"].startswith("CREATE INDEX")]
    assert len(creates) == 4, lint.stdout
    names = [re.search(r'INDEX CONCURRENTLY "?([^" ]+)"? ON', s).group(1) for s in creates]
    assert len(set(names)) == 4, names
    assert all(len(n.encode()) <= 63 for n in names), names

    ddl = pgarch("ddl", str(design))
    assert ddl.returncode == 0, ddl.stderr
    _apply(fresh_db, ddl.stdout)
    before = _catalog_names(fresh_db)["relations"]
    for stmt in creates:
        _apply(fresh_db, stmt.split(";")[0] + ";")
    assert _catalog_names(fresh_db)["relations"] - before == set(names)


# -- attack 4: the kit's prediction of PostgreSQL's own names, against the server ----------

def test_predicted_constraint_names_equal_what_postgres_stores(fresh_db: str) -> None:
    from pgarch_kit.model import Check, Column, ForeignKey, PrimaryKey, Table, Unique
    from pgarch_kit.model.default_names import constraint_names

    emoji = "📦" * 15                                           # 60 bytes
    t = Table(emoji, (Column("id", "bigint", nullable=False), Column(SHOP, "bigint"),
                      Column(EMAIL, "text", nullable=False), Column("a", "int"),
                      Column("b", "int")),
              primary_key=PrimaryKey(("id",)),
              uniques=(Unique((EMAIL,)), Unique(("a", "b", EMAIL))),
              checks=(Check(f'length("{EMAIL}") > 0'), Check(f'"{EMAIL}" <> \'x\''),
                      Check("a < b"), Check("a > 0")),
              foreign_keys=(ForeignKey((SHOP,), SHOP, ("id",)),))
    from pgarch_kit.ddl.render_table import create_table_sql
    _apply(fresh_db, f'CREATE TABLE "{SHOP}" (id bigint PRIMARY KEY);\n'
                     + create_table_sql(t, 180000, t.foreign_keys))
    names = constraint_names(t)
    stored = set(_constraints_of(fresh_db, emoji))
    predicted = {names.primary_key, *names.uniques, *names.checks, *names.foreign_keys}
    assert predicted <= stored, (predicted - stored, stored)
    assert len(predicted) == 8 and all(len(n.encode()) <= 63 for n in predicted)


# -- attack 5: the advisor's suggested renames for non-ASCII names must not collide --------

def test_suggested_renames_of_non_ascii_tables_are_distinct_and_run(tmp_path: Path,
                                                                    fresh_db: str) -> None:
    """Every Cyrillic name folded to ASCII used to become ``unnamed``: the advisor proposed
    renaming both tables to one name, and the second rename fails on the server."""
    design = tmp_path / "cyrillic.yaml"
    design.write_text("""\
name: cyrillic
tables:
  - name: заказы
    columns:
      - {name: id, type: bigint, identity: always}
    primary_key: [id]
  - name: клиенты
    columns:
      - {name: id, type: bigint, identity: always}
    primary_key: [id]
""", encoding="utf-8")
    lint = pgarch("lint", str(design), "--select", "identifier-needs-quoting", "--format",
                  "json")
    assert lint.returncode != 2 and "Traceback" not in lint.stderr, lint.stderr
    assert "reserved word" not in lint.stdout      # a Cyrillic name is not a keyword
    renames = [f["fix"] for f in json.loads(lint.stdout)["findings"]
               if f["fix"].startswith("ALTER TABLE")]
    assert len(renames) == 2, lint.stdout
    targets = [r.rsplit(" TO ", 1)[1].rstrip(";") for r in renames]
    assert len(set(targets)) == 2, targets

    ddl = pgarch("ddl", str(design))
    assert ddl.returncode == 0, ddl.stderr
    _apply(fresh_db, ddl.stdout)
    for stmt in renames:
        _apply(fresh_db, stmt)
    stored = _catalog_names(fresh_db)["relations"]
    assert set(targets) <= stored and not {"заказы", "клиенты"} & stored


# -- the builder itself: bytes, whole characters, deterministic, collision-free ----------

def test_derived_names_fit_63_bytes_keep_characters_whole_and_stay_distinct() -> None:
    from pgarch_kit.model.names import derive_name
    stems = ["表" * 21, "📦" * 15, "é" * 31, "x" * 63, SHOP, ORDERS]
    made = {}
    for stem in stems:
        for tail in ("a", "b", "аа", "аб", "1", "2"):
            for suffix in ("idx", "fkey", "check", ""):
                name = derive_name(stem, f"{EMAIL}_{tail}", suffix=suffix)
                assert len(name.encode("utf-8")) <= 63, name
                assert name == derive_name(stem, f"{EMAIL}_{tail}", suffix=suffix)
                assert "\ufffd" not in name and name.encode("utf-8").decode("utf-8") == name
                assert not suffix or name.endswith(f"_{suffix}")
                made.setdefault(name, set()).add((stem, tail, suffix))
    assert all(len(v) == 1 for v in made.values()), [v for v in made.values() if len(v) > 1]
