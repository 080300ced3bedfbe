"""Registries fill themselves: every module of a package is imported once, when first needed.

Providers, on-screen elements and background kinds each live in one module that
registers itself; adding one is adding a file. A registry calls its loader before it
answers, so the list of names always comes from the modules actually there.

Modules outside the package join the same way: ``CASTLINE_PLUGINS`` names importable
modules (comma-separated), and every loader imports them after its own package, so a
provider kept in a file of one's own registers itself exactly as a built-in one does.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import threading
from collections.abc import Collection, Iterable

PLUGINS_ENV = "CASTLINE_PLUGINS"


def plugin_modules() -> list[str]:
    """The modules named in ``CASTLINE_PLUGINS``, in order."""
    return [m.strip() for m in os.environ.get(PLUGINS_ENV, "").split(",") if m.strip()]


def load_plugins() -> None:
    """Import every module named in ``CASTLINE_PLUGINS`` (once each; read each time, so a
    plugin named later still joins)."""
    for name in plugin_modules():
        importlib.import_module(name)


class Submodules:
    """Imports every submodule of a package the first time it is called (thread-safe)."""

    def __init__(self, package: str, path: Iterable[str], skip: Collection[str] = ()) -> None:
        self.package = package
        self.path = list(path)
        self.skip = frozenset(skip)
        self._done = False
        self._lock = threading.Lock()

    def __call__(self) -> None:
        if not self._done:
            with self._lock:
                if not self._done:
                    for info in pkgutil.iter_modules(self.path):
                        if info.name not in self.skip and not info.name.startswith("_"):
                            importlib.import_module(f"{self.package}.{info.name}")
                    self._done = True
        load_plugins()


__all__ = ["PLUGINS_ENV", "Submodules", "load_plugins", "plugin_modules"]
