"""Transitions: how a clip enters over what its track showed before, one module each.

A transition is a pure function ``(before, picture, p, n) -> picture``: the previous
clip's last picture and the incoming one (premultiplied RGBA, same shape), how far the
transition is (0 < p <= 1) and the timeline frame (the seed of anything random, so a
scrubbed frame is always the same frame). Each module registers one under its name; the
timeline checks a clip's transition against these names and the compositor draws with
them, so adding a transition is adding one module (or naming one in ``CASTLINE_PLUGINS``).

They live here, below the timeline, so the timeline model can check names without
reaching up to the renderer.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from app.engine.plugins import Registry, Submodules

Draw = Callable[[np.ndarray, np.ndarray, float, int], np.ndarray]
"""``(before, picture, p, n) -> picture``; must not modify its inputs."""

_REGISTRY = Registry[Draw](Submodules(__name__, __path__))
"""Filled by every transition module here (and any named in ``CASTLINE_PLUGINS``)."""


def register(name: str) -> Callable[[Draw], Draw]:
    """Decorator: the function that draws the transition called ``name``."""
    if not name or name != name.strip():
        raise ValueError(f"a transition needs a name, not {name!r}")

    def add(draw: Draw) -> Draw:
        return _REGISTRY.add(name, draw)

    return add


def unregister(name: str) -> None:
    """Forget a transition (a plugin taken away)."""
    _REGISTRY.remove(name)


def transition_names() -> list[str]:
    """Every registered transition's name, sorted."""
    return sorted(_REGISTRY.all())


def transition(name: str) -> Draw:
    """The function that draws ``name``; ``KeyError`` naming the choices when none does."""
    found = _REGISTRY.get(name)
    if found is None:
        raise KeyError(f"unknown transition {name!r}; use {', '.join(transition_names())}")
    return found


def mix(a: np.ndarray, b: np.ndarray, p: float) -> np.ndarray:
    """Crossfade from ``a`` to ``b`` (same shape) by ``p`` in [0, 1]."""
    return cv2.addWeighted(a, 1.0 - p, b, p, 0.0)


__all__ = ["Draw", "mix", "register", "transition", "transition_names", "unregister"]
