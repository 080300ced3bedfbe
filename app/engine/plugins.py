"""Registries fill themselves: every module of a package is imported once, when first needed.

Providers, on-screen elements and background kinds each live in one module that
registers itself; adding one is adding a file. A registry calls its loader before it
answers, so the list of names always comes from the modules actually there.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading
from collections.abc import Collection, Iterable


class Submodules:
    """Imports every submodule of a package the first time it is called (thread-safe)."""

    def __init__(self, package: str, path: Iterable[str], skip: Collection[str] = ()) -> None:
        self.package = package
        self.path = list(path)
        self.skip = frozenset(skip)
        self._done = False
        self._lock = threading.Lock()

    def __call__(self) -> None:
        if self._done:
            return
        with self._lock:
            if self._done:
                return
            for info in pkgutil.iter_modules(self.path):
                if info.name not in self.skip and not info.name.startswith("_"):
                    importlib.import_module(f"{self.package}.{info.name}")
            self._done = True


__all__ = ["Submodules"]
