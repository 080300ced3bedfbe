"""A throwaway transition, terminal effect and export preset kept outside the project,
joined through CASTLINE_PLUGINS.

The module is written to a temporary folder on ``sys.path`` and named in the environment,
exactly as a user adds a look of their own; nothing in the project names it. Its pieces
draw something no built-in one does, so a test can tell them apart on pixels: ``blinds``
takes even rows from the incoming picture and odd rows from the one before, ``negative``
inverts a terminal's colours.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.engine.motion import transitions
from app.engine.render import presets
from app.engine.terminal import effects
from tests.fakes.plugins import forget_plugin, install_plugin

TRANSITION = "blinds"
EFFECT = "negative"
PRESET = "tiny-check"
MODULE = "castline_look_plugin"
SOURCE = """
from dataclasses import dataclass, replace

import numpy as np

from app.engine.motion.transitions import register as register_transition
from app.engine.render.presets import get_preset, register as register_preset
from app.engine.terminal.effects import register as register_effect


@register_transition("blinds")
def blinds(before: np.ndarray, picture: np.ndarray, p: float, n: int) -> np.ndarray:
    out = before.copy()
    out[::2] = picture[::2]
    return out


@dataclass(frozen=True)
class Negative:
    def apply(self, frame: np.ndarray, ms: int) -> np.ndarray:
        out = frame.copy()
        out[..., :3] = 255 - out[..., :3]
        return out


@register_effect("negative")
def negative(value: float | None, seed: int) -> Negative:
    return Negative()


register_preset(replace(get_preset("preview"), name="tiny-check", width=320, height=180))
"""


@pytest.fixture
def look_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The plugin installed for one test (and forgotten after); yields its module name."""
    install_plugin(tmp_path / "look-plugins", monkeypatch, MODULE, SOURCE)
    yield MODULE
    transitions.unregister(TRANSITION)
    effects.unregister(EFFECT)
    presets.unregister(PRESET)
    forget_plugin(MODULE)
