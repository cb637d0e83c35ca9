"""The table form: pick, add, rename or remove a table, set its comment, and edit its columns in
a grid (one row per column: name, type with its parameters, nullable, default, unique, check,
primary key).

The grid is a draft: adding, removing and moving rows changes only the grid; **Apply columns**
turns the rows into :class:`~pgarch_kit.model.edit.ColumnSpec` values and hands them to
:func:`~pgarch_kit.model.edit.set_columns` through the studio, so a half-typed row never
reaches the design. Each row remembers the column it was loaded from (``was``), so renaming a
column in the grid is a rename (keys and foreign keys follow), not a drop and an add.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w

from ..model import edit
from ..model.design import Column, Design, Table
from ..model.types import parse_type

if TYPE_CHECKING:
    from .studio import Studio

__all__ = ["COMMON_TYPES", "ColumnRow", "TableForm", "set_options"]

COMMON_TYPES = ("bigint", "integer", "smallint", "text", "varchar", "char", "numeric",
                "boolean", "date", "timestamptz", "timestamp", "time", "interval", "uuid",
                "jsonb", "json", "bytea", "inet", "double precision", "real", "citext")
_SHORT = {"timestamp with time zone": "timestamptz", "timestamp without time zone": "timestamp",
          "time with time zone": "timetz", "time without time zone": "time",
          "character varying": "varchar", "character": "char"}
_WIDTHS = {"name": "130px", "type": "140px", "num": "64px", "flag": "40px", "text": "120px",
           "btn": "34px"}


def set_options(dropdown: w.Dropdown | w.SelectMultiple, options: list, value: object) -> None:
    """Replace a selection widget's options and select ``value`` when it is still offered
    (ipywidgets resets the selection when options change)."""
    dropdown.options = options
    values = [o[1] if isinstance(o, tuple) else o for o in options]
    if isinstance(dropdown, w.SelectMultiple):
        dropdown.value = tuple(v for v in (value or ()) if v in values)  # type: ignore
    elif value in values:
        dropdown.value = value


def _box(width: str, **kw: object) -> w.Layout:
    return w.Layout(width=width, **kw)


class ColumnRow:
    """One grid row; :meth:`spec` reads it back as a :class:`ColumnSpec`."""

    def __init__(self, types: list[str], column: Column | None = None, *,
                 unique: bool = False, check: str = "", pk: bool = False) -> None:
        self.was = column.name if column else None
        parsed = parse_type(column.type) if column else None
        base = _SHORT.get(parsed.base, parsed.base) if parsed else "text"
        params = parsed.params if parsed else ()
        self.extra_params: tuple[int, ...] = ()  # e.g. timestamptz(3): kept as loaded
        if base not in ("varchar", "char", "numeric"):
            self.extra_params = params
        self.name = w.Text(column.name if column else "", placeholder="name",
                           layout=_box(_WIDTHS["name"]))
        self.type = w.Dropdown(options=sorted(set(types) | {base}, key=_type_order(types)),
                               value=base, layout=_box(_WIDTHS["type"]))
        length = params[0] if base in ("varchar", "char") and params else 0
        self.length = w.BoundedIntText(length, min=0, max=10485760, layout=_box(_WIDTHS["num"]),
                                       tooltip="length (0: none)")
        num = params if base == "numeric" else ()
        self.precision = w.BoundedIntText(num[0] if num else 0, min=0, max=1000,
                                          layout=_box(_WIDTHS["num"]), tooltip="precision")
        self.scale = w.BoundedIntText(num[1] if len(num) > 1 else 0, min=0, max=1000,
                                      layout=_box(_WIDTHS["num"]), tooltip="scale")
        self.array = w.Checkbox(bool(parsed and parsed.is_array), indent=False,
                                layout=_box(_WIDTHS["flag"]), tooltip="array")
        self.nullable = w.Checkbox(column.nullable if column else True, indent=False,
                                   layout=_box(_WIDTHS["flag"]), tooltip="nullable")
        self.default = w.Text((column.default or "") if column else "", placeholder="default",
                              layout=_box(_WIDTHS["text"]))
        self.unique = w.Checkbox(unique, indent=False, layout=_box(_WIDTHS["flag"]))
        self.check = w.Text(check, placeholder="check", layout=_box(_WIDTHS["text"]))
        self.pk = w.Checkbox(pk, indent=False, layout=_box(_WIDTHS["flag"]))
        self.up = w.Button(icon="arrow-up", tooltip="move up", layout=_box(_WIDTHS["btn"]))
        self.down = w.Button(icon="arrow-down", tooltip="move down", layout=_box(_WIDTHS["btn"]))
        self.remove = w.Button(icon="trash", tooltip="remove", layout=_box(_WIDTHS["btn"]))
        self.type.observe(lambda _: self._show_params(), names="value")
        self._show_params()
        self.box = w.HBox([self.name, self.type, self.length, self.precision, self.scale,
                           self.array, self.nullable, self.default, self.unique, self.check,
                           self.pk, self.up, self.down, self.remove])

    def _show_params(self) -> None:
        base = self.type.value
        self.length.layout.visibility = "visible" if base in ("varchar", "char") else "hidden"
        for box in (self.precision, self.scale):
            box.layout.visibility = "visible" if base == "numeric" else "hidden"

    def type_text(self) -> str:
        base = self.type.value
        if base in ("varchar", "char") and self.length.value > 0:
            text = f"{base}({self.length.value})"
        elif base == "numeric" and self.precision.value > 0:
            text = f"numeric({self.precision.value},{self.scale.value})"
        elif self.extra_params:
            text = str(parse_type(f"{base}({','.join(map(str, self.extra_params))})"))
        else:
            text = base
        return text + ("[]" if self.array.value else "")

    def spec(self) -> edit.ColumnSpec:
        return edit.ColumnSpec(
            name=self.name.value.strip(), type=self.type_text(), nullable=self.nullable.value,
            default=self.default.value.strip() or None, unique=self.unique.value,
            check=self.check.value.strip() or None, primary_key=self.pk.value, was=self.was)


def _type_order(types: list[str]):
    order = {t: i for i, t in enumerate(types)}
    return lambda t: (order.get(t, len(order)), t)


def _header() -> w.HBox:
    labels = [("name", "name"), ("type", "type"), ("num", "length"), ("num", "precision"),
              ("num", "scale"), ("flag", "[]"), ("flag", "null"), ("text", "default"),
              ("flag", "uniq"), ("text", "check"), ("flag", "PK")]
    return w.HBox([w.HTML(f"<b>{text}</b>", layout=_box(_WIDTHS[k])) for k, text in labels])


def type_options(design: Design) -> list[str]:
    """Common types plus the design's own enums, domains and composite types."""
    own = [t.name for t in (*design.enums, *design.domains, *design.composites)]
    return [*COMMON_TYPES, *(n for n in own if n not in COMMON_TYPES)]


class TableForm:
    def __init__(self, studio: Studio) -> None:
        self.studio = studio
        self.rows: list[ColumnRow] = []
        self._types: list[str] = list(COMMON_TYPES)
        self.table = w.Dropdown(description="Table", options=[])
        self.new_name = w.Text(placeholder="table name", description="Name")
        self.add = w.Button(description="Add table", button_style="success")
        self.rename = w.Button(description="Rename to name")
        self.delete = w.Button(description="Remove table", button_style="danger")
        self.cascade = w.Checkbox(False, description="cascade (drop FKs to it)")
        self.comment = w.Text(placeholder="what a row is", description="Comment")
        self.set_comment = w.Button(description="Set comment")
        self.grid = w.VBox()
        self.add_column = w.Button(description="+ column", tooltip="add a row to the grid")
        self.apply = w.Button(description="Apply columns", button_style="primary")
        self.revert = w.Button(description="Revert grid")
        self._syncing = False
        self.table.observe(lambda _: None if self._syncing else self.load(), names="value")
        self.add.on_click(lambda _: self._add_table())
        self.rename.on_click(lambda _: self._rename_table())
        self.delete.on_click(lambda _: self._remove_table())
        self.set_comment.on_click(lambda _: self._set_comment())
        self.add_column.on_click(lambda _: self.add_row())
        self.apply.on_click(lambda _: self.apply_columns())
        self.revert.on_click(lambda _: self.load())
        self.box = w.VBox([
            w.HBox([self.table, self.delete, self.cascade]),
            w.HBox([self.new_name, self.add, self.rename]),
            w.HBox([self.comment, self.set_comment]),
            self.grid, w.HBox([self.add_column, self.apply, self.revert])])

    # -- reading the design into the form
    def sync(self, design: Design) -> None:
        self._types = type_options(design)
        names = [t.name for t in design.tables]
        wanted = self.table.value
        self._syncing = True
        try:
            set_options(self.table, names, wanted)
        finally:
            self._syncing = False
        self.load()

    def current(self) -> Table | None:
        return self.studio.value.table(self.table.value) if self.table.value else None

    def load(self) -> None:
        """Rebuild the grid from the selected table (dropping unapplied grid edits)."""
        t = self.current()
        self.comment.value = (t.comment or "") if t else ""
        self.rows = []
        if t is not None:
            single = {u.columns[0] for u in t.uniques if len(u.columns) == 1 and not u.include}
            checks = {c.name: c.expression for c in t.checks if c.name}
            pk = set(t.primary_key.columns) if t.primary_key else set()
            for c in t.columns:
                own_check = checks.get(edit.column_check_name(t.name, c.name), "")
                self._append(ColumnRow(self._types, c, unique=c.name in single, pk=c.name in pk,
                                       check=own_check))
        self._redraw()

    # -- the grid draft
    def _append(self, row: ColumnRow) -> None:
        row.up.on_click(lambda _: self.move_row(row, -1))
        row.down.on_click(lambda _: self.move_row(row, 1))
        row.remove.on_click(lambda _: self.remove_row(row))
        self.rows.append(row)

    def add_row(self, name: str = "", type: str = "text") -> ColumnRow:
        row = ColumnRow(self._types)
        row.name.value = name
        row.type.value = type if type in row.type.options else "text"
        self._append(row)
        self._redraw()
        return row

    def remove_row(self, row: ColumnRow) -> None:
        self.rows.remove(row)
        self._redraw()

    def move_row(self, row: ColumnRow, step: int) -> None:
        i = self.rows.index(row)
        j = max(0, min(len(self.rows) - 1, i + step))
        self.rows.insert(j, self.rows.pop(i))
        self._redraw()

    def _redraw(self) -> None:
        self.grid.children = [_header(), *(r.box for r in self.rows)] if self.rows else [
            w.HTML("<i>No columns: add a row with “+ column”.</i>")]

    # -- actions, each one edit function through the studio
    def apply_columns(self) -> bool:
        if self.current() is None:
            return self.studio.fail("pick or add a table first")
        specs = [r.spec() for r in self.rows]
        return self.studio.apply(edit.set_columns, self.table.value, specs)

    def _add_table(self) -> None:
        name = self.new_name.value.strip()
        if self.studio.apply(edit.add_table, name):
            self.new_name.value = ""
            self.table.value = name  # loads the new table's grid

    def _rename_table(self) -> None:
        new = self.new_name.value.strip()
        if self.current() is None:
            self.studio.fail("pick a table to rename")
        elif self.studio.apply(edit.rename_table, self.table.value, new):
            self.new_name.value = ""
            self.table.value = new

    def _remove_table(self) -> None:
        if self.current() is None:
            self.studio.fail("pick a table to remove")
        else:
            self.studio.apply(edit.remove_table, self.table.value, cascade=self.cascade.value)

    def _set_comment(self) -> None:
        if self.current() is None:
            self.studio.fail("pick a table first")
        else:
            self.studio.apply(edit.set_table_comment, self.table.value, self.comment.value)
