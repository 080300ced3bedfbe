"""Terminal and code animation: emulation, glyph atlas rendering, typing, effects, import.

Castline draws terminals itself, offline and faster than real time, with an alpha
channel. ``build_animation`` turns a script's terminal or code block into an
:class:`Animation` whose ``frame_at(ms)`` is deterministic, so the studio can scrub it
and the timeline can composite it; ``build_view_animation`` draws just the window, sized
to its content with large text, for the compositor to place in the stage's view area.
"""

from app.engine.terminal.animation import (
    Animation,
    SequenceAnimation,
    SessionAnimation,
    animate_session,
    build_animation,
    build_view_animation,
)
from app.engine.terminal.fit import WindowFit, fit_window, row_px_limits
from app.engine.terminal.themes import Theme, ThemeError, list_themes, load_theme

__all__ = [
    "Animation",
    "SequenceAnimation",
    "SessionAnimation",
    "Theme",
    "ThemeError",
    "WindowFit",
    "animate_session",
    "build_animation",
    "build_view_animation",
    "fit_window",
    "list_themes",
    "load_theme",
    "row_px_limits",
]
