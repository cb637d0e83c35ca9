"""The design file: YAML in, YAML out, every problem reported with its line.

Writing is deterministic (field order follows the model, fields at their defaults are left
out, types in their short spelling, multi-line SQL as ``|`` blocks, short objects on one
line), so a saved design diffs well and saving twice gives the same bytes. Files are replaced
atomically and only when the design validates, so a failed save never damages a good file.

Reading composes the YAML into nodes first (``yaml.compose``) and builds the model by walking
them, so every content problem — unknown or missing keys, wrong value types, bad choices —
carries the line of the offending node; all of them are raised together in one
:class:`DesignFileError`, followed by :func:`validate`'s problems mapped to lines as well.

Field tables (``_COLUMN``, ``_TABLE`` …) drive both directions: a key's reader, the model
attribute it fills, and its writer. Shorthands (a list for ``primary_key``, a string for a
check or an index key) are accepted on input and used on output when nothing is lost.

The module is longer than most because it holds the file format of ~25 node types in one
place (the field tables at the end); splitting them from their readers would scatter it.
"""
from __future__ import annotations

import dataclasses
import difflib
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .._fileio import ANY, Fingerprint, atomic_write_text
from ..errors import DesignError, DesignFileError, Problem
from ._yaml_budget import YamlBudgetError, compose
from .design import (
    COMPRESSION_METHODS,
    FK_ACTIONS,
    STORAGE_KINDS,
    Check,
    Column,
    CompositeType,
    DataSpec,
    Design,
    Domain,
    DomainCheck,
    EnumType,
    Exclusion,
    ExclusionElement,
    Extension,
    ForeignKey,
    IdentityOptions,
    Index,
    IndexKey,
    LintConfig,
    PartitionBy,
    Policy,
    PrimaryKey,
    PrivacySpec,
    QueryPattern,
    Routine,
    Schema,
    Sequence,
    Suppression,
    Table,
    TableIntent,
    TableRef,
    Trigger,
    Unique,
    View,
)
from .objects import (
    CAST_CONTEXTS,
    CAST_METHODS,
    COLLATION_PROVIDERS,
    Cast,
    Collation,
    RangeType,
    Rule,
    TextSearchConfiguration,
    TextSearchDictionary,
)
from .privileges import (
    DEFAULT_PRIVILEGE_OBJECTS,
    GRANT_KINDS,
    OWNER_KINDS,
    DefaultPrivilege,
    Grant,
    Owner,
)
from .source import SourceFacts, SourceTable
from .types import short_type
from .validate import label, validate

__all__ = ["dump_design", "load_design", "loaded_fingerprint", "loads_design", "save_design"]

_BAD = object()  # a value that could not be read; its problem is already recorded
_NULL = "tag:yaml.org,2002:null"
_FLOW_WIDTH = 96  # objects whose one-line form fits are written on one line


# =========================================================================== reading

def loads_design(text: str, source: str = "<string>", *, check: bool = True) -> Design:
    """Build a design from YAML text. Raises :class:`DesignFileError` with every problem
    (with line numbers); with ``check=False`` validation problems are not raised."""
    try:
        root = compose(text)  # bounded: aliases and nesting within a budget
    except YamlBudgetError as exc:
        mark = exc.problem_mark
        raise DesignFileError([Problem("design", f"refused to read: {exc.problem}", exc.fix,
                                       mark.line + 1 if mark else None)],
                              source=source) from None
    except RecursionError:  # pragma: no cover - the budget stops nesting long before this
        raise DesignFileError([Problem("design", "refused to read: the YAML nests too deep",
                                       "flatten the nesting")], source=source) from None
    except yaml.MarkedYAMLError as exc:
        raise DesignFileError([_syntax_problem(exc)], source=source) from None
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        raise DesignFileError([Problem("design", f"cannot read YAML: {exc}",
                                       "check the file is YAML text")], source=source) from None
    if root is None:
        raise DesignFileError([Problem("design", "the design file is empty",
                                       "start it with `name: my_app` and a `tables:` list",
                                       1)], source=source)
    reader = _Reader()
    design = reader.design(root)
    if reader.problems or design is None:
        raise DesignFileError(reader.problems, source=source)
    if check:
        problems = [reader.locate(p) for p in validate(design)]
        problems.sort(key=lambda p: (p.line is None, p.line or 0))
        if problems:
            raise DesignFileError(problems, source=source)
    return design


# What this process last read from or wrote to each design file (by real path): a later
# save_design of that file refuses when the file no longer holds it (someone else saved).
_SEEN: dict[str, Fingerprint] = {}


def load_design(path: str | os.PathLike[str], *, check: bool = True) -> Design:
    """Read a design file (see :func:`loads_design`). Its fingerprint is remembered, so a
    later :func:`save_design` to the same file notices when the file changed in between."""
    p = Path(path)
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait forever for a writer
    with open(os.open(p, os.O_RDONLY | os.O_NONBLOCK), "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise DesignFileError([Problem("design", "not a regular file (a directory, FIFO, "
                                           "socket or device), so not a design file",
                                           "give the path of a .yaml design file")],
                                  source=str(p))
        data = fh.read()
        seen = Fingerprint.of(data, st.st_mtime_ns)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DesignFileError([Problem("design", f"the file is not UTF-8 text ({exc.reason})",
                                       "save the file as UTF-8")], source=str(p)) from None
    design = loads_design(text, source=str(p), check=check)
    _SEEN[os.path.realpath(p)] = seen
    return design


def loaded_fingerprint(path: str | os.PathLike[str]) -> Fingerprint | None:
    """The fingerprint of ``path`` when this process last loaded or saved it (``None`` if it
    has not): what :func:`save_design` expects to find there."""
    return _SEEN.get(os.path.realpath(path))


def _syntax_problem(exc: yaml.MarkedYAMLError) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    what = exc.problem or exc.context or "cannot parse"
    if exc.context and exc.context_mark is not None and exc.problem_mark is not None:
        # an unclosed bracket or quote is reported where the file ends; say where it began
        what += f" ({exc.context} that began on line {exc.context_mark.line + 1})"
    return Problem("design", f"YAML syntax error: {what}",
                   "check indentation (spaces, not tabs) and quote values that contain ': ', "
                   "' #' or start with {, [, *, &, !, | or >",
                   mark.line + 1 if mark else None)


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _NULL and node.style is None


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return f"{node.value!r}" if node.tag != _NULL else "nothing (null)"


class _Reader:
    """Walks composed YAML nodes, collecting problems and the line of every path."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.lines: dict[str, int] = {}
        self._constructor = yaml.constructor.SafeConstructor()

    def problem(self, path: str, node: Node, message: str, fix: str = "") -> object:
        self.problems.append(Problem(path, message, fix, _line(node)))
        return _BAD

    def locate(self, problem: Problem) -> Problem:
        """Attach the line of the nearest enclosing path that came from the file."""
        path = problem.path
        while path:
            if path in self.lines:
                return dataclasses.replace(problem, line=self.lines[path])
            cut = max(path.rfind("."), path.rfind("["))
            path = path[:cut] if cut > 0 else ""
        return problem

    def value(self, node: Node) -> Any:
        try:
            return self._constructor.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            return self.problem("design", node, f"cannot read value: {exc}")

    def mapping(self, node: Node, path: str, allowed: list[str],
                required: tuple[str, ...] = ()) -> dict[str, Node] | None:
        if not isinstance(node, MappingNode):
            self.problem(path, node, f"expected a mapping (key: value), got {_kind(node)}",
                         f"write it as keys such as {', '.join(allowed[:4])}")
            return None
        written = {id(k) for k, _ in node.value}
        try:
            self._constructor.flatten_mapping(node)  # resolve `<<: *defaults` merge keys
        except yaml.YAMLError as exc:
            self.problem(path, node, f"cannot merge: {exc}", "merge only mappings with <<")
            return None
        out: dict[str, Node] = {}
        key_nodes: dict[str, Node] = {}
        for knode, vnode in node.value:
            key = knode.value if isinstance(knode, ScalarNode) else None
            if not isinstance(key, str):
                self.problem(path, knode, "a key must be plain text", "write `key: value`")
            elif key in out and id(knode) in written and id(key_nodes[key]) in written:
                self.problem(path, knode, f"key {key!r} appears twice",
                             "keep one of the two entries")
            elif key in out:  # a key written here overrides the one merged in with <<
                out[key], key_nodes[key] = vnode, knode
            elif key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean {close[0]!r}? " if close else ""
                if node.flow_style and ")" in key:  # `type: numeric(12,2)` inside { }
                    hint = ("inside { } a comma ends the value: quote it, e.g. "
                            "type: 'numeric(12,2)'; ")
                self.problem(path, knode, f"unknown key {key!r}",
                             f"{hint}allowed keys: {', '.join(allowed)}")
            else:
                out[key], key_nodes[key] = vnode, knode
                self.lines.setdefault(f"{path}.{key}", _line(vnode))
        for key in required:
            if key not in out:
                self.problem(path, node, f"missing required key {key!r}",
                             f"add `{key}: …`")
        if any(k not in out for k in required):
            return None
        return out

    def build(self, node: Node, path: str, fields: tuple[_F, ...],
              required: tuple[str, ...] = ("name",)) -> dict[str, Any] | None:
        """Read a mapping through a field table into model keyword arguments."""
        m = self.mapping(node, path, [f.key for f in fields], required)
        if m is None:
            return None
        kwargs, ok = {}, True
        for f in fields:
            if f.key in m:
                value = f.read(self, m[f.key], f"{path}.{f.key}")
                if value is _BAD:
                    ok = False
                elif value is not None or f.key not in required:
                    kwargs[f.attr or f.key] = value
        return kwargs if ok else None

    def design(self, root: Node) -> Design | None:
        self.lines["design"] = _line(root)
        kwargs = self.build(root, "design", _DESIGN)
        if kwargs is None:
            return None
        # top-level keys are addressed without the "design." prefix in paths
        for key, line in list(self.lines.items()):
            if key.startswith("design."):
                self.lines.setdefault(key[len("design."):], line)
        return Design(**kwargs)


@dataclasses.dataclass(frozen=True)
class _F:
    """One key of the design file: how to read it, the attribute it fills, how to write it."""

    key: str
    read: Callable[[_Reader, Node, str], Any]
    write: Callable[[Any], Any] | None = None
    attr: str | None = None


# --------------------------------------------------------------------------- scalar readers

def _opt_text(r: _Reader, node: Node, path: str) -> Any:
    """Text; a plain scalar is taken as typed (``on``, ``0``, ``2025-01-01`` stay text)."""
    if not isinstance(node, ScalarNode):
        return r.problem(path, node, f"expected text, got {_kind(node)}",
                         "write a single value, quoted if it contains ': '")
    if node.tag == _NULL and node.style is None:
        return None
    return node.value


def _text(r: _Reader, node: Node, path: str) -> Any:
    value = _opt_text(r, node, path)
    if value is None:
        return r.problem(path, node, "a value is required here", "write the text after the ':'")
    return value


def _bool(r: _Reader, node: Node, path: str) -> Any:
    value = r.value(node) if isinstance(node, ScalarNode) else None
    if not isinstance(value, bool):
        return r.problem(path, node, f"expected true or false, got {_kind(node)}",
                         "write true or false")
    return value


def _int(r: _Reader, node: Node, path: str) -> Any:
    value = r.value(node) if isinstance(node, ScalarNode) else None
    if node.tag == _NULL and isinstance(node, ScalarNode):
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return r.problem(path, node, f"expected a whole number, got {_kind(node)}",
                         "write digits only, e.g. 1000000")
    return value


def _number(r: _Reader, node: Node, path: str) -> Any:
    value = r.value(node) if isinstance(node, ScalarNode) else None
    if node.tag == _NULL and isinstance(node, ScalarNode):
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return r.problem(path, node, f"expected a number, got {_kind(node)}", "write e.g. 50")
    return value


def _names(r: _Reader, node: Node, path: str) -> Any:
    """A list of names; a single name may be written without brackets."""
    if _is_null(node):
        return ()
    if isinstance(node, ScalarNode):
        value = _text(r, node, path)
        return _BAD if value is _BAD else (value,)
    if not isinstance(node, SequenceNode):
        return r.problem(path, node, f"expected a list of names, got {_kind(node)}",
                         "write [a, b]")
    values = [_text(r, item, f"{path}[{i}]") for i, item in enumerate(node.value)]
    return _BAD if _BAD in values else tuple(values)


def _choice(choices: tuple[str, ...], normalise: Callable[[str], str] = str.lower):
    def read(r: _Reader, node: Node, path: str) -> Any:
        value = _text(r, node, path)
        if value is _BAD:
            return value
        norm = normalise(" ".join(value.replace("_", " ").split()))
        if norm not in choices:
            close = difflib.get_close_matches(norm, choices, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            return r.problem(path, node, f"{value!r} is not one of {', '.join(choices)}",
                             f"use one of {', '.join(choices)}{hint}")
        return norm
    return read


def _lower_text(r: _Reader, node: Node, path: str) -> Any:
    value = _text(r, node, path)
    return value.lower() if isinstance(value, str) else value


# --------------------------------------------------------------------------- object readers

def _peek(node: Node, key: str) -> str | None:
    if isinstance(node, ScalarNode) and key == "name":
        return node.value
    if isinstance(node, MappingNode):
        for k, v in node.value:
            if isinstance(k, ScalarNode) and k.value == key and isinstance(v, ScalarNode):
                return v.value
    return None


def _items(read_one: Callable[[_Reader, Node, str], Any], *, named: str | None = None,
           schema: bool = True):
    """A list reader. ``named``: items are addressed by name (``{path}.{name}``, with
    ``named`` replacing the last path segment), otherwise by position (``{path}[i]``)."""
    def read(r: _Reader, node: Node, path: str) -> Any:
        if _is_null(node):
            return ()  # `tables:` with nothing after it: an empty list
        if not isinstance(node, SequenceNode):
            return r.problem(path, node, f"expected a list (- item lines), got {_kind(node)}",
                             "start each item with '- '")
        out = []
        for i, item in enumerate(node.value):
            name = _peek(item, "name") if named is not None else None
            if name is None:
                item_path = f"{path}[{i}]"
            else:
                prefix = path.rsplit(".", 1)[0] + "." if "." in path else ""
                where = label(_peek(item, "schema") or "public", name) if schema else name
                item_path = f"{prefix}{named}{'.' if named else ''}{where}"
            item_path = item_path.removeprefix("design.")
            r.lines.setdefault(item_path, _line(item))
            out.append(read_one(r, item, item_path))
        return _BAD if _BAD in out else tuple(out)
    return read


def _obj(cls: type, fields: tuple[_F, ...], required: tuple[str, ...] = ("name",),
         shorthand: Callable[[_Reader, Node, str], Any] | None = None,
         after: Callable[[dict[str, Any], dict[str, Node] | None], None] | None = None):
    """A reader for one model object from a mapping (or its shorthand form)."""
    def read(r: _Reader, node: Node, path: str) -> Any:
        if shorthand is not None and not isinstance(node, MappingNode):
            return shorthand(r, node, path)
        kwargs = r.build(node, path, fields, required)
        if kwargs is None:
            return _BAD
        if after is not None:
            after(kwargs, node)
        return cls(**kwargs)
    return read


def _short(cls: type, attr: str, reader: Callable) -> Callable:
    def read(r: _Reader, node: Node, path: str) -> Any:
        value = reader(r, node, path)
        return value if value is _BAD else cls(**{attr: value})
    return read


def _read_index_key(r: _Reader, node: Node, path: str) -> Any:
    if isinstance(node, ScalarNode):
        value = _text(r, node, path)
        return value if value is _BAD else IndexKey(value)
    m = r.mapping(node, path, ["column", "expression", "order", "nulls", "opclass",
                               "collation", "statistics"])
    if m is None:
        return _BAD
    if ("column" in m) == ("expression" in m):
        return r.problem(path, node, "an index key needs exactly one of 'column' and "
                         "'expression'", "write {column: created_at} or "
                         "{expression: \"lower(email)\"}")
    key = "column" if "column" in m else "expression"
    values = {k: (_text if k in ("column", "expression") else _opt_text)(r, v, f"{path}.{k}")
              for k, v in m.items() if k not in ("order", "nulls", "statistics")}
    stats = _int(r, m["statistics"], f"{path}.statistics") if "statistics" in m else None
    order = _choice(("asc", "desc"))(r, m["order"], f"{path}.order") if "order" in m else "asc"
    nulls = _choice(("first", "last"))(r, m["nulls"], f"{path}.nulls") if "nulls" in m else None
    if _BAD in (*values.values(), order, nulls, stats):
        return _BAD
    return IndexKey(values[key], expression=key == "expression",
                    opclass=values.get("opclass"), collation=values.get("collation"),
                    descending=order == "desc",
                    nulls_first=None if nulls is None else nulls == "first",
                    statistics=stats)


def _read_references(r: _Reader, node: Node, path: str) -> Any:
    kwargs = r.build(node, path, (_F("table", _text), _F("columns", _names),
                                  _F("schema", _opt_text)), required=("table", "columns"))
    return _BAD if kwargs is None else kwargs


def _fk_after(kwargs: dict[str, Any], node: Node | None) -> None:
    ref = kwargs.pop("references")
    kwargs.update(ref_table=ref["table"], ref_columns=ref["columns"],
                  ref_schema=ref.get("schema"))


def _column_after(kwargs: dict[str, Any], node: Node | None) -> None:
    # PostgreSQL makes identity columns NOT NULL; the file need not repeat it
    if "nullable" not in kwargs and kwargs.get("identity"):
        kwargs["nullable"] = False


def _read_owned_by(r: _Reader, node: Node, path: str) -> Any:
    if isinstance(node, MappingNode):
        kw = r.build(node, path, (_F("table", _text), _F("column", _text)),
                     required=("table", "column"))
        return _BAD if kw is None else (kw["table"], kw["column"])
    names = _names(r, node, path)
    if names is not _BAD and len(names) != 2:
        return r.problem(path, node, "owned_by needs a table and a column",
                         "write owned_by: [orders, id]")
    return names


def _read_comment_map(r: _Reader, node: Node, path: str) -> Any:
    """``{column: comment}`` in order, as (column, comment) pairs."""
    if not isinstance(node, MappingNode):
        return r.problem(path, node, f"expected a mapping of column: comment, got "
                         f"{_kind(node)}", "write {day: The day of the readings}")
    pairs, seen = [], set()
    for knode, vnode in node.value:
        column, comment = _text(r, knode, path), _text(r, vnode, f"{path}.{knode.value}")
        if column in seen:
            r.problem(path, knode, f"column {column!r} appears twice", "keep one comment")
        seen.add(column)
        pairs.append((column, comment))
    return _BAD if _BAD in (c for pair in pairs for c in pair) else tuple(pairs)


def _read_settings(r: _Reader, node: Node, path: str) -> Any:
    """``{key: value}`` for the advisor's settings: scalars or lists of text."""
    if not isinstance(node, MappingNode):
        return r.problem(path, node, f"expected a mapping of setting: value, got {_kind(node)}",
                         "write {pk_max_columns: 4, fk_on_delete_policy: RESTRICT}")
    pairs = []
    for knode, vnode in node.value:
        key = _text(r, knode, path)
        if isinstance(vnode, SequenceNode):
            value = tuple(str(v.value) for v in vnode.value)
        else:
            value = yaml.safe_load(yaml.serialize(vnode))
            if not isinstance(value, (str, int, float, bool)):
                value = r.problem(f"{path}.{key}", vnode, "a setting must be text, a number, "
                                  "true/false or a list", "write e.g. `naming_pattern: "
                                  "'^[a-z][a-z0-9_]*$'`")
        pairs.append((key, value))
    return _BAD if any(v is _BAD for _, v in pairs) else tuple(pairs)


def _read_attribute(r: _Reader, node: Node, path: str) -> Any:
    kw = r.build(node, path, (_F("name", _text), _F("type", _text)), required=("name", "type"))
    return _BAD if kw is None else (kw["name"], kw["type"])


# =========================================================================== writing

class _FlowMap(dict):
    pass


class _FlowList(list):
    pass


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)  # indent list items under their key


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    if any(ch in data for ch in "\r\x85\u2028\u2029"):
        style = '"'  # YAML readers turn these into plain line breaks unless escaped
    elif "\n" in data:
        style = "|"  # the emitter falls back to quotes when a block cannot hold the text
    else:
        style = None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_FlowMap, lambda d, data: d.represent_mapping(
    "tag:yaml.org,2002:map", data.items(), flow_style=True))
_Dumper.add_representer(_FlowList, lambda d, data: d.represent_sequence(
    "tag:yaml.org,2002:seq", data, flow_style=True))


def _emit(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                     default_flow_style=False, width=1 << 20, indent=2)


def _compact(data: dict[str, Any]) -> dict[str, Any]:
    """One line when the object is short and has no multi-line text."""
    def single(v: Any) -> bool:
        if isinstance(v, str):
            return "\n" not in v
        if isinstance(v, dict):
            return all(single(x) for x in v.values())
        if isinstance(v, list):
            return all(single(x) for x in v)
        return True
    if single(data):
        flow = _FlowMap(data)
        if len(_emit(flow)) <= _FLOW_WIDTH:
            return flow
    return data


def _defaults(cls: type) -> dict[str, Any]:
    out = {}
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out


def _fields_out(obj: Any, fields: tuple[_F, ...], defaults: dict[str, Any] | None = None
                ) -> dict[str, Any]:
    defaults = _defaults(type(obj)) if defaults is None else defaults
    out: dict[str, Any] = {}
    for f in fields:
        attr = f.attr or f.key
        value = getattr(obj, attr)
        if attr in defaults and value == defaults[attr]:
            continue
        out[f.key] = f.write(value) if f.write else value
    return out


def _w_names(values: tuple[str, ...]) -> list[str]:
    return _FlowList(values)


def _w_type(text: str) -> str:
    try:
        return short_type(text)
    except (ValueError, TypeError):
        return text  # an unreadable type is written as it is, for the user to fix


def _w_items(write_one: Callable[[Any], Any]) -> Callable[[tuple], list]:
    return lambda values: [write_one(v) for v in values]


def _w_obj(fields: tuple[_F, ...], compact: bool = True,
           short: tuple[str, Callable[[Any], Any]] | None = None) -> Callable[[Any], Any]:
    """Writer for a model object; ``short=(attr, fn)``: when only ``attr`` differs from its
    default, write ``fn(value)`` instead of a mapping."""
    def write(obj: Any) -> Any:
        out = _fields_out(obj, fields)
        if short is not None and list(out) == [short[0]]:
            return short[1](getattr(obj, short[0]))
        return _compact(out) if compact else out
    return write


def _w_column(c: Column) -> Any:
    defaults = {**_defaults(Column), "nullable": c.identity is None}
    return _compact(_fields_out(c, _COLUMN, defaults))


def _w_index_key(k: IndexKey) -> Any:
    if not (k.expression or k.opclass or k.collation or k.descending or
            k.nulls_first is not None or k.statistics is not None):
        return k.column
    out: dict[str, Any] = {"expression" if k.expression else "column": k.column}
    if k.descending:
        out["order"] = "desc"
    if k.nulls_first is not None:
        out["nulls"] = "first" if k.nulls_first else "last"
    if k.opclass is not None:
        out["opclass"] = k.opclass
    if k.collation is not None:
        out["collation"] = k.collation
    if k.statistics is not None:
        out["statistics"] = k.statistics
    return _FlowMap(out)


def _w_fk(fk: ForeignKey) -> Any:
    ref: dict[str, Any] = {"table": fk.ref_table, "columns": _FlowList(fk.ref_columns)}
    if fk.ref_schema is not None:
        ref["schema"] = fk.ref_schema
    out = {"columns": _FlowList(fk.columns), "references": _FlowMap(ref)}
    out.update(_fields_out(fk, _FK[2:]))
    return _compact(out)


def dump_design(design: Design) -> str:
    """The design as YAML text: stable order, defaults left out, diff-friendly."""
    out = _fields_out(design, _DESIGN)
    return _emit(out)


_LAST_SEEN = object()  # save_design's default: compare with what load_design read


def save_design(design: Design, path: str | os.PathLike[str], *, overwrite: bool = False,
                expected: Fingerprint | object | None = _LAST_SEEN) -> Path:
    """Validate ``design`` and write it to ``path`` atomically (temp file in the same
    directory, fsync, rename; a symlink is written through). On any problem nothing is
    written and an existing file stays byte-for-byte as it was. Returns the path written.

    Concurrent edits are refused, not lost: when this process loaded (or saved) ``path``
    before, the file must still hold what it held then, checked under a lock that serialises
    the kit's writers; otherwise :class:`~pgarch_kit.errors.ConcurrentEditError` says how to
    reload. ``expected`` gives that fingerprint explicitly (``None``: the file must not exist;
    the studio keeps its own); ``overwrite=True`` replaces whatever is there."""
    target = Path(path)
    problems = validate(design)
    if problems:
        raise DesignError(problems, source=f"design {design.name!r} (not saved to {target})")
    text = dump_design(design)
    try:
        faithful = loads_design(text, source=str(target), check=False) == design
    except DesignFileError:
        faithful = False
    if not faithful:  # a writer bug must never silently change a design on disk
        raise DesignError([Problem("design", "the design cannot be written faithfully to YAML",
                                   "report this as a bug in pgarch_kit.model.serde")],
                          source=f"design {design.name!r} (not saved to {target})")
    key = os.path.realpath(target)
    want = ANY if overwrite else _SEEN.get(key, ANY) if expected is _LAST_SEEN else expected
    fix = (f"reload it (load_design({str(target)!r}), or reopen the studio), redo your change "
           f"and save again; or replace the other change with save_design(design, "
           f"{str(target)!r}, overwrite=True)")
    written = atomic_write_text(target, text, expected=want, conflict_fix=fix)
    if expected is _LAST_SEEN:
        _SEEN[key] = Fingerprint.of(text.encode("utf-8"))
    return written


# =========================================================================== field tables

def _upper(s: str) -> str:
    return s.upper()


_IDENTITY = _choice(("always", "by default"))
_IDENTITY_OPTIONS = (
    _F("sequence", _opt_text), _F("start", _int), _F("increment", _int),
    _F("min_value", _int), _F("max_value", _int), _F("cache", _int), _F("cycle", _bool),
    _F("comment", _opt_text))
_COLUMN = (
    _F("name", _text), _F("type", _text, _w_type), _F("nullable", _bool),
    _F("default", _opt_text), _F("identity", _IDENTITY),
    _F("identity_options", _obj(IdentityOptions, _IDENTITY_OPTIONS, ()),
       _w_obj(_IDENTITY_OPTIONS)),
    _F("generated", _opt_text),
    _F("generated_kind", _choice(("stored", "virtual"))), _F("collation", _opt_text),
    _F("not_null_name", _opt_text), _F("not_null_no_inherit", _bool),
    _F("not_null_not_valid", _bool), _F("not_null_comment", _opt_text),
    _F("inherited", _bool),
    _F("storage", _choice(STORAGE_KINDS)), _F("compression", _choice(COMPRESSION_METHODS)),
    _F("statistics", _int), _F("options", _names, _w_names),
    _F("comment", _opt_text),
)
_PK = (_F("columns", _names, _w_names), _F("name", _opt_text), _F("include", _names, _w_names),
       _F("deferrable", _bool), _F("initially_deferred", _bool),
       _F("without_overlaps", _bool), _F("comment", _opt_text))
_UNIQUE = (_F("columns", _names, _w_names), _F("name", _opt_text),
           _F("nulls_not_distinct", _bool), _F("include", _names, _w_names),
           _F("deferrable", _bool), _F("initially_deferred", _bool),
           _F("without_overlaps", _bool), _F("comment", _opt_text))
_CHECK = (_F("name", _opt_text), _F("expression", _text), _F("no_inherit", _bool),
          _F("not_valid", _bool), _F("enforced", _bool), _F("comment", _opt_text))
_FK_ACTION = _choice(FK_ACTIONS, _upper)
_FK = (_F("columns", _names, _w_names), _F("references", _read_references),
       _F("name", _opt_text), _F("on_delete", _FK_ACTION), _F("on_update", _FK_ACTION),
       _F("match", _choice(("SIMPLE", "FULL"), _upper)), _F("deferrable", _bool),
       _F("initially_deferred", _bool), _F("period", _bool), _F("not_valid", _bool),
       _F("enforced", _bool), _F("comment", _opt_text))
_EXCL_ELEMENT = (_F("expression", _text), _F("operator", _text), _F("opclass", _opt_text))
_EXCLUSION = (
    _F("elements", _items(_obj(ExclusionElement, _EXCL_ELEMENT, ("expression", "operator"))),
       _w_items(_w_obj(_EXCL_ELEMENT))),
    _F("name", _opt_text), _F("using", _lower_text), _F("include", _names, _w_names),
    _F("where", _opt_text), _F("deferrable", _bool), _F("initially_deferred", _bool),
    _F("comment", _opt_text))
_INDEX = (
    _F("name", _text), _F("keys", _items(_read_index_key), _w_items(_w_index_key)),
    _F("method", _lower_text), _F("unique", _bool), _F("nulls_not_distinct", _bool),
    _F("include", _names, _w_names), _F("where", _opt_text), _F("options", _names, _w_names),
    _F("comment", _opt_text))
_PARTITION_BY = (_F("strategy", _choice(("range", "list", "hash"))),
                 _F("keys", _names, _w_names))
_POLICY = (_F("name", _text),
           _F("command", _choice(("ALL", "SELECT", "INSERT", "UPDATE", "DELETE"), _upper)),
           _F("permissive", _bool), _F("roles", _names, _w_names), _F("using", _opt_text),
           _F("with_check", _opt_text), _F("comment", _opt_text))
_TABLE_REF = (_F("name", _text), _F("schema", _opt_text))


def _w_refs(refs: tuple[TableRef, ...]) -> list:
    """``[note, {name: t, schema: other}]``: one line when every parent is a bare name."""
    items = [_w_obj(_TABLE_REF, short=("name", str))(r) for r in refs]
    return _FlowList(items) if all(isinstance(i, str) for i in items) else items

_INTENT = (_F("rows", _int), _F("growth_per_month", _int), _F("soft_delete", _opt_text),
           _F("audit", _bool), _F("tenant_key", _opt_text), _F("retention_months", _int),
           _F("notes", _opt_text))
_TABLE = (
    _F("name", _text), _F("schema", _text), _F("comment", _opt_text),
    _F("inherits", _items(_obj(TableRef, _TABLE_REF, ("name",), _short(TableRef, "name",
                                                                       _text))),
       _w_refs),
    _F("columns", _items(_obj(Column, _COLUMN, ("name", "type"), after=_column_after),
                         named="", schema=False), _w_items(_w_column)),
    _F("primary_key", _obj(PrimaryKey, _PK, ("columns",), _short(PrimaryKey, "columns",
                                                                 _names)),
       _w_obj(_PK, short=("columns", _w_names))),
    _F("uniques", _items(_obj(Unique, _UNIQUE, ("columns",), _short(Unique, "columns",
                                                                    _names))),
       _w_items(_w_obj(_UNIQUE, short=("columns", _w_names)))),
    _F("checks", _items(_obj(Check, _CHECK, ("expression",), _short(Check, "expression",
                                                                    _text))),
       _w_items(_w_obj(_CHECK, short=("expression", str)))),
    _F("foreign_keys", _items(_obj(ForeignKey, _FK, ("columns", "references"),
                                   after=_fk_after)), _w_items(_w_fk)),
    _F("exclusions", _items(_obj(Exclusion, _EXCLUSION, ("elements",))),
       _w_items(_w_obj(_EXCLUSION))),
    _F("indexes", _items(_obj(Index, _INDEX, ("name", "keys")), named="indexes",
                         schema=False), _w_items(_w_obj(_INDEX))),
    _F("partition_by", _obj(PartitionBy, _PARTITION_BY, ("strategy", "keys")),
       _w_obj(_PARTITION_BY)),
    _F("partition_of", _opt_text), _F("partition_of_schema", _opt_text),
    _F("partition_bound", _opt_text),
    _F("rls_enabled", _bool), _F("rls_forced", _bool),
    _F("policies", _items(_obj(Policy, _POLICY), named="policies", schema=False),
       _w_items(_w_obj(_POLICY))),
    _F("unlogged", _bool), _F("options", _names, _w_names),
    _F("intent", _obj(TableIntent, _INTENT, ()), _w_obj(_INTENT)),
)
_ENUM = (_F("name", _text), _F("schema", _text), _F("values", _names, _w_names),
         _F("comment", _opt_text))
_DOMAIN_CHECK = (_F("name", _opt_text), _F("expression", _text), _F("not_valid", _bool),
                 _F("comment", _opt_text))
_DOMAIN = (
    _F("name", _text), _F("schema", _text), _F("type", _text, _w_type),
    _F("not_null", _bool), _F("default", _opt_text),
    _F("checks", _items(_obj(DomainCheck, _DOMAIN_CHECK, ("expression",),
                             _short(DomainCheck, "expression", _text))),
       _w_items(_w_obj(_DOMAIN_CHECK, short=("expression", str)))),
    _F("collation", _opt_text), _F("comment", _opt_text))
_COMPOSITE = (
    _F("name", _text), _F("schema", _text),
    _F("attributes", _items(_read_attribute),
       _w_items(lambda a: _FlowMap(name=a[0], type=_w_type(a[1])))),
    _F("comment", _opt_text),
    _F("attribute_comments", _read_comment_map, lambda pairs: _compact(dict(pairs))))
_SEQUENCE = (
    _F("name", _text), _F("schema", _text), _F("data_type", _text, _w_type),
    _F("start", _int), _F("increment", _int), _F("min_value", _int), _F("max_value", _int),
    _F("cache", _int), _F("cycle", _bool), _F("owned_by", _read_owned_by, _w_names),
    _F("comment", _opt_text))
_EXTENSION = (_F("name", _text), _F("schema", _opt_text), _F("comment", _opt_text))
_SCHEMA = (_F("name", _text), _F("comment", _opt_text))
_VIEW = (
    _F("name", _text), _F("schema", _text), _F("materialized", _bool),
    _F("check_option", _choice(("local", "cascaded"))), _F("options", _names, _w_names),
    _F("comment", _opt_text),
    _F("column_comments", _read_comment_map, lambda pairs: _compact(dict(pairs))),
    _F("query", _text),
    _F("indexes", _items(_obj(Index, _INDEX, ("name", "keys")), named="indexes",
                         schema=False), _w_items(_w_obj(_INDEX))))
_ROUTINE = (
    _F("name", _text), _F("schema", _text),
    _F("kind", _choice(("function", "procedure", "aggregate"))), _F("signature", _text),
    _F("comment", _opt_text), _F("definition", _text))
_TRIGGER = (
    _F("name", _text), _F("schema", _text), _F("table", _text),
    _F("enabled", _choice(("O", "D", "R", "A"), _upper)), _F("comment", _opt_text),
    _F("definition", _text))
# --------------------------------------------------------------------------- more kinds

def _read_pairs(r: _Reader, node: Node, path: str) -> Any:
    """``{name: value}`` in order (text search dictionary options), as pairs."""
    if not isinstance(node, MappingNode):
        return r.problem(path, node, f"expected a mapping of option: value, got {_kind(node)}",
                         "write {language: english, stopwords: english}")
    pairs = []
    for knode, vnode in node.value:
        key, value = _text(r, knode, path), _text(r, vnode, f"{path}.{knode.value}")
        pairs.append((key, value))
    return _BAD if _BAD in (v for pair in pairs for v in pair) else tuple(pairs)


def _read_mappings(r: _Reader, node: Node, path: str) -> Any:
    """``{token_type: [dictionary, ...]}`` of a text search configuration."""
    if not isinstance(node, MappingNode):
        return r.problem(path, node, f"expected a mapping of token type: [dictionaries], got "
                         f"{_kind(node)}", "write {asciiword: [english_stem], word: [simple]}")
    out = []
    for knode, vnode in node.value:
        token = _text(r, knode, path)
        dicts = _names(r, vnode, f"{path}.{knode.value}")
        if dicts is not _BAD and not dicts:
            dicts = r.problem(f"{path}.{knode.value}", vnode, "a mapping needs at least one "
                              "dictionary", "write e.g. [simple]")
        out.append((token, dicts))
    return _BAD if any(_BAD in pair for pair in out) else tuple(out)


_COLLATION = (
    _F("name", _text), _F("schema", _text), _F("provider", _choice(COLLATION_PROVIDERS)),
    _F("locale", _opt_text), _F("lc_collate", _opt_text), _F("lc_ctype", _opt_text),
    _F("deterministic", _bool), _F("rules", _opt_text), _F("comment", _opt_text))
_RANGE = (
    _F("name", _text), _F("schema", _text), _F("subtype", _text, _w_type),
    _F("subtype_opclass", _opt_text), _F("collation", _opt_text), _F("canonical", _opt_text),
    _F("subtype_diff", _opt_text), _F("multirange", _opt_text), _F("comment", _opt_text))
_TS_DICTIONARY = (
    _F("name", _text), _F("schema", _text), _F("template", _text),
    _F("options", _read_pairs, lambda pairs: _FlowMap(dict(pairs))), _F("comment", _opt_text))
_TS_CONFIGURATION = (
    _F("name", _text), _F("schema", _text), _F("parser", _text), _F("comment", _opt_text),
    _F("mappings", _read_mappings, lambda pairs: {t: _FlowList(d) for t, d in pairs}))
_CAST = (
    _F("source", _text, _w_type), _F("target", _text, _w_type),
    _F("method", _choice(CAST_METHODS)), _F("function", _opt_text),
    _F("signature", _opt_text), _F("context", _choice(CAST_CONTEXTS)),
    _F("comment", _opt_text))
_RULE = (
    _F("name", _text), _F("schema", _text), _F("table", _text),
    _F("enabled", _choice(("O", "D", "R", "A"), _upper)), _F("comment", _opt_text),
    _F("definition", _text))
_GRANT = (
    _F("kind", _choice(GRANT_KINDS)), _F("schema", _text), _F("name", _text),
    _F("signature", _opt_text), _F("column", _opt_text), _F("grantee", _text),
    _F("privileges", _names, _w_names), _F("grant_option", _bool), _F("revoke", _bool))
_DEFAULT_PRIVILEGE = (
    _F("role", _opt_text), _F("schema", _opt_text),
    _F("objects", _choice(tuple(DEFAULT_PRIVILEGE_OBJECTS))), _F("grantee", _text),
    _F("privileges", _names, _w_names), _F("grant_option", _bool), _F("revoke", _bool))
_OWNER = (
    _F("kind", _choice(OWNER_KINDS)), _F("schema", _text), _F("name", _text),
    _F("signature", _opt_text), _F("role", _text))


def _listed(cls: type, fields: tuple[_F, ...], key: str, required: tuple[str, ...]) -> _F:
    """A list of objects without names of their own, addressed as ``key[i]``."""
    return _F(key, _items(_obj(cls, fields, required)), _w_items(_w_obj(fields)))



def _read_value_lists(r: _Reader, node: Node, path: str) -> Any:
    """``{table.column: [value, ...]}``."""
    if not isinstance(node, MappingNode):
        return r.problem(path, node, f"expected a mapping of table.column: [values], got "
                         f"{_kind(node)}", "write {customers.country: [DE, FR, NL]}")
    out = []
    for knode, vnode in node.value:
        key = _text(r, knode, path)
        if not isinstance(vnode, SequenceNode) or not vnode.value:
            return r.problem(f"{path}.{key}", vnode, "expected a non-empty list of values",
                             "write e.g. [paid, shipped]")
        out.append((key, tuple(str(v.value) for v in vnode.value)))
    return tuple(out)


def _read_scalar_map(kind: type) -> Callable:
    def read(r: _Reader, node: Node, path: str) -> Any:
        if not isinstance(node, MappingNode):
            return r.problem(path, node, f"expected a mapping of table.column: value, got "
                             f"{_kind(node)}", "write {addresses.line2: 0.7}")
        out = []
        for knode, vnode in node.value:
            key = _text(r, knode, path)
            try:
                out.append((key, kind(vnode.value)))
            except (TypeError, ValueError):
                return r.problem(f"{path}.{key}", vnode, f"expected a {kind.__name__}",
                                 "write e.g. 0.25 (null ratio) or 'zipf 1.2' (fan-out)")
        return tuple(out)
    return read


def _read_text_map(example: str) -> Callable:
    def read(r: _Reader, node: Node, path: str) -> Any:
        """``{key: text}`` (e.g. ``customers.email: contact``)."""
        if not isinstance(node, MappingNode):
            return r.problem(path, node, f"expected a mapping, got {_kind(node)}",
                             f"write e.g. {example}")
        pairs = []
        for knode, vnode in node.value:
            key = _text(r, knode, path)
            if not isinstance(vnode, ScalarNode) or not str(vnode.value).strip():
                return r.problem(f"{path}.{key}", vnode, "expected a word", f"write e.g. {example}")
            pairs.append((key, str(vnode.value).strip()))
        return tuple(pairs)
    return read


_PRIVACY = (
    _F("subject", _opt_text),
    _F("personal", _read_text_map("{customers.email: contact}"), lambda pairs: dict(pairs)),
    _F("not_personal", _names, _w_names),
    _F("erase", _read_text_map("{orders: keep, addresses: delete}"),
       lambda pairs: dict(pairs)))
_GENERATE = (
    _F("values", _read_value_lists, lambda pairs: {k: list(v) for k, v in pairs}),
    _F("null_ratios", _read_scalar_map(float), dict),
    _F("fanout", _read_scalar_map(str), dict))
_SUPPRESSION = (_F("rule", _text), _F("table", _opt_text), _F("column", _opt_text),
                _F("reason", _text))
_LINT = (
    _F("select", _names, _w_names), _F("ignore", _names, _w_names),
    _F("settings", _read_settings,
       lambda pairs: {k: (list(v) if isinstance(v, tuple) else v) for k, v in pairs}),
    _F("suppress", _items(_obj(Suppression, _SUPPRESSION, ("rule",))),
       _w_items(_w_obj(_SUPPRESSION))))
def _read_param_sources(r: _Reader, node: Node, path: str) -> Any:
    """``{param: table.column | [value, ...]}``: where a benchmark draws each parameter."""
    if not isinstance(node, MappingNode):
        return r.problem(path, node, f"expected a mapping of param: table.column, got "
                         f"{_kind(node)}", "write {customer_id: orders.customer_id, n: [20]}")
    pairs: list[tuple[str, Any]] = []
    for knode, vnode in node.value:
        key = _text(r, knode, path)
        if isinstance(vnode, SequenceNode) and vnode.value:
            pairs.append((key, tuple(str(v.value) for v in vnode.value)))
        elif isinstance(vnode, ScalarNode) and str(vnode.value).strip():
            pairs.append((key, str(vnode.value).strip()))
        else:
            return r.problem(f"{path}.{key}", vnode, "expected table.column or a non-empty "
                             "list of values", "write e.g. orders.customer_id or [10, 20]")
    return tuple(pairs)


def _w_param_sources(pairs: tuple) -> dict:
    return _FlowMap({k: (_FlowList(list(v)) if isinstance(v, tuple) else v) for k, v in pairs})


_QUERY = (_F("name", _text), _F("per_second", _number), _F("params", _names, _w_names),
          _F("critical", _bool), _F("param_sources", _read_param_sources, _w_param_sources),
          _F("skew", _opt_text), _F("sql", _text))


def _named_list(cls: type, fields: tuple[_F, ...], prefix: str,
                required: tuple[str, ...] = ("name",), shorthand: Callable | None = None,
                compact: bool = True, short: tuple[str, Callable] | None = None) -> _F:
    def write(values: tuple) -> list:
        items = [_w_obj(fields, compact, short)(v) for v in values]
        return _FlowList(items) if all(isinstance(i, str) for i in items) else items
    return _F(prefix, _items(_obj(cls, fields, required, shorthand), named=prefix), write)


# What an import read from a live database (pgarch_kit.model.source): one compact line a table.
_SOURCE_TABLE = (_F("table", _text), _F("schema", _text), _F("rows", _int),
                 _F("rows_method", _choice(("count", "estimate"))), _F("bytes", _int))
_SOURCE = (_F("database", _text), _F("server_version", _opt_text), _F("read_at", _opt_text),
           _F("queries", _opt_text),
           _F("tables", _items(_obj(SourceTable, _SOURCE_TABLE, ("table",))),
              _w_items(_w_obj(_SOURCE_TABLE))))

_DESIGN = (
    _F("name", _text), _F("description", _opt_text),
    _named_list(Schema, _SCHEMA, "schemas", shorthand=_short(Schema, "name", _text),
                short=("name", str)),
    _named_list(Extension, _EXTENSION, "extensions",
                shorthand=_short(Extension, "name", _text), short=("name", str)),
    _F("roles", _names, _w_names),
    _named_list(EnumType, _ENUM, "enums", ("name", "values")),
    _named_list(Domain, _DOMAIN, "domains", ("name", "type")),
    _named_list(CompositeType, _COMPOSITE, "composites", ("name", "attributes")),
    _named_list(Collation, _COLLATION, "collations"),
    _named_list(RangeType, _RANGE, "ranges", ("name", "subtype")),
    _named_list(Sequence, _SEQUENCE, "sequences"),
    _named_list(TextSearchDictionary, _TS_DICTIONARY, "text_search_dictionaries",
                ("name", "template")),
    _named_list(TextSearchConfiguration, _TS_CONFIGURATION, "text_search_configurations",
                compact=False),
    _F("tables", _items(_obj(Table, _TABLE), named=""), _w_items(_w_obj(_TABLE, False))),
    _named_list(View, _VIEW, "views", ("name", "query"), compact=False),
    _named_list(Routine, _ROUTINE, "routines", ("name", "signature", "definition"),
                compact=False),
    _named_list(Trigger, _TRIGGER, "triggers", ("name", "table", "definition"),
                compact=False),
    _listed(Cast, _CAST, "casts", ("source", "target")),
    _named_list(Rule, _RULE, "rules", ("name", "table", "definition"), compact=False),
    _listed(Grant, _GRANT, "grants", ("kind", "name", "grantee", "privileges")),
    _listed(DefaultPrivilege, _DEFAULT_PRIVILEGE, "default_privileges",
            ("objects", "grantee", "privileges")),
    _listed(Owner, _OWNER, "owners", ("kind", "name", "role")),
    _named_list(QueryPattern, _QUERY, "queries", ("name", "sql"), compact=False),
    _F("lint", _obj(LintConfig, _LINT, ()), _w_obj(_LINT, False)),
    _F("generate", _obj(DataSpec, _GENERATE, ()), _w_obj(_GENERATE, False)),
    _F("privacy", _obj(PrivacySpec, _PRIVACY, ()), _w_obj(_PRIVACY, False)),
    _F("source", _obj(SourceFacts, _SOURCE, ("database",)), _w_obj(_SOURCE, False)),
)
