"""The export job: voices (when the timeline follows the script), then the render.

It works on snapshots taken when the export starts, so editing during an export is
safe; the renderer writes under a temporary name and renames when complete.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.engine.jobs.progress import Progress
from app.engine.model import Script
from app.engine.render import RenderResult, for_aspect, get_preset, render_timeline
from app.engine.timeline import SpeechSource, Timeline, auto_layout
from app.engine.voice.service import SynthesisService


def slug(title: str) -> str:
    """A file name from a title: ``How SSH Really Works`` -> ``how-ssh-really-works``."""
    text = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return text or "video"


def output_for(folder: Path, script: Script, preset: str) -> Path:
    chosen = for_aspect(get_preset(preset), script.settings.aspect)
    return (
        folder
        / f"{slug(script.title)}{'' if preset == 'youtube-1080p' else '-' + preset}{chosen.suffix}"
    )


def unvoiced(timeline: Timeline) -> int:
    """Speech clips that would render as silence (no synthesized audio yet)."""
    return sum(
        1
        for _t, c in timeline.clips()
        if isinstance(c.source, SpeechSource) and not c.source.audio_path
    )


@dataclass(frozen=True)
class ExportRequest:
    """Everything an export needs, captured when it starts."""

    script: Script
    timeline: Timeline
    follow_script: bool
    output: Path
    preset: str = "youtube-1080p"
    burn_captions: bool = False


def export_work(
    request: ExportRequest, service: Callable[[], SynthesisService]
) -> Callable[[Progress], RenderResult]:
    """The function a job runs: speak the lines if needed, lay out, render."""

    def work(progress: Progress) -> RenderResult:
        timeline = request.timeline
        if request.follow_script and unvoiced(timeline):
            progress.update(0, message="speaking the script")
            result = service().synthesize_script(request.script, progress)
            if result.failed:
                line, why = sorted(result.failed.items())[0]
                raise RuntimeError(f"line {line} could not be spoken: {why}")
            progress.check()
            timeline = auto_layout(request.script, result)
        return render_timeline(
            timeline,
            request.output,
            preset=for_aspect(get_preset(request.preset), request.script.settings.aspect),
            progress=progress,
            title=request.script.title,
            description=request.script.settings.description,
            tags=request.script.settings.tags,
            burn_captions=request.burn_captions,
        )

    return work
