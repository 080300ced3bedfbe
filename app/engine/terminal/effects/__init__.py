"""Frame effects, composable in order on any terminal or code view: one module each.

Each effect is a pure function of (frame, ms): randomness comes from generators seeded
by the effect's seed and the time, so a scrubbed frame is always the same frame.

Every effect module registers a factory under the name scripts write in a block's
``effects=`` option (``glitch:0.9``); the option parser and the studio's terminal panel
read the names from here, so adding an effect is adding one module (or naming one in
``CASTLINE_PLUGINS``) that calls :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from app.engine.model import Diagnostic, Severity
from app.engine.plugins import Registry, Submodules


class Effect(Protocol):
    def apply(self, frame: np.ndarray, ms: int) -> np.ndarray: ...


EffectFactory = Callable[[float | None, int], Effect]
"""Builds an effect from the number after its colon (None when absent) and the block's seed."""


@dataclass(frozen=True)
class EffectSpec:
    """One effect as the registry knows it."""

    name: str
    build: EffectFactory
    rank: int = 100
    """Where the effect is listed, lowest first; ties (plugins) by name."""


def seeded_rng(*parts: int) -> np.random.Generator:
    """A generator seeded by integers (seed, purpose, time step): the same frame, the same draw."""
    return np.random.default_rng([abs(int(p)) for p in parts])


_REGISTRY = Registry[EffectSpec](Submodules(__name__, __path__))
"""Filled by every effect module here (and any named in ``CASTLINE_PLUGINS``)."""


def register(name: str, *, rank: int = 100) -> Callable[[EffectFactory], EffectFactory]:
    """Decorator: the factory that builds the effect written ``name`` (lower case)."""
    if not name or name != name.lower() or any(c in name for c in ",:+ "):
        raise ValueError(f"an effect needs a lower-case name without ',:+ ', not {name!r}")

    def add(build: EffectFactory) -> EffectFactory:
        _REGISTRY.add(name, EffectSpec(name, build, rank))
        return build

    return add


def unregister(name: str) -> None:
    """Forget an effect (a plugin taken away)."""
    _REGISTRY.remove(name)


def effect_specs() -> dict[str, EffectSpec]:
    """Every registered effect, in listing order."""
    found = sorted(_REGISTRY.all().values(), key=lambda s: (s.rank, s.name))
    return {s.name: s for s in found}


def effect_names() -> list[str]:
    """The names a block's ``effects=`` option accepts, in listing order."""
    return list(effect_specs())


def parse_effects(
    spec: str | None, *, seed: int = 0, line: int = 1
) -> tuple[list[Effect], list[Diagnostic]]:
    """``glitch,scanlines,crt`` (optionally ``glitch:0.9``) to effects, in the written order."""
    effects: list[Effect] = []
    diags: list[Diagnostic] = []
    known = effect_specs()
    for raw in (spec or "").replace("+", ",").split(","):
        item = raw.strip().lower()
        if not item:
            continue
        name, _, arg = item.partition(":")
        try:
            val = float(arg) if arg else None
        except ValueError:
            diags.append(
                Diagnostic(
                    line=line,
                    severity=Severity.WARNING,
                    message=f"effect {item!r}: {arg!r} is not a number",
                )
            )
            val = None
        found = known.get(name)
        if found is None:
            diags.append(
                Diagnostic(
                    line=line,
                    severity=Severity.WARNING,
                    message=f"unknown effect {name!r}; use {', '.join(known)}",
                )
            )
            continue
        effects.append(found.build(val, seed))
    return effects, diags


__all__ = [
    "Effect",
    "EffectFactory",
    "EffectSpec",
    "effect_names",
    "effect_specs",
    "parse_effects",
    "register",
    "seeded_rng",
    "unregister",
]
