"""Stills: a user's image or a generated (procedural or cloud) picture, with Ken Burns."""

from __future__ import annotations

from pathlib import Path

from app.engine.pictures import VisualError, load_image
from app.engine.timeline import ImageSource, ProceduralSource
from app.engine.visuals.kenburns import StillFrames
from app.engine.visuals.sources import Opening, register


@register("procedural")
def open_generated(source: ProceduralSource, at: Opening) -> StillFrames:
    picture = at.service.still(source, at.width, at.height)
    return StillFrames(picture, at.width, at.height, source.ken_burns)


@register("image")
def open_image(source: ImageSource, at: Opening) -> StillFrames:
    if not Path(source.path).is_file():
        raise VisualError(f"image not found: {source.path}")
    return StillFrames(load_image(source.path), at.width, at.height, source.ken_burns)
