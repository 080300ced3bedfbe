"""Which fake answers for which provider, found from the fakes themselves.

Each fake names the provider it stands in for (``serves``), the way each provider names
itself in its registry; a test that walks a registry asks :func:`fake_for` and fails
loudly for a provider nobody has faked yet.
"""

from __future__ import annotations

import importlib
import pkgutil

import tests.fakes
from tests.fakes.server import FakeServer


def _subclasses(cls: type[FakeServer]) -> list[type[FakeServer]]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def fakes() -> dict[str, type[FakeServer]]:
    """Every fake under ``tests/fakes`` by the provider it serves."""
    for module in pkgutil.iter_modules(tests.fakes.__path__):
        importlib.import_module(f"tests.fakes.{module.name}")
    return {cls.serves: cls for cls in _subclasses(FakeServer) if cls.serves}


def fake_for(provider: str) -> type[FakeServer]:
    """The fake for ``provider``; a clear failure when there is none."""
    found = fakes().get(provider)
    if found is None:
        raise LookupError(
            f"no fake serves provider {provider!r}: add one under tests/fakes with serves = {provider!r}"
        )
    return found
