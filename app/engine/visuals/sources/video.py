"""Video files, decoded frame by frame and cover-fitted."""

from __future__ import annotations

from pathlib import Path

from app.engine.pictures import VisualError
from app.engine.timeline import VideoSource
from app.engine.visuals.sources import Opening, register
from app.engine.visuals.video import VideoFrames


@register("video")
def open_video(source: VideoSource, at: Opening) -> VideoFrames:
    if not Path(source.path).is_file():
        raise VisualError(f"video not found: {source.path}")
    try:
        return VideoFrames(source.path, at.width, at.height, at.fps, source.mode, source.num_frames)
    except Exception as exc:  # PyAV's errors name the codec, not the fix
        raise VisualError(f"{source.path}: cannot decode this video ({exc})") from exc
