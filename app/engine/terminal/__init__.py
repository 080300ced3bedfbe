"""Terminal and code animation: emulation, glyph atlas rendering, typing, effects, import.

Castline draws terminals itself, offline and faster than real time, with an alpha
channel. ``build_animation`` turns a script's terminal or code block into an
:class:`Animation` whose ``frame_at(ms)`` is deterministic, so the studio can scrub it
and the timeline can composite it.
"""

from app.engine.terminal.animation import (
    Animation,
    SequenceAnimation,
    SessionAnimation,
    animate_session,
    build_animation,
)
from app.engine.terminal.themes import Theme, ThemeError, list_themes, load_theme

__all__ = [
    "Animation",
    "SequenceAnimation",
    "SessionAnimation",
    "Theme",
    "ThemeError",
    "animate_session",
    "build_animation",
    "list_themes",
    "load_theme",
]
