"""How each kind of timeline source is opened as a :class:`FrameSource`: one module each.

Every module here registers an opener for the source kinds it draws (``image``,
``video``, ``title_card``...); :meth:`VisualService.open` looks the kind up instead of
asking what class a source is, and each frame source says for itself which frames look
alike (``state``), so adding a kind of visual source is adding one module (or naming one
in ``CASTLINE_PLUGINS``) that calls :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from app.engine.plugins import Registry, Submodules
from app.engine.visuals.base import FrameSource

if TYPE_CHECKING:
    from app.engine.visuals.service import VisualService


@dataclass(frozen=True)
class Opening:
    """What a source is opened with: the service (its stills and palette) and the size."""

    service: VisualService
    width: int
    height: int
    fps: Fraction
    opaque: bool = False
    """A full picture is wanted (the bottom of the background track)."""


Opener = Callable[[Any, Opening], FrameSource]
"""``(timeline source, opening) -> frame source``; raises ``VisualError`` with the fix."""

_REGISTRY = Registry[Opener](Submodules(__name__, __path__))
"""Filled by every source module here (and any named in ``CASTLINE_PLUGINS``)."""


def register(*kinds: str) -> Callable[[Opener], Opener]:
    """Decorator: the opener for timeline sources whose ``kind`` is one of ``kinds``."""

    def add(opener: Opener) -> Opener:
        for kind in kinds:
            _REGISTRY.add(kind, opener)
        return opener

    return add


def unregister(kind: str) -> None:
    """Forget a source kind (a plugin taken away)."""
    _REGISTRY.remove(kind)


def opener(kind: str) -> Opener | None:
    """The opener for sources of ``kind``; None when no module draws it."""
    return _REGISTRY.get(kind)


def source_kinds() -> list[str]:
    """Every kind of source that opens as a picture, sorted."""
    return sorted(_REGISTRY.all())


__all__ = ["Opener", "Opening", "opener", "register", "source_kinds", "unregister"]
