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
from collections.abc import Callable, Collection, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")

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


class Registry(Generic[T]):
    """Things registered by name (thread-safe); ``load`` runs before every answer, so what
    is listed is what the modules there (and the plugins) registered."""

    def __init__(self, load: Callable[[], None] = load_plugins) -> None:
        self._load = load
        self._items: dict[str, T] = {}
        self._lock = threading.Lock()

    def add(self, name: str, item: T) -> T:
        """Make ``item`` known as ``name`` (a later one of the same name replaces it)."""
        with self._lock:
            self._items[name] = item
        return item

    def remove(self, name: str) -> None:
        """Forget ``name`` (a plugin taken away)."""
        with self._lock:
            self._items.pop(name, None)

    def all(self) -> dict[str, T]:
        """Everything registered, in the order it registered."""
        self._load()
        with self._lock:
            return dict(self._items)

    def get(self, name: str) -> T | None:
        return self.all().get(name)


__all__ = ["PLUGINS_ENV", "Registry", "Submodules", "load_plugins", "plugin_modules"]
