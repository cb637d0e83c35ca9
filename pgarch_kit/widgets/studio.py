"""The design studio: forms that edit a design file, and live panels that show it.

:func:`studio` opens (or starts) a design file. Every change is one call of an edit function
(:mod:`pgarch_kit.model.edit`) through :meth:`Studio.apply`, which

1. runs the edit on the current design; an :class:`EditError` is shown inline;
2. validates the result and refuses it when it has problems the current design did not have
   (a half-made change never becomes the design, so the file on disk is always valid);
3. otherwise pushes the current design on the undo stack, makes the result current, saves it
   atomically with :func:`save_design` and recomputes the panels once.

A refused change leaves the design, the history and the file exactly as they were.

The studio remembers what the file held when it opened it (and after each of its saves). If
someone else saved the file since — another studio, the CLI, an editor — the save is refused
and the status line says so; the change stays in the studio, and :meth:`Studio.reload` (take
the file's version; Undo returns to yours) or :meth:`Studio.save` with ``overwrite=True``
settles it. Nothing is lost silently.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ipywidgets as w

from .._fileio import Fingerprint, fingerprint
from ..errors import ConcurrentEditError, PgArchError, Problem
from ..model.design import Design
from ..model.edit import EditError
from ..model.serde import dump_design, load_design, loaded_fingerprint, save_design
from ..model.validate import validate
from .forms import EnumForm, IndexForm, IntentForm, RelationshipForm
from .panels import FindingSource, Panels, advisor_findings
from .table_form import TableForm

__all__ = ["Studio", "studio"]


def studio(path: str | os.PathLike[str], *, design: Design | None = None) -> Studio:
    """A studio on the design file ``path``: an existing file is loaded; otherwise (or when
    ``design`` is given, which wins over the file) editing starts from ``design`` or from an
    empty design named after the file's stem. Nothing is written until the first change.

    A file that cannot be read (YAML or field errors) raises :class:`DesignFileError`; a
    file that reads but does not validate opens with its problems listed under Findings, and
    is saved again only once they are fixed."""
    p = Path(path)
    if design is None and p.exists():
        return Studio(p, load_design(p, check=False), disk=loaded_fingerprint(p))
    return Studio(p, design if design is not None else Design(p.stem or "design"))


class Studio:
    """The studio: ``value`` is the current design, ``undo()`` goes back one change."""

    def __init__(self, path: str | os.PathLike[str], design: Design, *,
                 disk: Fingerprint | object | None = ...) -> None:
        self.path = Path(path)
        # what the file held when the studio took it (None: absent); saves expect to find it
        self._disk = fingerprint(self.path) if disk is ... else disk
        self._value = design
        self._problems: list[Problem] = validate(design)
        self.history: list[Design] = []
        self.error: str | None = None
        self.finding_sources: list[FindingSource] = [self._validation, advisor_findings]
        self.panels = Panels()
        self.tables = TableForm(self)
        self.relationships = RelationshipForm(self)
        self.indexes = IndexForm(self)
        self.enums = EnumForm(self)
        self.intents = IntentForm(self)
        self.undo_button = w.Button(description="Undo", icon="undo", disabled=True)
        self.undo_button.on_click(lambda _: self.undo())
        forms = w.Tab(children=[f.box for f in self._forms()])
        for i, title in enumerate(("Tables", "Relationships", "Indexes", "Enums", "Intents")):
            forms.set_title(i, title)
        self.widget = w.VBox([
            w.HBox([w.HTML(f"<b>Design studio</b> — {self.path}"), self.undo_button,
                    self.panels.status]),
            self.panels.error, forms, self.panels.box])
        self._sync_forms()
        self.refresh()
        if self._problems:
            self.panels.show_status("the design has problems: it is saved again once they "
                                    "are fixed (see Findings)")

    # ------------------------------------------------------------------ state
    @property
    def value(self) -> Design:
        return self._value

    @property
    def dot(self) -> str | None:
        """The last DOT text of the diagram (``None`` when pgarch_kit.diagram is missing)."""
        return self.panels.dot

    @property
    def ddl(self) -> str:
        return self.panels.ddl

    @property
    def findings(self) -> list[Any]:
        return self.panels.findings

    def _forms(self) -> list[Any]:
        return [self.tables, self.relationships, self.indexes, self.enums, self.intents]

    def _validation(self, design: Design) -> list[Problem]:
        """The default finding source: validation problems (cached for the current design,
        so a refresh does not validate twice)."""
        return list(self._problems) if design is self._value else validate(design)

    # ------------------------------------------------------------------ changing
    def apply(self, edit: Callable[..., Design], *args: Any, **kwargs: Any) -> bool:
        """Run ``edit(self.value, *args, **kwargs)`` and keep the result when it is valid;
        otherwise show why inline and keep the current design. Returns whether it applied."""
        try:
            new = edit(self._value, *args, **kwargs)
        except (EditError, PgArchError, ValueError) as exc:
            return self.fail(str(exc))
        return self.change(new)

    def change(self, new: Design) -> bool:
        """Make ``new`` the current design if it adds no validation problem."""
        if new == self._value:  # nothing to change (e.g. Apply on an unedited grid)
            self.error = None
            self.panels.show_error(None)
            return True
        problems = validate(new)
        known = set(self._problems)
        fresh = [p for p in problems if p not in known]
        if fresh:
            return self.fail("the change would make the design invalid", fresh)
        self.history.append(self._value)
        self._set(new, problems)
        return True

    def undo(self) -> bool:
        """Go back to the design before the last change (and save it)."""
        if not self.history:
            return self.fail("nothing to undo")
        previous = self.history.pop()
        self._set(previous, validate(previous))
        return True

    def fail(self, message: str, problems: list[Problem] | tuple = ()) -> bool:
        """Show an inline error; the design is not changed."""
        self.error = message
        self.panels.show_error(message, problems)
        return False

    def _set(self, design: Design, problems: list[Problem]) -> None:
        self._value, self._problems = design, problems
        self.error = None
        self.panels.show_error(None)
        self._save()
        self.undo_button.disabled = not self.history
        self._sync_forms()
        self.refresh()

    def save(self, *, overwrite: bool = False) -> bool:
        """Save the current design; ``overwrite=True`` replaces the file even when someone
        else changed it since the studio read it. Returns whether it was saved."""
        if self._problems:  # only a design with problems it was opened with; keep the file
            self.panels.show_status("not saved: the design still has problems (see Findings)")
            return False
        try:
            save_design(self._value, self.path, overwrite=overwrite, expected=self._disk)
        except ConcurrentEditError:
            self.panels.show_status(
                f"not saved: {self.path} changed on disk since this studio read it (another "
                "studio, the CLI or an editor saved it). Your change is kept here: call "
                ".reload() to take the file's version (Undo then returns to yours), or "
                ".save(overwrite=True) to replace the file with this design.")
            return False
        except (OSError, PgArchError) as exc:
            self.panels.show_status(f"not saved: {exc}")
            return False
        self._disk = Fingerprint.of(dump_design(self._value).encode("utf-8"))
        self.panels.show_status(f"saved to {self.path.name}")
        return True

    def reload(self) -> bool:
        """Take the design as it is on disk now (after another writer saved it); the current
        design goes on the undo stack, so Undo brings your version back."""
        try:
            design = load_design(self.path, check=False)
        except (OSError, PgArchError) as exc:
            return self.fail(f"cannot reload {self.path}: {exc}")
        self._disk = loaded_fingerprint(self.path)
        self.history.append(self._value)
        self._value, self._problems = design, validate(design)
        self.error = None
        self.panels.show_error(None)
        self.panels.show_status(f"reloaded {self.path.name}")
        self.undo_button.disabled = False
        self._sync_forms()
        self.refresh()
        return True

    def _save(self) -> None:
        self.save()

    def _sync_forms(self) -> None:
        for form in self._forms():
            form.sync(self._value)

    # ------------------------------------------------------------------ display
    def refresh(self) -> None:
        """Recompute the diagram, DDL and findings for the current design."""
        self.panels.show(self._value, self.finding_sources)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return (f"<Studio {self.path} design={self._value.name!r} "
                f"tables={len(self._value.tables)} history={len(self.history)}>")
