"""Visual sources: procedural backgrounds, user stills and videos, title cards, terminals."""

from app.engine.pictures import VisualError, load_image, premultiply, unpremultiply
from app.engine.visuals.base import FrameSource, StillGenerator
from app.engine.visuals.procedural import ProceduralGenerator, palette_for_style, seed_for
from app.engine.visuals.service import VisualService

__all__ = [
    "FrameSource",
    "ProceduralGenerator",
    "StillGenerator",
    "VisualError",
    "VisualService",
    "load_image",
    "palette_for_style",
    "premultiply",
    "seed_for",
    "unpremultiply",
]
