"""The renderer: compositor, audio mix, encoder, presets, captions, chapters, thumbnail."""

from app.engine.render.compositor import Compositor, Frame, preview_frame
from app.engine.render.pipeline import RenderError, RenderResult, render_timeline, sidecar_paths
from app.engine.render.presets import DEFAULT_PRESET, PRESETS, Preset, for_aspect, get_preset

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "Compositor",
    "Frame",
    "Preset",
    "RenderError",
    "RenderResult",
    "for_aspect",
    "get_preset",
    "preview_frame",
    "render_timeline",
    "sidecar_paths",
]
