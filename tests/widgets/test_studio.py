"""The studio without a browser: set widget values, click buttons, and check the design
(``studio.value``), the saved file, the DDL and the DOT text. Each test fails if a widget
stopped reaching the model: assertions are on the design and the file, not on widgets."""
from __future__ import annotations

from pathlib import Path

import pytest

from pgarch_kit.model.design import Column, Design, Table
from pgarch_kit.model.serde import load_design
from pgarch_kit.widgets import Studio, studio


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "shop.yaml"


def add_table(s: Studio, name: str) -> None:
    s.tables.new_name.value = name
    s.tables.add.click()
    assert s.error is None, s.error
    assert s.tables.table.value == name


def add_rows(s: Studio, *rows: dict) -> None:
    for spec in rows:
        row = s.tables.add_row()
        for attr, value in spec.items():
            getattr(row, attr).value = value
    s.tables.apply.click()
    assert s.error is None, s.error


def relate(s: Studio, child: str, parent: str, **opts) -> None:
    form = s.relationships
    form.child.value, form.parent.value = child, parent
    for attr, value in opts.items():
        getattr(form, attr).value = value
    form.add.click()
    assert s.error is None, s.error


def saved(s: Studio, path: Path) -> Design:
    on_disk = load_design(path)
    assert on_disk == s.value
    return on_disk


def edge_count(dot: str | None) -> int:
    """Visible edges of a DOT text (layout helpers are drawn invisible)."""
    return sum(1 for line in (dot or "").splitlines() if "->" in line and "invis" not in line)


def shop(path: Path) -> Studio:
    s = studio(path)
    add_table(s, "customers")
    add_rows(s, {"name": "email", "type": "varchar", "length": 200, "nullable": False,
                 "unique": True})
    add_table(s, "orders")
    add_rows(s, {"name": "total", "type": "numeric", "precision": 12, "scale": 2,
                 "nullable": False, "check": "total >= 0"})
    return s


def test_new_file_starts_empty_and_writes_nothing(path):
    s = studio(path)
    assert s.value == Design("shop") and not path.exists()
    assert "No findings" in s.panels.findings_view.value
    assert studio(path.parent / "x" / "design.yaml").value.name == "design"


def test_add_table_with_columns_via_the_grid(path):
    s = studio(path)
    add_table(s, "customers")
    add_rows(s, {"name": "email", "type": "varchar", "length": 200, "nullable": False,
                 "unique": True},
             {"name": "balance", "type": "numeric", "precision": 12, "scale": 2,
              "check": "balance >= 0", "default": "0"},
             {"name": "tags", "type": "text", "array": True})
    t = s.value.table("customers")
    assert [c.name for c in t.columns] == ["id", "email", "balance", "tags"]
    assert t.column("email") == Column("email", "character varying(200)", nullable=False)
    assert t.column("balance").type == "numeric(12,2)" and t.column("balance").default == "0"
    assert t.column("tags").type == "text[]"
    assert [u.columns for u in t.uniques] == [("email",)]
    assert [(c.name, c.expression) for c in t.checks] == [
        ("customers_balance_check", "balance >= 0")]
    saved(s, path)
    assert "email character varying(200) NOT NULL" in s.ddl
    assert "CHECK (balance >= 0)" in s.ddl
    assert "email" in s.panels.ddl_view.value
    if s.dot is None:
        pytest.skip("pgarch_kit.diagram is not available")
    assert "customers" in s.dot and "email" in s.dot
    assert "<svg" in s.panels.diagram.value
    # the grid was reloaded from the design: rows now remember their columns
    assert [r.was for r in s.tables.rows] == ["id", "email", "balance", "tags"]
    assert s.tables.rows[2].precision.value == 12 and s.tables.rows[3].array.value


def test_grid_moves_removes_and_sets_the_primary_key(path):
    s = shop(path)
    s.tables.table.value = "customers"
    rows = s.tables.rows
    rows[1].up.click()  # email first
    s.tables.add_row("code", "text").pk.value = True
    s.tables.rows[-1].nullable.value = False
    s.tables.apply.click()
    assert s.error is None
    t = s.value.table("customers")
    assert [c.name for c in t.columns] == ["email", "id", "code"]
    assert t.primary_key.columns == ("id", "code")
    s.tables.rows[2].remove.click()
    s.tables.rows[1].pk.value = True
    s.tables.apply.click()
    assert [c.name for c in s.value.table("customers").columns] == ["email", "id"]
    saved(s, path)


def test_rename_column_in_the_grid_updates_foreign_keys(path):
    s = shop(path)
    relate(s, "orders", "customers")
    s.tables.table.value = "customers"
    s.tables.rows[0].name.value = "customer_no"
    s.tables.apply.click()
    assert s.error is None
    assert s.value.table("customers").primary_key.columns == ("customer_no",)
    assert s.value.table("orders").foreign_keys[0].ref_columns == ("customer_no",)
    assert "REFERENCES customers (customer_no)" in s.ddl
    saved(s, path)


def test_relationships_one_to_many_one_to_one_and_many_to_many(path):
    s = shop(path)
    add_table(s, "products")
    add_table(s, "profiles")
    edges = [edge_count(s.dot)]
    relate(s, "orders", "customers", on_delete="CASCADE")
    edges.append(edge_count(s.dot))
    relate(s, "profiles", "customers", kind="1:1", required=False, on_delete="SET NULL")
    edges.append(edge_count(s.dot))
    relate(s, "orders", "products", kind="N:M")
    d = s.value
    o = d.table("orders")
    assert o.column("customer_id").nullable is False
    assert o.foreign_keys[0].on_delete == "CASCADE"
    assert [ix.keys[0].column for ix in o.indexes] == ["customer_id"]
    p = d.table("profiles")
    assert p.column("customer_id").nullable and [u.columns for u in p.uniques] == [
        ("customer_id",)]
    j = d.table("orders_products")
    assert j.primary_key.columns == ("order_id", "product_id")
    assert [fk.ref_table for fk in j.foreign_keys] == ["orders", "products"]
    assert "PRIMARY KEY (order_id, product_id)" in s.ddl
    saved(s, path)
    if s.dot is None:
        pytest.skip("pgarch_kit.diagram is not available")
    edges.append(edge_count(s.dot))
    assert edges[0] == 0 and edges[0] < edges[1] < edges[2] < edges[3]  # each adds an edge
    assert "orders_products" in s.dot


def test_on_delete_choice_is_explained(path):
    s = studio(path)
    s.relationships.on_delete.value = "CASCADE"
    assert "deletes its children" in s.relationships.help.value
    s.relationships.on_delete.value = "SET NULL"
    assert "nullable" in s.relationships.help.value


def test_partial_index(path):
    s = shop(path)
    form = s.indexes
    form.table.value = "customers"
    form.columns.value = ("email",)
    form.unique.value = True
    form.where.value = "email IS NOT NULL"
    form.include.value = ("id",)
    form.add.click()
    assert s.error is None
    ix = s.value.table("customers").indexes[0]
    assert (ix.name, ix.unique, ix.where, ix.include) == (
        "customers_email_idx", True, "email IS NOT NULL", ("id",))
    assert "WHERE (email IS NOT NULL)" in s.ddl
    assert form.columns.value == () and not form.unique.value  # reset for the next index
    form.expression.value = "lower(email)"
    form.method.value = "hash"
    form.add.click()
    assert s.value.table("customers").indexes[1].keys[0].expression
    assert "USING hash ((lower(email)))" in s.ddl
    saved(s, path)


def test_enum_used_as_a_column_type(path):
    s = shop(path)
    s.enums.name.value = "order_status"
    s.enums.values.value = "pending, paid ,shipped"
    s.enums.add.click()
    assert s.error is None
    assert s.value.enums[0].values == ("pending", "paid", "shipped")
    assert "CREATE TYPE order_status AS ENUM ('pending', 'paid', 'shipped')" in s.ddl
    s.tables.table.value = "orders"
    row = s.tables.add_row("status")
    assert "order_status" in row.type.options
    row.type.value = "order_status"
    row.default.value = "'pending'"
    s.tables.apply.click()
    assert s.error is None
    assert s.value.table("orders").column("status").type == "order_status"
    assert "status order_status DEFAULT 'pending'" in s.ddl
    saved(s, path)


def test_intents(path):
    s = shop(path)
    add_rows(s, {"name": "deleted_at", "type": "timestamptz"},
             {"name": "tenant_id", "type": "bigint", "nullable": False})
    form = s.intents
    form.table.value = "orders"
    form.rows.value = "1_000_000"
    form.growth.value = "80000"
    form.soft_delete.value = "deleted_at"
    form.tenant_key.value = "tenant_id"
    form.audit.value = True
    form.save.click()
    assert s.error is None
    intent = s.value.table("orders").intent
    assert (intent.rows, intent.growth_per_month, intent.soft_delete, intent.tenant_key,
            intent.audit) == (1000000, 80000, "deleted_at", "tenant_id", True)
    saved(s, path)
    form.rows.value = "lots"
    form.save.click()
    assert "not a whole number" in s.error and s.value.table("orders").intent.rows == 1000000


def test_invalid_changes_show_inline_and_keep_design_and_file(path):
    s = shop(path)
    before, text = s.value, path.read_bytes()
    history = len(s.history)
    s.tables.new_name.value = "x" * 70
    s.tables.add.click()  # an EditError
    assert "63 bytes" in s.error and "Not applied" in s.panels.error.value
    assert s.value == before and path.read_bytes() == text
    s.tables.table.value = "orders"
    s.tables.rows[1].scale.value = 20  # numeric(12,20): a validation problem
    s.tables.apply.click()
    assert "invalid" in s.error and "scale larger than its precision" in s.panels.error.value
    assert s.value == before and path.read_bytes() == text and len(s.history) == history
    s.tables.rows[1].scale.value = 2
    s.tables.apply.click()  # the next valid change clears the error
    assert s.error is None and s.panels.error.value == ""


def test_undo_restores_design_and_file(path):
    s = shop(path)
    before, text = s.value, path.read_bytes()
    relate(s, "orders", "customers")
    assert s.value != before and path.read_bytes() != text
    s.undo_button.click()
    assert s.value == before and path.read_bytes() == text
    assert "orders_customer_id_fkey" not in s.ddl
    while s.history:
        s.undo()
    assert s.value == Design("shop") and s.undo_button.disabled
    assert not s.undo() and "nothing to undo" in s.error


def test_reopen_shows_the_same_design(path):
    s = shop(path)
    relate(s, "orders", "customers")
    again = studio(path)
    assert again.value == s.value and again.ddl == s.ddl
    assert again.tables.table.options == ("customers", "orders")


def test_table_rename_comment_remove(path):
    s = shop(path)
    relate(s, "orders", "customers")
    s.tables.table.value = "customers"
    s.tables.new_name.value = "clients"
    s.tables.rename.click()
    assert s.value.table("orders").foreign_keys[0].ref_table == "clients"
    s.tables.comment.value = "people who buy"
    s.tables.set_comment.click()
    assert s.value.table("clients").comment == "people who buy"
    s.tables.delete.click()
    assert "referenced by orders" in s.error and s.value.table("clients")
    s.tables.cascade.value = True
    s.tables.delete.click()
    assert s.value.table("clients") is None and s.value.table("orders").foreign_keys == ()
    saved(s, path)


def test_finding_sources_are_pluggable(path):
    s = shop(path)
    s.finding_sources.append(lambda d: [f"{len(d.tables)} tables"])
    s.refresh()
    assert s.findings[-1] == "2 tables" and "2 tables" in s.panels.findings_view.value


def test_design_argument_wins_and_is_saved_on_first_change(path):
    d = Design("given", tables=(Table("t", (Column("a", "text"),)),))
    s = studio(path, design=d)
    assert s.value == d and not path.exists()
    add_table(s, "u")
    assert load_design(path).table("t") is not None


def test_an_invalid_file_opens_with_its_problems_and_is_saved_once_fixed(path):
    path.write_text("name: shop\ntables:\n  - name: t\n    columns:\n"
                    "      - {name: a, type: 'numeric(2,5)'}\n", encoding="utf-8")
    text = path.read_bytes()
    s = studio(path)
    assert any("scale larger" in str(p) for p in s.findings)
    add_table(s, "u")  # adds no new problem: applied, but the file is not overwritten
    assert s.value.table("u") is not None and path.read_bytes() == text
    assert "not saved" in s.panels.status.value
    s.tables.table.value = "t"
    s.tables.rows[0].scale.value = 1
    s.tables.apply.click()
    from pgarch_kit.errors import Problem
    assert s.error is None and not [p for p in s.findings if isinstance(p, Problem)]
    assert load_design(path) == s.value


def test_studio_displays_as_a_widget(path):
    bundle = studio(path)._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
