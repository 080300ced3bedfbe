"""Auto-layout: a parsed script (and its synthesized voices) laid out as a timeline.

Follows the script format's Timing rules. Every position is an integer frame: durations
are converted once (samples or ms -> frames) with ``app.engine.model.time`` and added as
integers, so nothing drifts however long the video is. Every clip keeps its script line so
the studio can jump between the text and the timeline.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Protocol

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
from app.engine.model.time import (
    fps_fraction,
    frames_to_ms,
    ms_to_frames,
    ms_to_samples,
    samples_to_frames,
)
from app.engine.timeline.captions import caption_phrases, estimated_words
from app.engine.timeline.keyframes import Easing, Keyframe
from app.engine.timeline.model import (
    TRACK_ORDER,
    Chapter,
    Clip,
    Timeline,
    Track,
    TrackKind,
    Transition,
    TransitionKind,
)
from app.engine.timeline.sources import (
    CaptionSource,
    CaptionWord,
    ImageSource,
    KenBurns,
    MusicSource,
    ProceduralSource,
    SpeechSource,
    TerminalSource,
    TitleCardSource,
    VideoSource,
    WordSpan,
)

if TYPE_CHECKING:
    from app.engine.visuals.plan import GeneratedVisual
    from app.engine.voice.service import SynthesisResult


class VisualFiles(Protocol):
    """What the layout needs of the visual service's plan: a line's file, if it has one."""

    def for_line(self, line: int) -> GeneratedVisual | None: ...


log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class LayoutOptions:
    """The pacing rules, in milliseconds (converted to frames once)."""

    title_card_ms: int = 3_000
    same_speaker_gap_ms: int = 250
    speaker_change_gap_ms: int = 400
    after_animation_ms: int = 500
    """Let the finished terminal or code view sit a moment before the next line."""
    scene_tail_ms: int = 500
    """Silence between a scene's last line and the next scene."""
    held_visual_ms: int = 2_000
    """A visual that ends its scene with nothing after it is held this long."""
    transition_ms: int = 500
    scene_transition: TransitionKind = "crossfade"
    """``crossfade``, ``glitch``, ``fade`` or ``wipe`` between scenes."""
    fade_in_frames: int = 8
    """Terminal and code views fade in over this many frames."""
    ken_burns_zoom: float = 1.08
    music_gain_db: float = -18.0
    caption_max_chars: int = 70
    """Longer spoken lines are captioned phrase by phrase."""


def default_size(script: Script) -> tuple[int, int]:
    """1920x1080 for 16:9, 1080x1920 for Shorts."""
    return (1080, 1920) if script.settings.aspect == "9:16" else (1920, 1080)


def _seed(*parts: object) -> int:
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")


# --------------------------------------------------------------------------- the builder


@dataclass
class _Visual:
    start: int
    clip_source: ImageSource | VideoSource | ProceduralSource
    line: int


@dataclass
class _Placed:
    start: int
    length: int
    source: TerminalSource
    line: int


@dataclass
class _SceneState:
    scene: Scene
    start: int
    visuals: list[_Visual] = field(default_factory=list)
    terminals: list[_Placed] = field(default_factory=list)
    visual_starts: list[int] = field(default_factory=list)


class _Layout:
    def __init__(
        self,
        script: Script,
        synthesis: SynthesisResult | None,
        fps: Fraction,
        width: int,
        height: int,
        options: LayoutOptions,
        visuals: VisualFiles | None = None,
    ) -> None:
        self.script = script
        self.synthesis = synthesis
        self.visuals = visuals
        self.fps = fps
        self.width = width
        self.height = height
        self.opt = options
        self.tracks: dict[TrackKind, Track] = {
            kind: Track(kind=kind, name=_TRACK_NAMES[kind]) for kind in TRACK_ORDER
        }
        self.cursor = 0
        self.last_speaker: str | None = None
        self.chapters: list[Chapter] = []

    def frames(self, ms: int) -> int:
        return ms_to_frames(ms, self.fps)

    def add(self, kind: TrackKind, clip: Clip) -> None:
        if clip.length > 0:
            self.tracks[kind].clips.append(clip)

    # ---- the whole script

    def build(self) -> Timeline:
        title_len = self.frames(self.opt.title_card_ms)
        if title_len > 0:
            subtitle = self.script.settings.description.strip()
            self.add(
                "visual",
                Clip(
                    start=0,
                    length=title_len,
                    source=TitleCardSource(
                        text=self.script.title,
                        subtitle=subtitle if len(subtitle) <= 80 else "",
                        line=1,
                    ),
                    script_line=1,
                ),
            )
        self.cursor = title_len
        for index, scene in enumerate(self.script.scenes):
            self.layout_scene(scene, first=index == 0)
        self.add_music()
        timeline = Timeline.create(
            self.fps,
            self.width,
            self.height,
            title=self.script.title,
            tracks=[self.tracks[k] for k in TRACK_ORDER],
            chapters=self.chapters,
        )
        for track in timeline.tracks:
            track.clips.sort(key=lambda c: c.start)
        return timeline

    # ---- one scene

    def layout_scene(self, scene: Scene, *, first: bool) -> None:
        state = _SceneState(scene=scene, start=self.cursor)
        self.chapters.append(
            Chapter(title=scene.title, start=0 if first else self.cursor, line=scene.line)
        )
        self.last_speaker = None
        pending_sync: TerminalBeat | CodeBeat | None = None
        last_timed: str | None = None
        beats = scene.beats
        for i, beat in enumerate(beats):
            if isinstance(beat, SpeechBeat):
                if self.last_speaker is not None and last_timed == "speech":
                    gap = (
                        self.opt.same_speaker_gap_ms
                        if beat.speaker == self.last_speaker
                        else self.opt.speaker_change_gap_ms
                    )
                    self.cursor += self.frames(gap)
                start, length = self.place_speech(beat)
                if pending_sync is not None:
                    self.place_terminal(state, pending_sync, start, play_frames=length)
                    pending_sync = None
                self.cursor = start + length
                self.last_speaker = beat.speaker
                last_timed = "speech"
            elif isinstance(beat, PauseBeat):
                self.cursor += self.frames(beat.duration_ms)
                last_timed = "pause"
            elif isinstance(beat, TerminalBeat | CodeBeat):
                if pending_sync is not None:
                    self.cursor = self.place_terminal(state, pending_sync, self.cursor)
                    last_timed = "terminal"
                if beat.options.sync_next and _speech_follows(beats, i):
                    pending_sync = beat
                    continue
                self.cursor = self.place_terminal(state, beat, self.cursor)
                last_timed = "terminal"
            elif isinstance(beat, VisualBeat | MediaBeat):
                source = self.visual_source(beat)
                if source is not None:
                    state.visuals.append(_Visual(self.cursor, source, beat.line))
                    state.visual_starts.append(self.cursor)
        if pending_sync is not None:
            self.cursor = self.place_terminal(state, pending_sync, self.cursor)
            last_timed = "terminal"
        if beats and isinstance(beats[-1], VisualBeat | MediaBeat):
            self.cursor += self.frames(self.opt.held_visual_ms)
        elif last_timed == "speech":
            self.cursor += self.frames(self.opt.scene_tail_ms)
        end = max(self.cursor, state.start + 1)
        self.cursor = end
        self.finish_visuals(state, end, first=first)
        self.finish_terminals(state, end)

    # ---- speech and captions

    def place_speech(self, beat: SpeechBeat) -> tuple[int, int]:
        spoken = self.synthesis.lines.get(beat.line) if self.synthesis is not None else None
        if spoken is not None and spoken.num_samples > 0:
            num_samples = spoken.num_samples
            words = [
                WordSpan(text=w.text, start_sample=w.start_sample, end_sample=w.end_sample)
                for w in spoken.words
            ]
            audio_path: str | None = str(spoken.audio_path)
            provider, voice, estimated = spoken.provider, spoken.voice, False
        else:
            num_samples = ms_to_samples(max(beat.estimated_ms, 1))
            words = estimated_words(beat.text, num_samples)
            audio_path, provider, voice, estimated = None, "", "", True
        length = max(1, samples_to_frames(num_samples, self.fps))
        start = self.cursor
        speech = SpeechSource(
            speaker=beat.speaker,
            text=beat.text,
            caption=beat.caption,
            audio_path=audio_path,
            num_samples=num_samples,
            words=words,
            provider=provider,
            voice=voice,
            estimated=estimated,
            line=beat.line,
        )
        self.add("voice", Clip(start=start, length=length, source=speech, script_line=beat.line))
        self.place_captions(beat, start, length, words)
        return start, length

    def place_captions(
        self, beat: SpeechBeat, start: int, length: int, words: list[WordSpan]
    ) -> None:
        text = beat.caption or beat.text
        caption_tokens = text.split()
        labels = caption_tokens if len(caption_tokens) == len(words) else [w.text for w in words]
        timed = [
            (
                label,
                samples_to_frames(w.start_sample, self.fps),
                samples_to_frames(w.end_sample, self.fps),
            )
            for label, w in zip(labels, words, strict=False)
        ]
        if len(text) <= self.opt.caption_max_chars or len(timed) < 2:
            self.add_caption(beat, start, length, text, timed)
            return
        phrases = caption_phrases(timed, self.opt.caption_max_chars)
        for k, phrase in enumerate(phrases):
            p_start = 0 if k == 0 else phrase[0][1]
            p_end = length if k == len(phrases) - 1 else phrases[k + 1][0][1]
            p_start, p_end = min(p_start, length), min(max(p_end, p_start), length)
            if p_end <= p_start:
                continue
            rebased = [(t, s - p_start, e - p_start) for t, s, e in phrase]
            self.add_caption(
                beat, start + p_start, p_end - p_start, " ".join(t for t, _, _ in phrase), rebased
            )

    def add_caption(
        self,
        beat: SpeechBeat,
        start: int,
        length: int,
        text: str,
        timed: list[tuple[str, int, int]],
    ) -> None:
        words = [
            CaptionWord(text=t, start=max(0, s), end=min(length, max(e, s + 1)))
            for t, s, e in timed
            if s < length
        ]
        source = CaptionSource(text=text, speaker=beat.speaker, words=words, line=beat.line)
        self.add("caption", Clip(start=start, length=length, source=source, script_line=beat.line))

    # ---- terminal and code

    def animation_ms(self, beat: TerminalBeat | CodeBeat) -> int:
        """The animation's natural length from the terminal engine (the estimate if it fails)."""
        try:
            from app.engine.terminal import build_animation

            return int(
                build_animation(
                    beat, width=self.width, height=self.height, seed=beat.line
                ).duration_ms
            )
        except Exception as exc:  # a broken block must not stop the whole layout
            log.warning(
                "line %d: terminal animation failed (%s); using the estimate", beat.line, exc
            )
            return max(1, beat.estimated_ms)

    def place_terminal(
        self,
        state: _SceneState,
        beat: TerminalBeat | CodeBeat,
        start: int,
        *,
        play_frames: int | None = None,
    ) -> int:
        """Put a terminal or code view at ``start``; returns where the next line may begin."""
        natural = self.animation_ms(beat)
        play_ms = frames_to_ms(play_frames, self.fps) if play_frames is not None else natural
        anim_frames = max(1, ms_to_frames(play_ms, self.fps))
        source = TerminalSource(
            beat=beat,
            animation_ms=natural,
            play_ms=max(1, play_ms),
            theme=beat.options.theme,
            seed=beat.line,
            line=beat.line,
        )
        state.terminals.append(_Placed(start, anim_frames, source, beat.line))
        if play_frames is not None:
            return self.cursor
        return start + anim_frames + self.frames(self.opt.after_animation_ms)

    def finish_terminals(self, state: _SceneState, end: int) -> None:
        """Each view stays, finished, until the next visual, the next view or the scene's end."""
        fade = self.opt.fade_in_frames
        state.terminals.sort(key=lambda p: p.start)
        for k, placed in enumerate(state.terminals):
            stops = [v for v in state.visual_starts if v > placed.start]
            if k + 1 < len(state.terminals):
                stops.append(state.terminals[k + 1].start)
            until = min([*stops, end])
            length = max(until - placed.start, 1)
            keyframes = (
                {
                    "opacity": [
                        Keyframe(frame=0, value=0.0, easing=Easing.EASE_OUT),
                        Keyframe(frame=min(fade, length), value=1.0),
                    ]
                }
                if fade > 0 and length > 1
                else {}
            )
            self.add(
                "terminal",
                Clip(
                    start=placed.start,
                    length=length,
                    source=placed.source,
                    keyframes=keyframes,
                    script_line=placed.line,
                ),
            )

    # ---- visuals

    def visual_source(
        self, beat: VisualBeat | MediaBeat
    ) -> ImageSource | VideoSource | ProceduralSource | None:
        if isinstance(beat, VisualBeat):
            made = self.visuals.for_line(beat.line) if self.visuals is not None else None
            if made is not None:
                if made.kind == "clip":
                    return VideoSource(path=str(made.path), mode="loop", line=beat.line)
                return ImageSource(path=str(made.path), line=beat.line)
            return ProceduralSource(
                prompt=beat.prompt,
                styled_prompt=beat.styled_prompt,
                seed=_seed(beat.prompt, beat.line),
                line=beat.line,
            )
        path = beat.resolved or beat.path
        if beat.media_type == "audio":
            log.info("line %d: audio media is not a background; left out of the picture", beat.line)
            return None
        if beat.media_type == "video":
            return VideoSource(path=path, mode="loop", line=beat.line)
        return ImageSource(path=path, line=beat.line)

    def finish_visuals(self, state: _SceneState, end: int, *, first: bool) -> None:
        """Visuals run until the next visual or the scene's end; a scene without one at its
        start gets a backdrop made from its title so the background never has a hole."""
        visuals = [v for v in state.visuals if v.start < end]
        if not visuals or visuals[0].start > state.start:
            backdrop = ProceduralSource(
                prompt=state.scene.title,
                styled_prompt=", ".join(
                    p for p in (state.scene.title, self.script.settings.style) if p
                ),
                seed=_seed("scene", state.scene.title, state.scene.line),
                line=state.scene.line,
            )
            visuals.insert(0, _Visual(state.start, backdrop, state.scene.line))
        transition_frames = self.frames(self.opt.transition_ms)
        for k, visual in enumerate(visuals):
            until = visuals[k + 1].start if k + 1 < len(visuals) else end
            length = until - visual.start
            if length <= 0:
                continue
            source = visual.clip_source
            if isinstance(source, ImageSource | ProceduralSource):
                source = source.model_copy(
                    update={
                        "ken_burns": KenBurns(
                            start_zoom=1.0,
                            end_zoom=self.opt.ken_burns_zoom,
                            frames=length,
                            start_center=(0.5, 0.5),
                            end_center=_drift(visual.line),
                        )
                    }
                )
            transition = None
            if visual.start == state.start and transition_frames > 0:
                kind: TransitionKind = "crossfade" if first else self.opt.scene_transition
                transition = Transition(kind=kind, length=min(transition_frames, length))
            self.add(
                "visual",
                Clip(
                    start=visual.start,
                    length=length,
                    source=source,
                    transition_in=transition,
                    script_line=visual.line,
                ),
            )

    # ---- music

    def add_music(self) -> None:
        settings = self.script.settings
        path = settings.music_resolved or settings.music
        duration = max((t.end for t in self.tracks.values()), default=0)
        if not path or duration <= 0:
            return
        self.add(
            "music",
            Clip(
                start=0,
                length=duration,
                source=MusicSource(path=path, gain_db=self.opt.music_gain_db, loop=True, line=1),
                script_line=1,
            ),
        )


_TRACK_NAMES: dict[str, str] = {
    "visual": "Background",
    "overlay": "Overlay",
    "terminal": "Views",
    "words": "Words",
    "title": "Titles",
    "label": "Names",
    "badge": "Speakers",
    "caption": "Captions",
    "voice": "Voices",
    "music": "Music",
}


def _drift(line: int) -> tuple[float, float]:
    """A small, line-seeded pan so consecutive stills do not all zoom the same way."""
    s = _seed("drift", line)
    return (0.5 + ((s & 0xFF) / 255 - 0.5) * 0.08, 0.5 + (((s >> 8) & 0xFF) / 255 - 0.5) * 0.08)


def _speech_follows(beats: Sequence[object], i: int) -> bool:
    """True when a speech comes after beat ``i`` before any other terminal or code block."""
    for beat in beats[i + 1 :]:
        if isinstance(beat, SpeechBeat):
            return True
        if isinstance(beat, TerminalBeat | CodeBeat):
            return False
    return False


def auto_layout(
    script: Script,
    synthesis: SynthesisResult | None = None,
    *,
    fps: int | Fraction | str | None = None,
    width: int | None = None,
    height: int | None = None,
    options: LayoutOptions | None = None,
    visuals: VisualFiles | None = None,
) -> Timeline:
    """Lay ``script`` out as a timeline, with real audio lengths where ``synthesis`` has them.

    Without ``synthesis`` (or for a line it lacks) the parser's estimate is used and the
    speech clip is marked ``estimated``. ``fps``, ``width`` and ``height`` default to the
    script's settings (30 fps; 1920x1080, or 1080x1920 for 9:16). ``visuals`` (the
    visual service's plan) gives a ``> visual:`` line its generated still or stock clip;
    a line it has no file for keeps the procedural background.
    """
    rate = fps_fraction(fps if fps is not None else script.settings.fps)
    if rate <= 0:
        raise ValueError(f"frame rate must be positive, not {rate}")
    w, h = default_size(script)
    return _Layout(
        script, synthesis, rate, width or w, height or h, options or LayoutOptions(), visuals
    ).build()


__all__ = ["LayoutOptions", "auto_layout", "default_size"]
