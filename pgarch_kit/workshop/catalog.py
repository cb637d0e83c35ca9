"""The course's exercises, one to two per notebook, with their starting designs and checks.

Starting states come from the sample designs, so every exercise begins from something a
learner has already seen; each check says what is right, what is missing and a hint that
names the kit call that gets there (the solutions are in ``notebooks/solutions/``).
"""
from __future__ import annotations

from dataclasses import replace
from functools import cache
from pathlib import Path

from pgarch_kit.errors import PgArchError
from pgarch_kit.lint import lint
from pgarch_kit.model import Design, edit
from pgarch_kit.model.design import Column, Table
from pgarch_kit.model.serde import load_design

from .exercise import CheckResult, Exercise
from .server_checks import loaded_scratch, server_plan

__all__ = ["EXERCISES", "exercise", "exercises"]

DESIGNS = Path(__file__).resolve().parents[2] / "data" / "designs"


@cache
def _sample(name: str) -> Design:
    return load_design(DESIGNS / f"{name}.yaml")


def _rules(design: Design, *rules: str, table: str | None = None) -> list:
    found = lint(design, select=list(rules), ignore=[]).findings
    return [f for f in found if table is None or f.table == table]


def _fks(t: Table, parent: str) -> list:
    return [fk for fk in t.foreign_keys if fk.ref_table == parent]


# --- 01.1 one order, many items ------------------------------------------------------------

def _start_01() -> Design:
    d = Design(name="first_shop")
    d = edit.add_table(d, "customers")
    d = edit.add_column(d, "customers", Column("email", "text", False))
    d = edit.add_table(d, "orders")
    d = edit.add_relationship(d, "orders", "customers", on_delete="RESTRICT")
    return edit.add_column(d, "orders", Column("placed_at", "timestamptz", False, "now()"))


def _check_01(d: Design, r: CheckResult) -> None:
    items = [t for t in d.tables if _fks(t, "orders")]
    if not r.expect(bool(items), "a table references orders (an order can have many of them)",
                    "no table has a foreign key to orders yet"):
        return
    t = items[0]
    fk = _fks(t, "orders")[0]
    r.expect(t.primary_key is not None, f"{t.name} has a primary key",
             f"{t.name} has no primary key")
    r.expect(fk.on_delete in ("CASCADE", "RESTRICT"),
             f"deleting an order says what happens to its {t.name} ({fk.on_delete})",
             "the foreign key leaves ON DELETE at the default: say CASCADE (items go with "
             "their order) or RESTRICT")
    r.expect(not _rules(d, "fk-without-index", table=t.name),
             f"{t.name}.{fk.columns[0]} is indexed (finding an order's items is a lookup)",
             f"{t.name}.{fk.columns[0]} has no index: listing an order's items scans "
             f"{t.name}")
    qty = t.column("quantity")
    if r.expect(qty is not None and qty.type in ("integer", "int", "int4", "smallint",
                                                 "bigint"),
                f"{t.name}.quantity is a whole number",
                f"{t.name} needs a quantity column of an integer type"):
        r.expect(any("quantity" in c.expression and ">" in c.expression for c in t.checks),
                 "a CHECK keeps quantity positive", "no CHECK keeps quantity above zero")


# --- 02.1 many-to-many ------------------------------------------------------------------

def _start_02() -> Design:
    d = replace(_sample("ecommerce"), name="shop_tags")
    return edit.add_column(edit.add_table(d, "tags"), "tags", Column("name", "text", False))


def _check_02(d: Design, r: CheckResult) -> None:
    joins = [t for t in d.tables if _fks(t, "products") and _fks(t, "tags")]
    if not r.expect(bool(joins), "a join table references both products and tags",
                    "no table links products and tags (a product has many tags, a tag many "
                    "products)"):
        return
    j = joins[0]
    cols = {*_fks(j, "products")[0].columns, *_fks(j, "tags")[0].columns}
    r.expect(j.primary_key is not None and set(j.primary_key.columns) == cols,
             f"{j.name}'s primary key is the pair ({', '.join(sorted(cols))}): a tag is "
             f"attached to a product once",
             f"{j.name} should be keyed by the pair of foreign keys, so a product cannot get "
             f"the same tag twice")
    r.expect(not _rules(d, "fk-without-index", table=j.name),
             "both directions are indexed (products of a tag, tags of a product)",
             f"one foreign key of {j.name} is not the leading column of any index")


# --- 03.1 make this query use an index ------------------------------------------------------

_CITY_SQL = "SELECT id, line1 FROM addresses WHERE city = :city"


def _start_03_1() -> Design:
    d = replace(_sample("ecommerce"), name="shop_index")
    return edit.add_query(d, "addresses_in_city", _CITY_SQL, per_second=50)


def _check_03_1(d: Design, r: CheckResult) -> None:
    r.expect(not _rules(d, "query-pattern-without-index"),
             "the advisor finds an index for every query pattern",
             "the advisor still finds a query pattern without an index")
    dsn = loaded_scratch(d, "03.1", r)
    if dsn is None:
        return
    import psycopg
    with psycopg.connect(dsn) as conn:
        city = conn.execute("SELECT city FROM addresses LIMIT 1").fetchone()[0]
    used = server_plan(dsn, _CITY_SQL.replace(":city", "%s"), params=(city,)).indexes
    r.expect(bool(used), f"PostgreSQL answers addresses_in_city through index {used[0]}"
             if used else "", "PostgreSQL still reads every row of addresses: no index can "
                              "serve WHERE city = …")


# --- 03.2 precise types -----------------------------------------------------------------

def _start_03_2() -> Design:
    d = Design(name="billing")
    d = edit.add_table(d, "invoices")
    for c in (Column("amount", "double precision", False), Column("issued_at", "timestamp",
                                                                  False, "now()"),
              Column("currency", "text", False, "'EUR'")):
        d = edit.add_column(d, "invoices", c)
    return d


def _check_03_2(d: Design, r: CheckResult) -> None:
    t = d.table("invoices")
    if not r.expect(t is not None, "invoices is there", "the invoices table is gone"):
        return
    r.expect(not _rules(d, "float-for-money", table="invoices"),
             "amount is exact (numeric), so cents add up",
             "amount is a float: 0.1 + 0.2 is not 0.3 in binary floating point")
    r.expect(not _rules(d, "timestamp-without-tz", table="invoices"),
             "issued_at is an instant (timestamptz)",
             "issued_at is a timestamp without time zone: the same value means different "
             "instants in different zones")
    amount = t.column("amount") if t else None
    r.expect(amount is not None and amount.type.startswith("numeric("),
             "amount states its precision and scale", "give amount a precision and scale, "
                                                      "e.g. numeric(12,2)")


# --- 04.1 skewed data -------------------------------------------------------------------

def _start_04() -> Design:
    return replace(_sample("ecommerce"), name="shop_skew")


def _check_04(d: Design, r: CheckResult) -> None:
    dsn = loaded_scratch(d, "04.1", r, scale=0.01)
    if dsn is None:
        return
    import psycopg
    with psycopg.connect(dsn) as conn:
        share = conn.execute(
            "WITH per AS (SELECT customer_id, count(*) AS n FROM orders GROUP BY 1), "
            "ranked AS (SELECT n, ntile(10) OVER (ORDER BY n DESC) AS decile FROM per) "
            "SELECT sum(n) FILTER (WHERE decile = 1)::float / sum(n) FROM ranked").fetchone()[0]
    r.expect(share >= 0.35, f"the busiest 10% of customers place {share:.0%} of the orders, "
                            f"as in a real shop",
             f"the busiest 10% of customers place only {share:.0%} of the orders: every "
             f"customer orders about as often as any other")


# --- 05.1 ORDER BY … LIMIT without a sort -----------------------------------------------------

_LATEST_SQL = "SELECT id, amount FROM payments ORDER BY created_at DESC LIMIT 20"


def _start_05() -> Design:
    d = replace(_sample("ecommerce"), name="shop_latest")
    return edit.add_query(d, "latest_payments", _LATEST_SQL, per_second=20, critical=True)


def _check_05(d: Design, r: CheckResult) -> None:
    dsn = loaded_scratch(d, "05.1", r)
    if dsn is None:
        return
    plan = server_plan(dsn, _LATEST_SQL, avoid=("seqscan", "sort"))
    sorts = [t for t in plan.node_types if t in ("Sort", "Incremental Sort")]
    index = plan.indexes[0] if plan.indexes else None
    r.expect(not sorts and index is not None,
             f"the newest payments come straight off index {index}, already in order",
             "the plan still sorts every payment to find the newest 20: no index delivers "
             "created_at in order")


# --- 06.1 isolate tenants with RLS ---------------------------------------------------------

def _start_06() -> Design:
    d = _sample("saas")
    tables = tuple(replace(t, rls_enabled=False, rls_forced=False, policies=())
                   for t in d.tables)
    return replace(d, name="saas_tenants", tables=tables)


def _check_06(d: Design, r: CheckResult) -> None:
    from pgarch_kit.bench.tenancy import isolation_matrix
    from pgarch_kit.scale.tenancy import TenancyPlan, tenant_key
    keys = {t.name: k for t in d.tables if t.partition_of is None
            and (k := tenant_key(t)) and t.column(k) is not None}
    if not r.expect(bool(keys), f"tenant keys on {', '.join(keys)}",
                    "no table says which tenant owns its rows (intent tenant_key)"):
        return
    bare = [n for n in keys if not (d.table(n).rls_enabled and d.table(n).policies)]
    r.expect(not bare, "every tenant table has row-level security with a policy",
             f"no row-level security yet on: {', '.join(bare)}")
    if bare:
        return
    try:
        matrix = isolation_matrix(TenancyPlan(d, d.roles[0] if d.roles else "app_user",
                                              "app.tenant_id", keys), scale=0.01)
    except (PgArchError, ValueError) as exc:
        r.lack(f"the isolation check could not run: {exc}")
        return
    r.expect(matrix.ok, "as the application role, tenant A cannot see, change, delete or "
                        "create tenant B's rows (checked on the server)",
             "a tenant can still reach another tenant's rows: " + "; ".join(
                 matrix.failures()[:3]))


# --- 07.1 at most one pending order per customer ------------------------------------------------

def _start_07() -> Design:
    return replace(_sample("ecommerce"), name="shop_pending")


def _check_07(d: Design, r: CheckResult) -> None:
    dsn = loaded_scratch(d, "07.1", r, scale=0.002)
    if dsn is None:
        return
    import psycopg
    with psycopg.connect(dsn, autocommit=True) as conn:
        cid = conn.execute("SELECT customer_id FROM orders GROUP BY 1 ORDER BY count(*) DESC "
                           "LIMIT 1").fetchone()[0]

        def refused_by(status: str) -> str:
            try:
                conn.execute("INSERT INTO orders (customer_id, status) VALUES (%s, %s)",
                             (cid, status))
                return ""
            except psycopg.errors.IntegrityError as exc:
                return exc.diag.constraint_name or exc.sqlstate or "a constraint"
        conn.execute("UPDATE orders SET status = 'paid' WHERE customer_id = %s "
                     "AND status = 'pending'", (cid,))
        first, second, paid = refused_by("pending"), refused_by("pending"), refused_by("paid")
    if first:
        r.lack(f"a customer who already has orders could not place a pending one (refused by "
               f"{first}): the rule is about pending orders only")
        return
    r.expect(bool(second), f"a second pending order for the same customer is refused by "
                           f"{second}, whatever the isolation level",
             "PostgreSQL accepted a second pending order for the same customer")
    r.expect(not paid, "other statuses are not limited (a paid order went in beside the "
                       "pending one)",
             f"a paid order was refused too (by {paid}): the rule is about pending orders "
             f"only — a customer has many orders")


# --- 08.1 add a required column safely ---------------------------------------------------------

def _start_08() -> Design:
    return replace(_sample("ecommerce"), name="shop_v2")


def _check_08(d: Design, r: CheckResult) -> None:
    from pgarch_kit.db.run_script import run_script
    from pgarch_kit.migrate import MigrationError, check_plan, migration_plan
    old = _start_08()
    orders = d.table("orders")
    channel = orders.column("channel") if orders else None
    if not r.expect(channel is not None and not channel.nullable,
                    "orders.channel is there and required (NOT NULL)",
                    "add a required column orders.channel (text, NOT NULL)"):
        return
    try:
        plan = migration_plan(old, d)
    except MigrationError as exc:
        r.lack(f"the migration is refused: {exc}")
        return
    r.ok("the migration from v1 can be planned")
    found = [f for f in check_plan(plan, old, d).up.findings if f.table == "orders"]
    r.expect(not found, "the migration rules find nothing unsafe on orders",
             "the migration rules object: " + "; ".join(f.message for f in found[:2]))
    dsn = loaded_scratch(old, "08.1", r, scale=0.002)
    if dsn is None:
        return
    from psycopg.conninfo import conninfo_to_dict
    try:
        run_script(conninfo_to_dict(dsn)["dbname"], plan.up_sql())
    except PgArchError as exc:
        r.lack(f"the up script failed on a loaded v1 database: {exc}")
        return
    r.ok("the up script ran on a loaded v1 database: existing orders got a channel")


EXERCISES: dict[str, Exercise] = {e.id: e for e in (
    Exercise("01.1", "One order, many items",
             "Add an order_items table so that an order can have many items: each item "
             "belongs to one order, has a quantity that must be positive, and deleting an "
             "order says what happens to its items.",
             "pk.edit.add_relationship(mine, 'order_items', 'orders', on_delete='CASCADE') "
             "after pk.edit.add_table; then add_column quantity integer NOT NULL and "
             "add_check 'quantity > 0'", _start_01, _check_01, minutes=5),
    Exercise("02.1", "Products and tags",
             "A product can carry many tags and a tag many products. Add the table that links "
             "them, keyed so that a product cannot get the same tag twice.",
             "pk.edit.add_relationship(mine, 'products', 'tags', kind='N:M')",
             _start_02, _check_02, minutes=5),
    Exercise("03.1", "Make this query use an index",
             "The new pattern addresses_in_city (WHERE city = :city) reads every address. Add "
             "the index that lets PostgreSQL answer it without a full scan.",
             "pk.edit.add_index(mine, 'addresses', pk.edit.Index('', (pk.edit.IndexKey("
             "'city'),)))", _start_03_1, _check_03_1, minutes=5, server=True),
    Exercise("03.2", "Precise types",
             "invoices stores money as a float and times without a time zone. Give every "
             "column the type that says exactly what it holds.",
             "pk.edit.update_column(mine, 'invoices', 'amount', type='numeric(12,2)') and "
             "type='timestamptz' for issued_at", _start_03_2, _check_03_2, minutes=5),
    Exercise("04.1", "Realistic skew",
             "In a real shop a few customers place most orders. Change the design's data "
             "spec so that orders are drawn Zipf-like per customer, not uniformly.",
             "replace(mine, generate=replace(mine.generate, fanout=(('orders.customer_id', "
             "'zipf 1.2'),))) — from dataclasses import replace", _start_04, _check_04,
             minutes=5, server=True),
    Exercise("05.1", "Newest first, without sorting",
             "latest_payments (ORDER BY created_at DESC LIMIT 20) sorts every payment to "
             "return 20. Add the index that hands PostgreSQL the newest rows in order.",
             "an index on payments (created_at) — DESC is optional: a B-tree reads both ways",
             _start_05, _check_05, minutes=5, server=True),
    Exercise("06.1", "Isolate tenants",
             "This copy of the saas design has lost its row-level security. Give every "
             "tenant table RLS with a policy on tenant_id, so one tenant can never reach "
             "another's rows.",
             "pk.tenancy_plan(mine).design returns the design with the policies; or "
             "replace each table with rls_enabled=True and a Policy using "
             "tenant_id = current_setting('app.tenant_id')::uuid", _start_06, _check_06,
             minutes=10, server=True),
    Exercise("07.1", "One pending order per customer",
             "Two clicks must not create two pending orders for the same customer, even "
             "when they arrive at the same instant. Make the database refuse the second.",
             "a partial unique index: Index('orders_one_pending', (IndexKey('customer_id'),), "
             "unique=True, where=\"status = 'pending'\")", _start_07, _check_07, minutes=5,
             server=True),
    Exercise("08.1", "A required column, safely",
             "Version 2 needs orders.channel (text, required). Change the design so the "
             "migration from version 1 is safe on a table full of orders.",
             "a NOT NULL column needs a value for existing rows: Column('channel', 'text', "
             "False, \"'web'\") — a constant default is a catalog-only change",
             _start_08, _check_08, minutes=5, server=True),
)}


def exercise(id: str) -> Exercise:
    """The exercise ``id`` ("03.1")."""
    try:
        return EXERCISES[id]
    except KeyError:
        raise PgArchError(f"no exercise {id!r}; there are {', '.join(EXERCISES)}") from None


def exercises(notebook: str | None = None) -> list[Exercise]:
    """Every exercise, or those of one notebook ("03")."""
    return [e for e in EXERCISES.values() if notebook is None or e.id.startswith(notebook)]

