"""The notebook-facing API: every public name resolves, stays what it is after the
subpackages are imported (a subpackage import must not shadow a facade function), and
``import pgarch_kit`` stays light."""
from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import types

import pgarch_kit as pk


def test_every_public_name_resolves_even_after_all_subpackages_load() -> None:
    for mod in pkgutil.walk_packages(pk.__path__, "pgarch_kit."):
        if not mod.name.endswith("cli"):
            importlib.import_module(mod.name)
    for name in pk.__all__:
        value = getattr(pk, name)
        if name in pk._LAZY_MODULES:
            assert isinstance(value, types.ModuleType)
        else:
            assert not isinstance(value, types.ModuleType), f"pk.{name} is shadowed by a module"


def test_import_is_light() -> None:
    code = ("import sys, pgarch_kit; heavy = [m for m in ('psycopg', 'pandas', 'sqlalchemy', "
            "'ipywidgets', 'nbconvert', 'yaml') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]"
