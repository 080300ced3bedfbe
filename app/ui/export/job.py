"""The export job: renders exactly the timeline the studio shows.

It works on what the studio had when the export started (the script, its text, the
timeline snapshot, the hand edits and the visuals plan), so editing during an export is
safe. Lines not voiced yet are voiced first, and the script is laid out with the same
hand edits: the timeline the studio shows as soon as those voices arrive. The renderer
writes under a temporary name and renames when complete, with the script's sidecars and
thumbnail like ``castline render``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.engine.jobs.progress import Progress
from app.engine.model import Script
from app.engine.render import RenderResult, for_aspect, get_preset, render_timeline
from app.engine.timeline import SpeechSource, Timeline
from app.engine.timeline.layout import VisualFiles
from app.engine.timeline.overrides import TimelineOverrides
from app.engine.voice.service import SynthesisResult, SynthesisService
from app.ui.document import Inputs, lay_out


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
    text: str
    timeline: Timeline
    overrides: TimelineOverrides
    visuals: VisualFiles | None
    output: Path
    preset: str = "youtube-1080p"
    burn_captions: bool = False


def description_for(script: Script, visuals: VisualFiles | None) -> str:
    """The script's description, with stock footage credited (as ``castline render`` does)."""
    description = script.settings.description
    credits: list[str] = list(getattr(visuals, "attributions", None) or [])
    if credits:
        description = f"{description.rstrip()}\n\nStock footage:\n" + "\n".join(credits)
    return description.lstrip()


def export_work(
    request: ExportRequest,
    service: Callable[[], SynthesisService],
    on_voiced: Callable[[SynthesisResult], None] | None = None,
) -> Callable[[Progress], RenderResult]:
    """The function a job runs: voice what is missing, then render the shown timeline."""

    def work(progress: Progress) -> RenderResult:
        timeline = request.timeline
        script = request.script
        if unvoiced(timeline):
            progress.update(0, message="speaking the lines not voiced yet")
            result = service().synthesize_script(script, progress)
            if result.failed:
                line, why = sorted(result.failed.items())[0]
                raise RuntimeError(f"line {line} could not be spoken: {why}")
            progress.check()
            if on_voiced is not None:
                on_voiced(result)
            _base, composed = lay_out(
                script, request.text, Inputs(result, request.visuals, request.overrides)
            )
            timeline = composed.timeline
        thumb = script.settings.thumbnail_resolved
        return render_timeline(
            timeline,
            request.output,
            preset=for_aspect(get_preset(request.preset), script.settings.aspect),
            progress=progress,
            title=script.title,
            description=description_for(script, request.visuals),
            tags=script.settings.tags,
            burn_captions=request.burn_captions,
            thumbnail_image=Path(thumb) if thumb else None,
            thumbnail_ms=script.settings.thumbnail_ms,
        )

    return work
