"""The renderer: compositor, audio mix, encoder, presets, captions, chapters, thumbnail."""

from pathlib import Path
from typing import Any

from app.engine.jobs.progress import Progress
from app.engine.render.compositor import Compositor, Frame, preview_frame
from app.engine.render.pipeline import RenderError, RenderResult, render_timeline, sidecar_paths
from app.engine.render.presets import (
    DEFAULT_PRESET,
    Preset,
    for_aspect,
    get_preset,
    preset_names,
    registered_presets,
)
from app.engine.timeline import Timeline


def render(
    source: Timeline | str | Path,
    output: Path,
    preset: str = DEFAULT_PRESET,
    progress: Progress | None = None,
    **options: Any,
) -> RenderResult:
    """Render a timeline snapshot, or a script file (voices synthesized and cached first).

    ``options`` go to :func:`render_timeline` (title, description, tags, burn_captions,
    watermark, jobs) or to :func:`~app.engine.render.project.render_script` (offline,
    store, burn_captions, watermark, jobs).
    """
    if isinstance(source, Timeline):
        return render_timeline(source, output, preset=preset, progress=progress, **options)
    from app.engine.render.project import render_script

    return render_script(Path(source), output, preset=preset, progress=progress, **options).render


__all__ = [
    "DEFAULT_PRESET",
    "Compositor",
    "Frame",
    "Preset",
    "RenderError",
    "RenderResult",
    "for_aspect",
    "get_preset",
    "preset_names",
    "preview_frame",
    "registered_presets",
    "render",
    "render_timeline",
    "sidecar_paths",
]
