"""Auto-layout: a parsed script (and its synthesized voices) laid out as a timeline.

Follows the script format's Timing rules and Castline's visual grammar: the title plays
under the first words, every scene opens with its title, a character's first line in a
scene shows their name, dialogue shows who is talking, lists, tables, quotes and
callouts become cards, and the spoken words fill a bare background. There is no dead
air: a terminal or code block after a line starts typing under its end, and the next line
starts soon after the last keystroke (docs/script-language-notes.md, "No dead air").

Every position is an integer frame: durations are converted once (samples or ms ->
frames) with ``app.engine.model.time`` and added as integers, so nothing drifts however
long the video is. Every clip keeps its script line so the studio can jump between the
text and the timeline.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Protocol
from uuid import uuid4

from app.engine.model.diagnostic import Diagnostic, Severity
from app.engine.model.script import (
    CalloutBeat,
    CodeBeat,
    MediaBeat,
    PauseBeat,
    Scene,
    Script,
    SpeechBeat,
    TableBeat,
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
from app.engine.script import timing
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
    BadgeSource,
    CaptionSource,
    CaptionWord,
    ImageSource,
    KenBurns,
    LowerThirdSource,
    MusicSource,
    ProceduralSource,
    SceneTitleSource,
    SlideItem,
    SlideSource,
    SpeechSource,
    TerminalSource,
    TitleCardSource,
    VideoSource,
    WordSpan,
)

if TYPE_CHECKING:
    from app.engine.model.speech import SynthesisResult
    from app.engine.terminal.session import Session
    from app.engine.visuals.plan import GeneratedVisual


class VisualFiles(Protocol):
    """What the layout needs of the visual service's plan: a line's file, if it has one."""

    def for_line(self, line: int) -> GeneratedVisual | None: ...


log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class LayoutOptions:
    """The pacing rules, in milliseconds (converted to frames once)."""

    title_card_ms: int = 3_200
    """The video's title, shown over the opening picture while the first words play."""
    lead_in_ms: int = 300
    """Silence before the very first words (the title card is already fading in)."""
    same_speaker_gap_ms: int = 250
    speaker_change_gap_ms: int = 400
    type_under_ms: int = 1_000
    """A terminal or code block after a spoken line starts this long before the line ends."""
    after_typing_ms: int = 700
    """The next line starts this long after a block's last keystroke (output keeps showing)."""
    quiet_block_ms: int = 1_200
    """A block that types nothing (output only) holds the floor this long."""
    scene_tail_ms: int = 500
    """Silence between a scene's last line and the next scene."""
    held_visual_ms: int = timing.HELD_VISUAL_MS
    """A visual that ends its scene with nothing after it is held this long (the figure
    the parser's estimate and warning use)."""
    shown_only_ms: int = timing.SHOWN_ALONE_MS
    """A table or callout with nothing spoken after it in its scene is held this long."""
    card_lead_ms: int = 300
    """A table or callout appears this long before the line spoken over it."""
    transition_ms: int = 500
    scene_transition: TransitionKind = "crossfade"
    """The transition between scenes: a name from :mod:`app.engine.motion.transitions`."""
    view_in_ms: int = 300
    """Terminal and code windows grow and fade in over this long."""
    view_out_ms: int = 250
    """... and fade out over this long when they leave."""
    scene_title_min_ms: int = 2_400
    scene_title_max_ms: int = 4_000
    name_plate_ms: int = 3_000
    badge_bridge_ms: int = 1_000
    """A badge stays through a gap shorter than this before the same speaker's next line."""
    words_min_ms: int = 700
    """Spoken words are shown large only for stretches at least this long."""
    words_bridge_ms: int = 1_200
    """... and stay up through a gap this short before the next phrase."""
    ken_burns_zoom: float = 1.08
    music_gain_db: float = -18.0
    caption_max_chars: int = 70
    """Longer spoken lines are captioned phrase by phrase (56 in a Short)."""


def default_size(script: Script) -> tuple[int, int]:
    """1920x1080 for 16:9, 1080x1920 for Shorts."""
    return (1080, 1920) if script.settings.aspect == "9:16" else (1920, 1080)


def captions_burned(script: Script, width: int, height: int) -> bool:
    """Burned-in captions: always with ``captions: burn``, in Shorts unless ``captions: off``."""
    mode = script.settings.captions
    return mode == "burn" or (mode == "auto" and height > width)


def _seed(*parts: object) -> int:
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:4], "big")


def _session(beat: TerminalBeat | CodeBeat) -> Session:
    from app.engine.terminal.beats import code_session, terminal_session
    from app.engine.terminal.themes import load_theme

    theme = load_theme(None)
    if isinstance(beat, TerminalBeat):
        return terminal_session(beat, theme, seed=beat.line)
    return code_session(beat, theme, seed=beat.line)


def block_diagnostics(script: Script) -> list[Diagnostic]:
    """What the terminal engine had to say about the script's blocks (cuts of huge output),
    named with the script's file so the user can find them."""
    out: list[Diagnostic] = []
    for beat in script.beats():
        if isinstance(beat, TerminalBeat | CodeBeat):
            try:
                found = _session(beat).diagnostics
            except Exception as exc:  # a block the engine cannot read is reported, not raised
                found = [Diagnostic(line=beat.line, severity=Severity.WARNING,
                                    message=f"this block cannot be animated ({exc})")]  # fmt: skip
            found += _theme_diagnostics(beat)
            out += [d.model_copy(update={"file": d.file or script.path}) for d in found]
    return out


def _theme_diagnostics(beat: TerminalBeat | CodeBeat) -> list[Diagnostic]:
    """A block's theme file that cannot be read or lacks a colour, as a warning."""
    from app.engine.terminal.themes import ThemeError, load_theme

    if not beat.options.theme:
        return []
    try:
        load_theme(beat.options.theme)
    except ThemeError as exc:
        message = f"{exc}; the block is drawn in the default theme. Fix the theme file."
        return [Diagnostic(line=beat.line, severity=Severity.WARNING, message=message)]
    return []


def block_timing(beat: TerminalBeat | CodeBeat) -> tuple[int, int]:
    """A block's natural length and the time of its last keystroke, in milliseconds.

    Built from the typed session alone (no drawing), so laying out a long script is quick.
    A block that types nothing reports 0 for its last keystroke.
    """
    session = _session(beat)
    strokes = session.keystrokes()
    return max(1, session.duration_ms), (strokes[-1][0] if strokes else 0)


# --------------------------------------------------------------------------- the builder


@dataclass
class _Visual:
    start: int
    clip_source: ImageSource | VideoSource | ProceduralSource
    line: int


@dataclass
class _View:
    """A terminal, code window or card placed at ``start``; its end is decided per scene."""

    start: int
    source: TerminalSource | SlideSource
    line: int
    min_end: int = 0
    """It stays at least until here (a list slide until its last item has been spoken)."""


@dataclass
class _Spoken:
    start: int
    end: int
    speaker: str
    line: int
    audio: str | None


@dataclass
class _SceneState:
    scene: Scene
    start: int
    visuals: list[_Visual] = field(default_factory=list)
    views: list[_View] = field(default_factory=list)
    visual_starts: list[tuple[int, int]] = field(default_factory=list)
    """(start frame, script line) of each visual."""
    spoken: list[_Spoken] = field(default_factory=list)
    phrases: list[Clip] = field(default_factory=list)
    """Caption clips of this scene: candidates for the large spoken words."""
    cards: dict[tuple[str, int], _View] = field(default_factory=dict)
    """Open list slides and quote cards by (kind, group)."""


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
        from app.engine.styles import resolve_style

        self.script = script
        self.synthesis = synthesis
        self.visuals = visuals
        self.fps = fps
        self.width = width
        self.height = height
        self.opt = options
        self.style = resolve_style(script.settings.look)
        self.tracks: dict[TrackKind, Track] = {
            kind: Track(kind=kind, name=_TRACK_NAMES[kind]) for kind in TRACK_ORDER
        }
        self.cursor = 0
        self.last_speaker: str | None = None
        self.chapters: list[Chapter] = []
        self.title_end = 0
        self.colours = self._speaker_colours()
        vertical = height > width
        self.caption_chars = (
            min(options.caption_max_chars, 56) if vertical else options.caption_max_chars
        )

    def frames(self, ms: int) -> int:
        return ms_to_frames(ms, self.fps)

    def add(self, kind: TrackKind, clip: Clip) -> None:
        if clip.length > 0:
            self.tracks[kind].clips.append(clip)

    def _speaker_colours(self) -> dict[str, str]:
        """Each character's colour: their own ``color:``, else the style's next one."""
        from app.engine.styles import to_hex

        out: dict[str, str] = {}
        index = 0
        order = [c.name for c in self.script.characters]
        for beat in self.script.beats():
            if isinstance(beat, SpeechBeat) and beat.speaker not in order:
                order.append(beat.speaker)
        for name in order:
            character = self.script.character(name)
            if character is not None and character.color:
                out[name] = character.color
            elif name != "NARRATOR":
                out[name] = to_hex(self.style.speaker_color(index))
                index += 1
            else:
                out[name] = to_hex(self.style.accent)
        return out

    # ---- the whole script

    def build(self) -> Timeline:
        title_len = self.frames(self.opt.title_card_ms)
        self.cursor = self.frames(self.opt.lead_in_ms) if title_len > 0 else 0
        self.title_end = title_len
        for index, scene in enumerate(self.script.scenes):
            self.layout_scene(scene, first=index == 0)
        if title_len > 0:
            self.add_title_card(title_len)
        self.add_music()
        timeline = Timeline.create(
            self.fps,
            self.width,
            self.height,
            title=self.script.title,
            tracks=[self.tracks[k] for k in TRACK_ORDER],
            chapters=self.chapters,
            look=self.script.settings.look,
            burn_captions=captions_burned(self.script, self.width, self.height),
        )
        for track in timeline.tracks:
            track.clips.sort(key=lambda c: c.start)
        return timeline

    def add_title_card(self, length: int) -> None:
        """The video's title over the opening, cut short when a window opens under it."""
        first_view = min((c.start for c in self.tracks["terminal"].clips), default=length)
        end = min(length, max(first_view, self.frames(1_500)))
        first_title = min((c.start for c in self.tracks["title"].clips), default=end)
        end = min(end, first_title) if first_title > 0 else end
        self.bring_titles_forward(end)
        subtitle = self.script.settings.description.strip()
        self.add(
            "title",
            Clip(
                start=0,
                length=max(1, end),
                source=TitleCardSource(
                    text=self.script.title,
                    subtitle=subtitle if len(subtitle) <= 80 else "",
                    line=1,
                ),
                script_line=1,
            ),
        )
        self.title_end = end

    def bring_titles_forward(self, card_end: int) -> None:
        """A card closed early for a window hands over to the scene's heading at once.

        Scene titles were laid out to wait for the card's full length; left there, a short
        first scene showed a second of neither and its heading only as it left.
        """
        scene_starts = {c.line: c.start for c in self.chapters}
        clips = self.tracks["title"].clips
        for k, clip in enumerate(clips):
            if not isinstance(clip.source, SceneTitleSource):
                continue
            start = max(scene_starts.get(clip.script_line, clip.start), card_end)
            if start < clip.start:
                clips[k] = clip.model_copy(update={"start": start, "length": clip.end - start})

    # ---- one scene

    def layout_scene(self, scene: Scene, *, first: bool) -> None:
        state = _SceneState(scene=scene, start=0 if first else self.cursor)
        self.chapters.append(Chapter(title=scene.title, start=state.start, line=scene.line))
        self.last_speaker = None
        pending_sync: TerminalBeat | CodeBeat | None = None
        pending_card: _View | None = None
        last_timed: str | None = None
        beats = scene.beats
        speech_next = timing.speech_next(beats)
        for i, beat in enumerate(beats):
            if isinstance(beat, SpeechBeat):
                if self.last_speaker is not None and last_timed == "speech":
                    gap = (
                        self.opt.same_speaker_gap_ms
                        if beat.speaker == self.last_speaker
                        else self.opt.speaker_change_gap_ms
                    )
                    self.cursor += self.frames(gap)
                heading = ""
                if pending_card is not None and _heads_list(pending_card, beat, state):
                    # A ### heading right before a list becomes the list slide's title.
                    state.views.remove(pending_card)
                    assert isinstance(pending_card.source, SlideSource)
                    heading = pending_card.source.text
                elif pending_card is not None:
                    self.cursor = max(
                        self.cursor, pending_card.start + self.frames(self.opt.card_lead_ms)
                    )
                pending_card = None
                start, length = self.place_speech(state, beat)
                if pending_sync is not None:
                    self.place_block(state, pending_sync, start, play_frames=length)
                    pending_sync = None
                self.show_speech(state, beat, start, length, heading)
                self.cursor = start + length
                self.last_speaker = beat.speaker
                last_timed = "speech"
            elif isinstance(beat, PauseBeat):
                self.cursor += self.frames(beat.duration_ms)
                last_timed = "pause"
            elif isinstance(beat, TerminalBeat | CodeBeat):
                if pending_sync is not None:
                    self.cursor = self.place_block(state, pending_sync, self.cursor)
                    last_timed = "block"
                if beat.options.sync_next and speech_next[i]:
                    pending_sync = beat
                    continue
                start = self.cursor
                if last_timed == "speech" and state.spoken:
                    last = state.spoken[-1]
                    under = min(
                        self.frames(self.opt.type_under_ms), (last.end - last.start) * 2 // 5
                    )
                    start = max(last.start, last.end - under)
                self.cursor = max(self.cursor, self.place_block(state, beat, start))
                last_timed = "block"
            elif isinstance(beat, TableBeat | CalloutBeat):
                pending_card = self.place_card(state, beat)
                if not speech_next[i]:
                    self.cursor += self.frames(self.opt.shown_only_ms)
                    pending_card = None
                last_timed = "card"
            elif isinstance(beat, VisualBeat | MediaBeat):
                source = self.visual_source(beat)
                if source is not None:
                    state.visuals.append(_Visual(self.cursor, source, beat.line))
                    state.visual_starts.append((self.cursor, beat.line))
        if pending_sync is not None:
            self.cursor = self.place_block(state, pending_sync, self.cursor)
            last_timed = "block"
        if beats and isinstance(beats[-1], VisualBeat | MediaBeat):
            self.cursor += self.frames(self.opt.held_visual_ms)
        elif last_timed == "speech":
            self.cursor += self.frames(self.opt.scene_tail_ms)
        end = max(self.cursor, state.start + 1)
        self.cursor = end
        self.finish_visuals(state, end, first=first)
        self.finish_views(state, end)
        self.finish_words(state, end)
        self.finish_people(state, end)  # after the words: a plate keeps clear of those shown low
        if not scene.intro:
            self.add_scene_title(state, end)

    # ---- speech, captions, names and badges

    def place_speech(self, state: _SceneState, beat: SpeechBeat) -> tuple[int, int]:
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
        self.place_captions(state, beat, start, length, words)
        state.spoken.append(_Spoken(start, start + length, beat.speaker, beat.line, audio_path))
        return start, length

    def place_captions(
        self, state: _SceneState, beat: SpeechBeat, start: int, length: int, words: list[WordSpan]
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
        if len(text) <= self.caption_chars or len(timed) < 2:
            self.add_caption(state, beat, start, length, text, timed)
            return
        phrases = caption_phrases(timed, self.caption_chars)
        for k, phrase in enumerate(phrases):
            p_start = 0 if k == 0 else phrase[0][1]
            p_end = length if k == len(phrases) - 1 else phrases[k + 1][0][1]
            p_start, p_end = min(p_start, length), min(max(p_end, p_start), length)
            if p_end <= p_start:
                continue
            rebased = [(t, s - p_start, e - p_start) for t, s, e in phrase]
            self.add_caption(
                state,
                beat,
                start + p_start,
                p_end - p_start,
                " ".join(t for t, _, _ in phrase),
                rebased,
            )

    def add_caption(
        self,
        state: _SceneState,
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
        source = CaptionSource(
            text=text, speaker=beat.speaker, words=words, emphasis=beat.emphasis, line=beat.line
        )
        clip = Clip(start=start, length=length, source=source, script_line=beat.line)
        self.add("caption", clip)
        state.phrases.append(clip)

    def show_speech(
        self, state: _SceneState, beat: SpeechBeat, start: int, length: int, heading: str = ""
    ) -> None:
        """A spoken list item or quote also appears on its card."""
        shown = beat.shown
        if shown is None:
            return
        key = (shown.kind, shown.group)
        view = state.cards.get(key)
        end = start + length
        if shown.kind == "list_item":
            item = SlideItem(text=beat.caption or beat.text, marker=shown.marker,
                             depth=shown.depth, emphasis=beat.emphasis)  # fmt: skip
            if view is None:
                slide = SlideSource(variant="list", title=heading, items=[item], line=shown.group)
                view = _View(start, slide, shown.group, min_end=end)
                state.views.append(view)
                state.cards[key] = view
                return
            assert isinstance(view.source, SlideSource)
            item = item.model_copy(update={"at": start - view.start})
            view.source = view.source.model_copy(update={"items": [*view.source.items, item]})
            view.min_end = end
            return
        text = beat.caption or beat.text
        if view is None:
            quote = SlideSource(variant="quote", text=text, attribution=shown.attribution,
                                line=shown.group)  # fmt: skip
            view = _View(start, quote, shown.group, min_end=end)
            state.views.append(view)
            state.cards[key] = view
            return
        assert isinstance(view.source, SlideSource)
        view.source = view.source.model_copy(update={"text": f"{view.source.text}\n{text}"})
        view.min_end = end

    def place_card(self, state: _SceneState, beat: TableBeat | CalloutBeat) -> _View:
        if isinstance(beat, TableBeat):
            source = SlideSource(variant="table", header=beat.header, rows=beat.rows,
                                 align=list(beat.align), line=beat.line)  # fmt: skip
        else:
            source = SlideSource(variant="callout", text=beat.text, line=beat.line)
        view = _View(self.cursor, source, beat.line)
        state.views.append(view)
        return view

    def finish_people(self, state: _SceneState, end: int) -> None:
        """Name plates on each character's first line in the scene; badges in dialogue."""
        named: set[str] = set()
        plates: list[tuple[int, _Spoken]] = []
        for sp in state.spoken:
            if sp.speaker != "NARRATOR" and sp.speaker not in named:
                named.add(sp.speaker)
                plates.append((sp.start, sp))
        plate_len = self.frames(self.opt.name_plate_ms)
        least = self.frames(2_000)
        for k, (start, sp) in enumerate(plates):
            until = min(max(sp.end, start + least), start + plate_len, end)
            if k + 1 < len(plates):
                until = min(until, plates[k + 1][0])
            other = next(
                (o.start for o in state.spoken if o.start > start and o.speaker != sp.speaker), None
            )
            if other is not None:
                until = min(until, max(other, sp.end))
            low = any(
                w.start < until and start < w.end
                and isinstance(w.source, CaptionSource) and w.source.placement == "lower"
                for w in self.tracks["words"].clips
            )  # fmt: skip
            self.add(
                "label",
                Clip(
                    start=start,
                    length=until - start,
                    source=LowerThirdSource(
                        name=self.display_name(sp.speaker),
                        color=self.colours.get(sp.speaker, "#4cc9f0"),
                        row="above" if low else "caption",
                        line=sp.line,
                    ),
                    script_line=sp.line,
                ),
            )
        speakers = {sp.speaker for sp in state.spoken}
        if len(speakers) < 2:
            return
        bridge = self.frames(self.opt.badge_bridge_ms)
        spoken = state.spoken
        for k, sp in enumerate(spoken):
            nxt = spoken[k + 1] if k + 1 < len(spoken) else None
            prev = spoken[k - 1] if k > 0 else None
            until = sp.end
            same_next = (
                nxt is not None and nxt.speaker == sp.speaker and nxt.start - sp.end <= bridge
            )
            if same_next and nxt is not None:
                until = nxt.start
            elif nxt is not None and nxt.start - sp.end <= bridge:
                until = nxt.start  # hand over at the next speaker's first word
            same_prev = (
                prev is not None and prev.speaker == sp.speaker and sp.start - prev.end <= bridge
            )
            character = self.script.character(sp.speaker)
            avatar = character.avatar_resolved if character is not None else None
            self.add(
                "badge",
                Clip(
                    start=sp.start,
                    length=max(1, min(until, end) - sp.start),
                    source=BadgeSource(
                        speaker=sp.speaker,
                        name=self.display_name(sp.speaker),
                        color=self.colours.get(sp.speaker, "#4cc9f0"),
                        avatar=avatar,
                        audio_path=sp.audio,
                        enter=not same_prev,
                        leave=not same_next,
                        line=sp.line,
                    ),
                    script_line=sp.line,
                ),
            )

    def display_name(self, speaker: str) -> str:
        character = self.script.character(speaker)
        return character.name if character is not None else speaker

    # ---- terminal and code

    def place_block(
        self,
        state: _SceneState,
        beat: TerminalBeat | CodeBeat,
        start: int,
        *,
        play_frames: int | None = None,
    ) -> int:
        """Put a terminal or code view at ``start``; returns where the next line may begin."""
        try:
            natural, last_key = block_timing(beat)
        except Exception as exc:  # a broken block must not stop the whole layout
            log.warning(
                "line %d: terminal animation failed (%s); using the estimate", beat.line, exc
            )
            natural, last_key = max(1, beat.estimated_ms), max(1, beat.estimated_ms)
        play_ms = frames_to_ms(play_frames, self.fps) if play_frames is not None else natural
        source = TerminalSource(
            beat=beat,
            animation_ms=natural,
            play_ms=max(1, play_ms),
            theme=beat.options.theme or self.style.terminal_theme,
            seed=beat.line,
            clicks=self.script.settings.typing_sound,
            line=beat.line,
        )
        state.views.append(_View(start, source, beat.line, min_end=start + 1))
        if play_frames is not None:
            return self.cursor
        if last_key > 0:
            if play_ms != natural and natural > 0:
                last_key = last_key * play_ms // natural
            return start + self.frames(last_key + self.opt.after_typing_ms)
        return start + self.frames(min(play_ms, self.opt.quiet_block_ms))

    def finish_views(self, state: _SceneState, end: int) -> None:
        """Each view stays until the next view, the next visual or the scene's end, and
        enters and leaves with a short animation (never a one-frame cut)."""
        views = sorted(state.views, key=lambda v: v.start)
        fade_in, fade_out = self.frames(self.opt.view_in_ms), self.frames(self.opt.view_out_ms)
        for k, view in enumerate(views):
            # a visual written after the view ends it (one written before it may start a
            # moment later, when the view types under the end of the line before)
            stops = [
                v
                for v, line in state.visual_starts
                if v > view.start and v >= view.min_end and line > view.line
            ]
            if k + 1 < len(views):
                stops.append(views[k + 1].start)
            until = min([*stops, end])
            length = max(until - view.start, 1)
            keyframes: dict[str, list[Keyframe]] = {}
            if isinstance(view.source, TerminalSource) and length > 2:
                grow = min(fade_in, length // 2)
                shrink = min(fade_out, length - grow)
                keyframes = {
                    "opacity": [
                        Keyframe(frame=0, value=0.0, easing=Easing.EASE_OUT),
                        Keyframe(frame=grow, value=1.0),
                        *(
                            [
                                Keyframe(frame=length - shrink, value=1.0, easing=Easing.EASE_IN),
                                Keyframe(frame=length, value=0.0),
                            ]
                            if shrink > 0
                            else []
                        ),
                    ],
                    "scale": [
                        Keyframe(frame=0, value=0.92, easing=Easing.EASE_OUT),
                        Keyframe(frame=grow, value=1.0),
                    ],
                }
            self.add(
                "terminal",
                Clip(
                    start=view.start,
                    length=length,
                    source=view.source,
                    keyframes=keyframes,
                    script_line=view.line,
                ),
            )

    # ---- words on a bare background

    def finish_words(self, state: _SceneState, end: int) -> None:
        """The phrase being spoken, wherever no window, card or title card holds the
        picture: large in the middle of a bare background, low like a caption over the
        user's own picture or video."""
        views: list[tuple[int, int]] = [(0, self.title_end)] if state.start < self.title_end else []
        for clip in self.tracks["terminal"].clips:
            if clip.end > state.start and clip.start < end:
                views.append((clip.start, clip.end))
        media: list[tuple[int, int]] = []
        visuals = sorted(state.visuals, key=lambda v: v.start)
        for k, visual in enumerate(visuals):
            if isinstance(visual.clip_source, ImageSource | VideoSource):
                until = visuals[k + 1].start if k + 1 < len(visuals) else end
                media.append((visual.start, until))
        shortest = self.frames(self.opt.words_min_ms)
        bridge = self.frames(self.opt.words_bridge_ms)
        pieces: list[tuple[int, int, Clip, str]] = []
        for phrase in state.phrases:
            for s, e in _uncovered(phrase.start, phrase.end, views):
                bare = _uncovered(s, e, media)
                over_media = _uncovered(s, e, [(a, b) for a, b in _uncovered(s, e, media)])
                for part, where in ((bare, "centre"), (over_media, "lower")):
                    pieces += [(a, b, phrase, where) for a, b in part if b - a >= shortest]
        pieces.sort(key=lambda p: p[0])
        for k, (s, e, phrase, where) in enumerate(pieces):
            following = pieces[k + 1][0] if k + 1 < len(pieces) else None
            window = min((a for a, _ in views if a >= e), default=None)
            # Hold the words through a short gap instead of flashing the background: up to
            # the next words in the same place, or up to a window that comes first.
            if following is not None and pieces[k + 1][3] == where:
                hold = following
            elif window is not None and (following is None or window <= following):
                gap = _uncovered(e, window, media)
                hold = window if gap == ([(e, window)] if where == "centre" else []) else e
            else:
                hold = e
            if 0 < hold - e <= bridge and _uncovered(e, hold, views) == [(e, hold)]:
                e = hold
            source = phrase.source
            assert isinstance(source, CaptionSource)
            self.add(
                "words",
                phrase.model_copy(
                    update={
                        "id": uuid4(),
                        "start": s,
                        "length": e - s,
                        "source_in": s - phrase.start,
                        "source": source.model_copy(update={"placement": where}),
                    }
                ),
            )

    def add_scene_title(self, state: _SceneState, end: int) -> None:
        """The heading, large at the scene's start, then a small chapter tag until its end."""
        start = max(state.start, self.title_end if state.start < self.title_end else state.start)
        if end - start < self.frames(800):
            return
        words = len(state.scene.title.split())
        read_ms = min(
            self.opt.scene_title_max_ms, max(self.opt.scene_title_min_ms, 1_000 + 300 * words)
        )
        number = sum(
            1
            for s in self.script.scenes[: self.script.scenes.index(state.scene) + 1]
            if not s.intro
        )
        clip = Clip(
            start=start,
            length=end - start,
            source=SceneTitleSource(
                text=state.scene.title,
                number=number,
                hold_frames=self.frames(read_ms),
                line=state.scene.line,
            ),
            script_line=state.scene.line,
        )
        self.add("title", clip)

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
                palette=self.style.palette_hex,
                pattern=self.style.background_kind,
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
            found = self.visuals.for_line(state.scene.line) if self.visuals is not None else None
            backdrop: ImageSource | VideoSource | ProceduralSource
            if found is not None:  # stock footage found for the scene's own words
                backdrop = (
                    VideoSource(path=str(found.path), mode="loop", line=state.scene.line)
                    if found.kind == "clip"
                    else ImageSource(path=str(found.path), line=state.scene.line)
                )
                visuals.insert(0, _Visual(state.start, backdrop, state.scene.line))
            else:
                backdrop = ProceduralSource(
                    prompt=state.scene.title,
                    styled_prompt=", ".join(
                        p for p in (state.scene.title, self.script.settings.style) if p
                    ),
                    seed=_seed("scene", state.scene.title, state.scene.line),
                    palette=self.style.palette_hex,
                    pattern=self.style.background_kind,
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
            if visual.start == state.start and transition_frames > 0 and not first:
                kind: TransitionKind = self.opt.scene_transition
                transition = Transition(kind=kind, length=min(transition_frames, length))
            elif visual.start == state.start and first and transition_frames > 0:
                transition = Transition(kind="fade", length=min(transition_frames, length))
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


def _heads_list(card: _View, beat: SpeechBeat, state: _SceneState) -> bool:
    """True when ``card`` is a callout just before the first item of a new list."""
    return (
        isinstance(card.source, SlideSource)
        and card.source.variant == "callout"
        and beat.shown is not None
        and beat.shown.kind == "list_item"
        and (beat.shown.kind, beat.shown.group) not in state.cards
    )


def _uncovered(start: int, end: int, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The parts of ``[start, end)`` outside every covered span."""
    parts = [(start, end)]
    for cs, ce in covered:
        nxt: list[tuple[int, int]] = []
        for s, e in parts:
            if ce <= s or cs >= e:
                nxt.append((s, e))
                continue
            if s < cs:
                nxt.append((s, cs))
            if ce < e:
                nxt.append((ce, e))
        parts = nxt
    return parts


def _drift(line: int) -> tuple[float, float]:
    """A small, line-seeded pan so consecutive stills do not all zoom the same way."""
    s = _seed("drift", line)
    return (0.5 + ((s & 0xFF) / 255 - 0.5) * 0.08, 0.5 + (((s >> 8) & 0xFF) / 255 - 0.5) * 0.08)


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


__all__ = [
    "LayoutOptions",
    "auto_layout",
    "block_diagnostics",
    "block_timing",
    "captions_burned",
    "default_size",
]
