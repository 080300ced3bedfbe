"""What the visual service hands out: one file per ``> visual:`` line, with provenance.

:class:`VisualPlan` is the result the layout reads (``for_line``); :class:`Estimate`
is what generating would cost before anything is spent; :class:`VisualOptions` says how
the service behaves. The helpers say which span of narration each visual covers, the
frame it must fill, and the one seed of a video.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.engine.llm.writer import PromptWriter
from app.engine.model.script import (
    CodeBeat,
    MediaBeat,
    PauseBeat,
    Scene,
    Script,
    SpeechBeat,
    TerminalBeat,
    VisualBeat,
)
from app.engine.net.retry import RetryPolicy
from app.engine.store.projects import DEFAULT_BUDGET_USD
from app.engine.store.versions import line_slot
from app.engine.visuals.probe import MediaInfo
from app.engine.visuals.providers import (
    Kind,
    ProviderSettings,
    Target,
    VisualOutput,
    VisualProvider,
    VisualRequest,
)

if TYPE_CHECKING:
    from app.engine.store import LineVersion, VisualCacheEntry

MIN_SCENE_MS = 2_000
"""A visual is on screen at least this long (one that ends its scene is held)."""
QUIET_NOTES = (
    "no key",
    "not configured",
    "there is no visual provider",
    "makes no",
    "nothing could make",
)
"""What notes say when a provider was not asked at all (no key, wrong kind): not a fallback."""


def is_quiet(note: str) -> bool:
    """True for a note about a provider that was skipped, not one that was asked and failed."""
    return any(q in note for q in QUIET_NOTES)


@dataclass(frozen=True)
class GeneratedVisual:
    """One ``> visual:`` line's picture: a local still or clip and where it came from."""

    line: int
    path: Path
    kind: Kind
    width: int
    height: int
    duration_ms: int | None
    """Clips only: how long the file runs (the renderer loops or trims it to the scene)."""
    provider: str
    model: str
    prompt: str
    """The prompt as written in the script."""
    prompt_sent: str
    """What the provider was given: the styled or rewritten prompt, or the stock search terms."""
    seed: int | None
    cost_usd: float
    """What making it cost when it was made (0 for a cache hit in this run's totals)."""
    cached: bool = False
    stock_id: str | None = None
    attribution: str | None = None
    source_url: str | None = None
    tags: tuple[str, ...] = ()
    sha256: str | None = None
    request_id: str | None = None
    failures: tuple[str, ...] = ()
    """Providers earlier in the chain that could not make it, and why."""

    @classmethod
    def from_cache(cls, entry: VisualCacheEntry, line: int, prompt: str) -> GeneratedVisual:
        """A visual kept by an earlier run (its meta is what :meth:`made` stored), costing nothing now."""
        return cls._kept(entry.meta, line, prompt, entry.path, entry.provider, entry.asset_sha256)

    @classmethod
    def from_version(cls, version: LineVersion, line: int, prompt: str) -> GeneratedVisual:
        """A line's chosen take (its meta is what :meth:`version_meta` stored), costing nothing now."""
        asset = version.asset
        return cls._kept(
            version.meta,
            line,
            prompt,
            version.path,
            version.provider,
            asset.sha256,
            width=asset.width or 0,
            height=asset.height or 0,
            duration_ms=asset.duration_ms,
        )

    @classmethod
    def _kept(
        cls,
        meta: dict[str, Any],
        line: int,
        prompt: str,
        path: Path,
        provider: str,
        sha256: str | None,
        *,
        width: int = 0,
        height: int = 0,
        duration_ms: int | None = None,
    ) -> GeneratedVisual:
        """A visual made earlier, from the meta stored with it (the asset's own size where
        the meta lacks one)."""
        return cls(
            line=line,
            path=path,
            kind=meta.get("kind", "still"),
            width=int(meta.get("width") or width),
            height=int(meta.get("height") or height),
            duration_ms=meta.get("duration_ms", duration_ms),
            provider=provider,
            model=str(meta.get("model") or ""),
            prompt=prompt,
            prompt_sent=str(meta.get("prompt_sent") or ""),
            seed=meta.get("seed"),
            cost_usd=0.0,
            cached=True,
            stock_id=meta.get("stock_id"),
            attribution=meta.get("attribution"),
            source_url=meta.get("source_url"),
            tags=tuple(meta.get("tags") or ()),
            sha256=sha256,
            request_id=meta.get("request_id"),
        )

    @classmethod
    def made(
        cls,
        line: int,
        prompt: str,
        provider: str,
        request: VisualRequest,
        output: VisualOutput,
        info: MediaInfo,
        notes: list[str],
    ) -> GeneratedVisual:
        """A visual a provider just made (bytes get their asset's path once kept)."""
        return cls(
            line=line,
            path=output.path or Path(),
            kind=info.kind,
            width=info.width,
            height=info.height,
            duration_ms=info.duration_ms,
            provider=provider,
            model=output.model,
            prompt=prompt,
            prompt_sent=output.prompt_sent or request.prompt,
            seed=output.seed if output.seed is not None else request.seed,
            cost_usd=output.cost_usd,
            stock_id=output.stock_id,
            attribution=output.attribution,
            source_url=output.source_url,
            tags=tuple(output.tags),
            request_id=output.request_id,
            failures=tuple(notes),
        )

    def provenance(self) -> dict[str, Any]:
        """The asset's provenance record (never a key: only what the provider was asked and said)."""
        return {
            "provider": self.provider,
            "model": self.model,
            "prompt": self.prompt,
            "prompt_sent": self.prompt_sent,
            "seed": self.seed,
            "cost_usd": round(self.cost_usd, 6),
            "kind": self.kind,
            "stock_id": self.stock_id,
            "attribution": self.attribution,
            "source_url": self.source_url,
            "tags": list(self.tags),
            "request_id": self.request_id,
        }


@dataclass
class VisualPlan:
    """Every visual line of a script, resolved: a file, or left to the renderer to draw."""

    visuals: dict[int, GeneratedVisual] = field(default_factory=dict)
    drawn: dict[int, str] = field(default_factory=dict)
    """Lines the renderer draws itself (procedural), with the provider that said so."""
    notes: dict[int, list[str]] = field(default_factory=dict)
    """Per line: providers skipped or failed on the way, and why (shown by ``visuals``)."""
    terms: dict[int, tuple[str, ...]] = field(default_factory=dict)
    prompts: dict[int, str] = field(default_factory=dict)
    """Per line: the prompt as sent to a generator (after the style or the model's rewrite)."""
    generated: int = 0
    cache_hits: int = 0
    provider_calls: int = 0
    """Calls to providers in this run (cache hits make none)."""
    cost_usd: float = 0.0
    estimate_usd: float = 0.0
    providers_used: dict[str, int] = field(default_factory=dict)
    fallbacks: int = 0
    budget_usd: float = DEFAULT_BUDGET_USD
    spent_before_usd: float = 0.0
    project_id: str | None = None
    writer: str = "offline"

    def record(
        self, line: int, visual: GeneratedVisual | None, drawn_by: str, notes: list[str]
    ) -> None:
        """Count one resolved line: its file (or the provider that draws it) and its notes."""
        if notes:
            self.notes.setdefault(line, []).extend(notes)
        if any(not is_quiet(n) for n in notes):
            self.fallbacks += 1
        if visual is None:
            self.drawn[line] = drawn_by
            self.providers_used[drawn_by] = self.providers_used.get(drawn_by, 0) + 1
            return
        self.visuals[line] = visual
        self.providers_used[visual.provider] = self.providers_used.get(visual.provider, 0) + 1
        if visual.cached:
            self.cache_hits += 1
        else:
            self.generated += 1
            self.cost_usd += visual.cost_usd

    def for_line(self, line: int) -> GeneratedVisual | None:
        """The file for the ``> visual:`` line at ``line``, or None: draw today's procedural background."""
        return self.visuals.get(line)

    @property
    def attributions(self) -> list[str]:
        """Credit lines for stock footage, in narration order, each once (for the description)."""
        seen: list[str] = []
        for line in sorted(self.visuals):
            credit = self.visuals[line].attribution
            if credit and credit not in seen:
                seen.append(credit)
        return seen


@dataclass(frozen=True)
class PlannedLine:
    """The estimate for one line: the provider expected to make it and what it would cost."""

    line: int
    provider: str
    kind: Kind
    cost_usd: float
    cached: bool
    skipped: tuple[str, ...] = ()


@dataclass
class Estimate:
    """What generating a script's visuals would cost now, before anything is spent."""

    lines: list[PlannedLine] = field(default_factory=list)
    total_usd: float = 0.0
    by_provider: dict[str, float] = field(default_factory=dict)
    budget_usd: float = DEFAULT_BUDGET_USD
    spent_usd: float = 0.0


@dataclass
class VisualOptions:
    """How the service behaves; the defaults suit the studio and the command line."""

    offline: bool = False
    """Only providers that need no network (procedural and the user's media)."""
    chain: list[str] | None = None
    """Overrides the script's ``visuals:`` chain."""
    provider: str | None = None
    """Try this provider first for every line (``visuals --provider``)."""
    budget_usd: float | None = None
    """Overrides the project's budget (and the script's ``budget``)."""
    project_id: str | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_workers: int = 4
    settings: ProviderSettings = field(default_factory=ProviderSettings)
    providers: dict[str, VisualProvider] | None = None
    writer: PromptWriter | None = None
    """Who writes prompts and stock terms; None: the offline writer."""
    seed: int | None = None
    """One seed for every visual of the video; None: derived from its title."""
    candidates: int = 0
    """Other results a stock search keeps as candidate versions of a line (the studio's picker)."""


def visual_slots(script: Script) -> dict[int, str]:
    """Each picture's slot (every ``> visual:`` line and every scene backdrop, by line): its
    prompt as written (a backdrop's is its scene's title) and which repeat of it it is.

    The slot is what a line's versions, chosen take and lock are kept under, so they
    follow the line while the script around it is edited; a changed prompt is a new line.
    """
    seen: dict[str, int] = {}
    slots: dict[int, str] = {}
    for job in visual_jobs(script):
        name = f"scene: {job.beat.prompt}" if job.backdrop else job.beat.prompt
        seen[name] = seen.get(name, 0) + 1
        slots[job.beat.line] = line_slot("visual", name, seen[name])
    return slots


def video_seed(script: Script) -> int:
    """The video's one seed: the same title always gives the same seed."""
    text = (script.title or script.path or "castline").strip().lower()
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big") & 0x7FFFFFFF


def target_for(script: Script) -> Target:
    """The frame visuals must fill: 1920x1080, or 1080x1920 for a 9:16 script."""
    from app.engine.timeline.layout import default_size

    width, height = default_size(script)
    return Target(width, height)


@dataclass(frozen=True)
class VisualJob:
    """One picture a script needs: a ``> visual:`` line, or a scene's opening backdrop."""

    beat: VisualBeat
    scene: Scene
    narration: str
    """What is spoken while it shows (the whole scene's speech when that span has none)."""
    duration_ms: int
    backdrop: bool = False
    """True for a scene that opens with no picture of its own: only stock footage (or the
    procedural background) is used, never a paid generator the writer did not ask for."""


def visual_jobs(script: Script) -> list[VisualJob]:
    """Each visual line with its scene, the narration spoken over it and how long it shows,
    plus a backdrop for each scene that starts without a visual or media of its own.

    A visual lasts until the next visual or media or the scene's end. A backdrop is keyed
    by the scene's heading line (``for_line(scene.line)``) and described by its title.
    """
    out: list[VisualJob] = []
    for scene in script.scenes:
        beats = scene.beats
        scene_text = " ".join(b.text for b in beats if isinstance(b, SpeechBeat))
        first_picture = next(
            (i for i, b in enumerate(beats) if isinstance(b, VisualBeat | MediaBeat)), len(beats)
        )
        opens_bare = any(
            isinstance(b, SpeechBeat | PauseBeat | TerminalBeat | CodeBeat)
            for b in beats[:first_picture]
        )
        if opens_bare and scene.title:
            spoken = [b.text for b in beats[:first_picture] if isinstance(b, SpeechBeat)]
            duration = sum(b.estimated_ms for b in beats[:first_picture])
            style = script.settings.style.strip()
            backdrop = VisualBeat(
                line=scene.line,
                prompt=scene.title,
                styled_prompt=f"{scene.title}, {style}" if style else scene.title,
            )
            out.append(
                VisualJob(
                    backdrop,
                    scene,
                    " ".join(spoken) or scene_text,
                    max(MIN_SCENE_MS, duration),
                    backdrop=True,
                )
            )
        for i, beat in enumerate(beats):
            if not isinstance(beat, VisualBeat):
                continue
            spoken_after: list[str] = []
            duration = beat.estimated_ms
            for later in beats[i + 1 :]:
                if isinstance(later, VisualBeat | MediaBeat):
                    break
                duration += later.estimated_ms
                if isinstance(later, SpeechBeat):
                    spoken_after.append(later.text)
            out.append(
                VisualJob(
                    beat, scene, " ".join(spoken_after) or scene_text, max(MIN_SCENE_MS, duration)
                )
            )
    return out
