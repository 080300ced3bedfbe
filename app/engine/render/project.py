"""Script in, finished video out: parse, synthesize voices, fetch visuals, lay out, render.

Voices come from the synthesis service and ``> visual:`` lines from the visual service;
both cache by a hash of what made each thing, so re-rendering after editing one line
remakes only that line. ``offline`` uses only the local Piper voice and procedural or
the user's own visuals, so a render needs no keys and no network. Stock footage is
credited in the description sidecar.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from app.engine.jobs.progress import Progress
from app.engine.model.diagnostic import Diagnostic, Severity
from app.engine.model.script import LookSpec, Script
from app.engine.render.pipeline import RenderError, RenderResult, render_timeline
from app.engine.render.presets import DEFAULT_PRESET, for_aspect, get_preset
from app.engine.store import Store
from app.engine.timeline import Timeline, auto_layout
from app.engine.timeline.layout import block_diagnostics
from app.engine.visuals.plan import VisualPlan

if TYPE_CHECKING:
    from app.engine.render.segments import SegmentFarm
    from app.engine.voice.service import SynthesisResult


@dataclass
class ScriptRender:
    """A finished script render: the video result plus what the voices cost."""

    render: RenderResult
    timeline: Timeline
    lines: int
    synthesized: int
    cache_hits: int
    cost_usd: float
    synthesis_s: float
    visuals: VisualPlan | None = None
    """The visual lines' files, costs and stock credits."""
    warnings: list[Diagnostic] = field(default_factory=list)
    """The script's warnings and what the terminal engine cut, for the user to read."""


def load_script_checked(path: Path) -> Script:
    """Parse ``path``; raise :class:`RenderError` listing the errors a writer must fix."""
    from app.engine.script import ScriptHasErrors, parse_file_checked

    try:
        return parse_file_checked(path, "rendering")
    except ScriptHasErrors as exc:
        raise RenderError(str(exc)) from None


@dataclass
class Prepared:
    """A script made ready to draw: voiced, its visuals fetched, laid out."""

    script: Script
    timeline: Timeline
    synthesis: SynthesisResult
    visuals: VisualPlan
    synthesis_s: float


def prepare_script(
    path: Path,
    *,
    offline: bool = False,
    store: Store | None = None,
    voice_progress: Progress | None = None,
    progress: Progress | None = None,
    on_voices_done: Callable[[], None] | None = None,
    visual_progress: Progress | None = None,
    on_visuals_done: Callable[[], None] | None = None,
    look: LookSpec | None = None,
) -> Prepared:
    """Parse, voice (cached), fetch the visuals (cached) and lay out the script at ``path``.

    ``look`` replaces the script's visual style (to preview it in another style).
    """
    from app.engine.visuals.generate import generate_visuals
    from app.engine.voice.registry import build_provider, specs
    from app.engine.voice.service import BudgetExceeded, SynthesisService

    script = load_script_checked(path)
    if look is not None:
        script = script.model_copy(
            update={"settings": script.settings.model_copy(update={"look": look})}
        )
    own_store = store is None
    db = store or Store.open()
    try:
        providers = (
            {name: build_provider(name) for name, spec in specs().items() if spec.offline}
            if offline
            else None
        )
        started = time.monotonic()
        try:
            with SynthesisService(db, providers=providers) as service:
                result = service.synthesize_script(script, voice_progress or progress)
        except BudgetExceeded as exc:
            raise RenderError(f"{path}: nothing was synthesized: {exc}") from exc
        synthesis_s = time.monotonic() - started
        if on_voices_done is not None:
            on_voices_done()
        if result.failed:
            shown = "\n".join(
                f"{path}:{line}: {why}" for line, why in sorted(result.failed.items())[:10]
            )
            raise RenderError(f"some lines could not be spoken:\n{shown}")
        visuals = generate_visuals(
            script, store=db, offline=offline, progress=visual_progress or progress
        )
        if on_visuals_done is not None:
            on_visuals_done()
    finally:
        if own_store:
            db.close()
    timeline = auto_layout(script, result, visuals=visuals)
    return Prepared(script, timeline, result, visuals, synthesis_s)


def render_script(
    path: Path,
    output: Path,
    *,
    preset: str = DEFAULT_PRESET,
    offline: bool = False,
    store: Store | None = None,
    voice_progress: Progress | None = None,
    progress: Progress | None = None,
    jobs: int = 2,
    burn_captions: bool = False,
    watermark: Path | None = None,
    on_voices_done: Callable[[], None] | None = None,
    visual_progress: Progress | None = None,
    on_visuals_done: Callable[[], None] | None = None,
    farm: SegmentFarm | None = None,
) -> ScriptRender:
    """Render the script at ``path`` to ``output`` (written under a temporary name first).

    ``voice_progress`` reports synthesis separately; without it ``progress`` reports both
    phases in turn (its message says which), and cancelling it stops either.
    ``visual_progress`` reports the visuals likewise (generated, fetched or cached).
    """
    if watermark is not None and not watermark.is_file():
        raise RenderError(f"{watermark}: no such watermark image")
    prepared = prepare_script(
        path,
        offline=offline,
        store=store,
        voice_progress=voice_progress,
        progress=progress,
        on_voices_done=on_voices_done,
        visual_progress=visual_progress,
        on_visuals_done=on_visuals_done,
    )
    script, timeline, result, visuals = (
        prepared.script,
        prepared.timeline,
        prepared.synthesis,
        prepared.visuals,
    )
    chosen = for_aspect(get_preset(preset), script.settings.aspect)
    description = script.settings.description
    if visuals.attributions:
        credits = "\n".join(visuals.attributions)
        description = f"{description.rstrip()}\n\nStock footage:\n{credits}".lstrip()
    rendered = render_timeline(
        timeline,
        output,
        preset=chosen,
        progress=progress,
        title=script.title,
        description=description,
        tags=script.settings.tags,
        burn_captions=burn_captions,
        watermark=watermark,
        jobs=jobs,
        thumbnail_image=Path(thumb) if (thumb := script.settings.thumbnail_resolved) else None,
        thumbnail_ms=script.settings.thumbnail_ms,
        farm=farm,
    )
    return ScriptRender(
        render=rendered,
        timeline=timeline,
        lines=len(result.lines),
        synthesized=result.synthesized,
        cache_hits=result.cache_hits,
        cost_usd=result.cost_usd,
        synthesis_s=prepared.synthesis_s,
        visuals=visuals,
        warnings=[d for d in script.diagnostics if d.severity is Severity.WARNING]
        + block_diagnostics(script),
    )
