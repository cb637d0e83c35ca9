"""The smaller forms: relationships, indexes, enum types and table intents.

Each form only collects arguments; its button calls one edit function of
:mod:`pgarch_kit.model.edit` through :meth:`Studio.apply`, which validates, keeps or refuses the
result, and refreshes every panel. ``sync(design)`` refreshes a form's choices (table and
column lists) after each change.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as w

from ..model import edit
from ..model.design import FK_ACTIONS, INDEX_METHODS, Design, EnumType, Index, IndexKey
from .table_form import set_options

if TYPE_CHECKING:
    from .studio import Studio

__all__ = ["ON_DELETE_HELP", "EnumForm", "IndexForm", "IntentForm", "RelationshipForm"]

ON_DELETE_HELP = {
    "NO ACTION": "refuse to delete a parent row that still has children (checked at the end "
                 "of the statement, or at commit when deferred)",
    "RESTRICT": "refuse at once to delete a parent row that still has children (cannot be "
                "deferred)",
    "CASCADE": "deleting a parent row deletes its children too",
    "SET NULL": "deleting a parent row sets the children's reference to NULL (the column "
                "must be nullable: untick 'required')",
    "SET DEFAULT": "deleting a parent row sets the children's reference to its column "
                   "default (the default must point at an existing parent)",
}
assert set(ON_DELETE_HELP) == set(FK_ACTIONS)


def _tables(design: Design) -> list[str]:
    return [t.name for t in design.tables]


def _columns(design: Design, table: str | None) -> list[str]:
    t = design.table(table) if table else None
    return [c.name for c in t.columns] if t else []


class RelationshipForm:
    """Child table → parent table, kind, required, ON DELETE (explained), optional name."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.child = w.Dropdown(description="From (child)", options=[])
        self.parent = w.Dropdown(description="To (parent)", options=[])
        self.kind = w.ToggleButtons(options=list(edit.RELATIONSHIP_KINDS), value="1:N",
                                    description="Kind")
        self.required = w.Checkbox(True, description="required (NOT NULL)")
        self.on_delete = w.Dropdown(options=list(FK_ACTIONS), value="NO ACTION",
                                    description="ON DELETE")
        self.help = w.HTML()
        self.name = w.Text(placeholder="optional: FK or join table name", description="Name")
        self.add = w.Button(description="Add relationship", button_style="success")
        self.on_delete.observe(lambda _: self._explain(), names="value")
        self.add.on_click(lambda _: self.submit())
        self._explain()
        self.box = w.VBox([w.HBox([self.child, self.parent]), self.kind, self.required,
                           w.HBox([self.on_delete, self.help]), self.name, self.add])

    def _explain(self) -> None:
        self.help.value = f"<i>{html.escape(ON_DELETE_HELP[self.on_delete.value])}</i>"

    def sync(self, design: Design) -> None:
        names = _tables(design)
        set_options(self.child, names, self.child.value)
        set_options(self.parent, names, self.parent.value)

    def submit(self) -> bool:
        if not self.child.value or not self.parent.value:
            return self.studio.fail("pick both tables (add tables first)")
        ok = self.studio.apply(edit.add_relationship, self.child.value, self.parent.value,
                               kind=self.kind.value, required=self.required.value,
                               on_delete=self.on_delete.value,
                               name=self.name.value.strip() or None)
        if ok:
            self.name.value = ""
        return ok


class IndexForm:
    """Table, columns (multi-select) or an expression, method, unique, WHERE, INCLUDE."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.table = w.Dropdown(description="Table", options=[])
        self.columns = w.SelectMultiple(description="Columns", options=[], rows=5)
        self.expression = w.Text(placeholder="or an expression, e.g. lower(email)",
                                 description="Expression")
        self.method = w.Dropdown(options=list(INDEX_METHODS), value="btree",
                                 description="Method")
        self.unique = w.Checkbox(False, description="unique")
        self.where = w.Text(placeholder="partial: e.g. deleted_at IS NULL", description="WHERE")
        self.include = w.SelectMultiple(description="INCLUDE", options=[], rows=3)
        self.name = w.Text(placeholder="optional (default <table>_<cols>_idx)",
                           description="Name")
        self.add = w.Button(description="Add index", button_style="success")
        self.table.observe(lambda _: self._columns(), names="value")
        self.add.on_click(lambda _: self.submit())
        self.box = w.VBox([self.table, self.columns, self.expression,
                           w.HBox([self.method, self.unique]), self.where, self.include,
                           self.name, self.add])

    def _columns(self) -> None:
        cols = _columns(self.studio.value, self.table.value)
        set_options(self.columns, cols, self.columns.value)
        set_options(self.include, cols, self.include.value)

    def sync(self, design: Design) -> None:
        before = self.table.value
        set_options(self.table, _tables(design), before)
        if self.table.value == before:  # otherwise the observer already reloaded
            self._columns()

    def submit(self) -> bool:
        if not self.table.value:
            return self.studio.fail("pick a table (add one first)")
        # SelectMultiple reports columns in table order, which is the usual key order
        keys = [IndexKey(c) for c in self.columns.value]
        if self.expression.value.strip():
            keys.append(IndexKey(self.expression.value.strip(), expression=True))
        index = Index(self.name.value.strip(), tuple(keys), method=self.method.value,
                      unique=self.unique.value, include=tuple(self.include.value),
                      where=self.where.value.strip() or None)
        ok = self.studio.apply(edit.add_index, self.table.value, index)
        if ok:  # a fresh form for the next index on the same table
            self.name.value = self.expression.value = self.where.value = ""
            self.columns.value = self.include.value = ()
            self.unique.value, self.method.value = False, "btree"
        return ok


class EnumForm:
    """Name and comma-separated values of a new enum type."""

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.name = w.Text(placeholder="e.g. order_status", description="Name")
        self.values = w.Text(placeholder="pending, paid, shipped", description="Values")
        self.add = w.Button(description="Add enum", button_style="success")
        self.existing = w.HTML()
        self.add.on_click(lambda _: self.submit())
        self.box = w.VBox([self.name, self.values, self.add, self.existing])

    def sync(self, design: Design) -> None:
        items = "".join(f"<li><b>{html.escape(e.name)}</b>: "
                        f"{html.escape(', '.join(e.values))}</li>" for e in design.enums)
        self.existing.value = f"<ul>{items}</ul>" if items else ""

    def submit(self) -> bool:
        values = tuple(v.strip() for v in self.values.value.split(",") if v.strip())
        ok = self.studio.apply(edit.add_enum, EnumType(self.name.value.strip(), values))
        if ok:
            self.name.value = self.values.value = ""
        return ok


def _count(text: str, what: str) -> int | None:
    text = text.replace("_", "").replace(",", "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise edit.EditError(f"{what} {text!r} is not a whole number — fix: write digits, "
                             "e.g. 100000, or leave it empty when unknown") from None


class IntentForm:
    """What the designer expects of a table: rows, growth, soft delete, audit, tenant key."""

    NONE = "(none)"

    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.table = w.Dropdown(description="Table", options=[])
        self.rows = w.Text(placeholder="e.g. 1000000", description="Expected rows")
        self.growth = w.Text(placeholder="e.g. 50000", description="Growth/month")
        self.soft_delete = w.Dropdown(description="Soft delete", options=[self.NONE])
        self.audit = w.Checkbox(False, description="audit changes")
        self.tenant_key = w.Dropdown(description="Tenant key", options=[self.NONE])
        self.notes = w.Text(description="Notes")
        self.save = w.Button(description="Set intents", button_style="primary")
        self.table.observe(lambda _: self.load(), names="value")
        self.save.on_click(lambda _: self.submit())
        self.box = w.VBox([self.table, self.rows, self.growth, self.soft_delete, self.audit,
                           self.tenant_key, self.notes, self.save])

    def sync(self, design: Design) -> None:
        before = self.table.value
        set_options(self.table, _tables(design), before)
        if self.table.value == before:  # otherwise the observer already reloaded
            self.load()

    def load(self) -> None:
        t = self.studio.value.table(self.table.value) if self.table.value else None
        cols = [self.NONE, *_columns(self.studio.value, self.table.value)]
        intent = t.intent if t else None
        set_options(self.soft_delete, cols, (intent and intent.soft_delete) or self.NONE)
        set_options(self.tenant_key, cols, (intent and intent.tenant_key) or self.NONE)
        self.rows.value = "" if not intent or intent.rows is None else str(intent.rows)
        self.growth.value = ("" if not intent or intent.growth_per_month is None
                             else str(intent.growth_per_month))
        self.audit.value = bool(intent and intent.audit)
        self.notes.value = (intent.notes or "") if intent else ""

    def submit(self) -> bool:
        if not self.table.value:
            return self.studio.fail("pick a table (add one first)")

        def pick(dropdown: w.Dropdown) -> str | None:
            return None if dropdown.value == self.NONE else dropdown.value

        def change(design: Design) -> Design:  # parse inside, so bad numbers show inline
            return edit.set_intent(
                design, self.table.value, rows=_count(self.rows.value, "expected rows"),
                growth_per_month=_count(self.growth.value, "growth per month"),
                soft_delete=pick(self.soft_delete), audit=self.audit.value,
                tenant_key=pick(self.tenant_key), notes=self.notes.value)
        return self.studio.apply(change)
