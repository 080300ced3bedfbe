"""The script being edited, parsed off the GUI thread, and the one timeline made from it.

The timeline is always the script laid out (with the voices and visuals known so far)
plus the user's hand edits, kept as overrides (``app.engine.timeline.overrides``). A
line written after a hand edit appears; a fresh layout keeps the edits; clearing them is
just another overrides value, so it can be undone. Views listen to ``parsed`` and
``timeline_changed``; none of them parses or lays out anything itself.

``timeline`` is one ``Timeline`` object for the life of the document: each new result is
copied into it and announced with a ``reset`` event, so views keep their subscription
and clip ids (derived from the overrides' keys) stay the same across layouts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from app.engine.model import Script, SpeechBeat
from app.engine.script import parse_text
from app.engine.timeline import SpeechSource, Timeline, TimelineEvent
from app.engine.timeline.commands import Command, InvalidEdit
from app.engine.timeline.layout import VisualFiles, auto_layout, block_diagnostics
from app.engine.timeline.overrides import Composed, Dropped, TimelineOverrides, compose, derive
from app.ui import workers

if TYPE_CHECKING:
    from app.engine.voice.service import SynthesisResult

PARSE_DELAY_MS = 250


def matching_voices(script: Script, result: SynthesisResult | None) -> SynthesisResult | None:
    """``result`` with its lines moved to where the same words are in ``script`` now.

    Voices are keyed by line; after an edit above a spoken line its audio must follow
    the words, and a line whose words changed must not borrow another line's audio.
    """
    if result is None:
        return None
    from app.engine.voice.service import SpokenLine, SynthesisResult

    by_words: dict[tuple[str, str], SpokenLine] = {}
    for spoken in result.lines.values():
        by_words.setdefault((spoken.speaker, spoken.text), spoken)
    lines: dict[int, SpokenLine] = {}
    for beat in script.beats():
        if isinstance(beat, SpeechBeat):
            found = result.lines.get(beat.line)
            if found is None or (found.speaker, found.text) != (beat.speaker, beat.text):
                found = by_words.get((beat.speaker, beat.text))
            if found is not None:
                lines[beat.line] = found
    return SynthesisResult(lines=lines, project_id=result.project_id)


@dataclass(frozen=True)
class Inputs:
    """What a layout is made from, captured on the GUI thread for a worker."""

    synthesis: SynthesisResult | None
    visuals: VisualFiles | None
    overrides: TimelineOverrides


@dataclass
class Layout:
    """A worker's answer: the script, its fresh layout and that layout with the overrides."""

    version: int
    text: str
    script: Script
    base: Timeline
    composed: Composed
    inputs: Inputs


def lay_out(script: Script, text: str, inputs: Inputs) -> tuple[Timeline, Composed]:
    """The script laid out with what is known of its voices and visuals, then the hand edits."""
    base = auto_layout(script, matching_voices(script, inputs.synthesis), visuals=inputs.visuals)
    return base, compose(base, inputs.overrides, text)


class ScriptDocument(QObject):
    """Text -> Script -> Timeline, with a version number so late results never win."""

    parsed = Signal(object)
    """The newest Script (with its diagnostics)."""
    timeline_changed = Signal(object)
    """The current Timeline after any change (layout, edit, undo)."""
    timeline_replaced = Signal(object)
    """Another project was opened: views start afresh (zoom, undo history, caches)."""
    overrides_changed = Signal(object)
    """The hand edits changed (an edit, undo, re-layout): they are saved with the project."""
    dropped = Signal(object)
    """list[Dropped]: hand edits that could not be applied to the newest layout."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.text = ""
        self.path: Path | None = None
        self.script: Script | None = None
        self.timeline: Timeline | None = None
        self.base: Timeline | None = None
        """The fresh layout the shown timeline was composed from."""
        self.base_text = ""
        self.synthesis: SynthesisResult | None = None
        self.visuals: VisualFiles | None = None
        self.overrides = TimelineOverrides()
        self.shown_dropped: list[Dropped] = []
        self.version = 0
        self.parsed_version = 0
        self._snapshot: Timeline | None = None
        self._unsubscribe: Any = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PARSE_DELAY_MS)
        self._timer.timeout.connect(self.parse_soon)
        self.closed = False

    # -- project ---------------------------------------------------------------------
    def open(self, text: str, path: Path | None, overrides: TimelineOverrides | None) -> None:
        """Start afresh on another project's text and hand edits (nothing of the last one
        survives: not its voices, visuals, layout or edits)."""
        self._timer.stop()
        self.text = text
        self.path = path
        self.script = None
        self.base = None
        self.base_text = ""
        self.synthesis = None
        self.visuals = None
        self.overrides = overrides or TimelineOverrides(script=text)
        self.shown_dropped = []
        self.version += 1
        self.parse_now(replaced=True)
        self.overrides_changed.emit(self.overrides)

    # -- text ------------------------------------------------------------------------
    def set_text(self, text: str, path: Path | None = None) -> None:
        """The editor's text changed: parse it after a short quiet spell."""
        if path is not None:
            self.path = path
        if text == self.text and self.script is not None:
            return
        self.text = text
        self.version += 1
        self._timer.start()

    def inputs(self) -> Inputs:
        return Inputs(self.synthesis, self.visuals, self.overrides)

    def parse_soon(self) -> None:
        """Parse and lay out the newest text in a worker; older results are ignored."""
        self._timer.stop()
        version, text, path, inputs = self.version, self.text, self.path, self.inputs()
        workers.submit(lambda: self._work(version, text, path, inputs), self._arrived, owner=self)

    def parse_now(self, *, replaced: bool = False) -> Script:
        """Parse and lay out synchronously (opening a project, before exporting)."""
        self._timer.stop()
        self._arrived(self._work(self.version, self.text, self.path, self.inputs()), replaced)
        assert self.script is not None
        return self.script

    @staticmethod
    def _work(version: int, text: str, path: Path | None, inputs: Inputs) -> Layout:
        script = parse_text(
            text, path=str(path) if path else None, base_dir=path.parent if path else None
        )
        # What the terminal engine cuts from huge blocks is a problem the writer should see.
        script.diagnostics.extend(block_diagnostics(script))
        base, composed = lay_out(script, text, inputs)
        return Layout(version, text, script, base, composed, inputs)

    def _arrived(self, result: Layout, replaced: bool = False) -> None:
        if self.closed or result.version < self.parsed_version:
            return
        self.parsed_version = result.version
        self.script = result.script
        self.parsed.emit(result.script)
        self._show_layout(result, replaced=replaced)

    def _show_layout(self, result: Layout, *, replaced: bool = False) -> None:
        if (
            result.inputs.synthesis is not self.synthesis
            or result.inputs.visuals is not self.visuals
        ):
            # Voices or visuals arrived while this was laid out: lay out again with them.
            self.relayout_soon()
        self.base, self.base_text = result.base, result.text
        composed = result.composed
        if result.inputs.overrides is not self.overrides:  # edited meanwhile
            composed = compose(result.base, self.overrides, result.text)
        self._show(composed, replaced=replaced)

    def relayout_soon(self) -> None:
        """Lay the current script out again (new voices or visuals) in a worker."""
        script, text, version, inputs = self.script, self.text, self.parsed_version, self.inputs()
        if script is None or self.closed:
            return

        def work() -> Layout:
            base, composed = lay_out(script, text, inputs)
            return Layout(version, text, script, base, composed, inputs)

        def done(result: Layout) -> None:
            if not self.closed and result.version == self.parsed_version:
                self._show_layout(result)

        workers.submit(work, done, owner=self)

    def set_synthesis(self, result: SynthesisResult | None) -> None:
        """Real audio lengths replace the estimates (the layout follows in a worker)."""
        self.synthesis = result
        self.relayout_soon()

    def set_visuals(self, visuals: VisualFiles | None) -> None:
        """A visuals plan (generated stills, stock clips) for the ``> visual:`` lines.

        The same files again (the panel reloading, say) change nothing on screen, so they
        do not lay the script out again (which would empty the preview's frame cache).
        """
        if _same_files(self.visuals, visuals):
            self.visuals = visuals
            return
        self.visuals = visuals
        self.relayout_soon()

    def close(self) -> None:
        """Stop listening: late worker results for a closed window are dropped."""
        self.closed = True
        self._timer.stop()
        workers.cancel_owned(self)
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    # -- the shown timeline ----------------------------------------------------------
    def _show(self, composed: Composed, *, replaced: bool = False) -> None:
        fresh = composed.timeline
        new = [d for d in composed.dropped if d not in self.shown_dropped]
        self.shown_dropped = list(composed.dropped)
        if self.timeline is None:
            self.timeline = fresh
            self._unsubscribe = fresh.subscribe(self._on_event)
        else:
            for name in Timeline.model_fields:
                setattr(self.timeline, name, getattr(fresh, name))
        self._snapshot = None
        if replaced:
            self.timeline_replaced.emit(self.timeline)
        self.timeline.notify(TimelineEvent("reset"))
        if new:
            self.dropped.emit(new)

    def _on_event(self, event: TimelineEvent) -> None:
        self._snapshot = None
        self.timeline_changed.emit(self.timeline)

    def snapshot(self) -> Timeline | None:
        """An immutable copy for workers (renders never see a timeline mid-edit)."""
        if self.timeline is None:
            return None
        if self._snapshot is None:
            self._snapshot = self.timeline.snapshot()
        return self._snapshot

    # -- hand edits ------------------------------------------------------------------
    def edited(self, command: Command) -> TimelineOverrides:
        """The overrides after ``command`` (raises ``InvalidEdit``); nothing changes yet."""
        if self.timeline is None or self.base is None:
            raise InvalidEdit("there is no timeline to edit yet")
        trial = self.timeline.snapshot()
        command.apply(trial)
        return derive(self.base, trial, self.overrides, self.base_text)

    def set_overrides(self, overrides: TimelineOverrides) -> None:
        """Show the layout with ``overrides`` (an edit, its undo, or a fresh layout)."""
        self.overrides = overrides
        if self.base is not None:
            self._show(compose(self.base, overrides, self.base_text))
        self.overrides_changed.emit(overrides)

    def cleared(self) -> TimelineOverrides:
        """No hand edits: the timeline follows the script."""
        return TimelineOverrides(script=self.base_text or self.text)

    @property
    def follow_script(self) -> bool:
        """True while no hand edit is applied."""
        return self.overrides.edits() == 0

    def estimated_lines(self) -> set[int]:
        """Script lines whose timing is still the parser's estimate (no voice yet)."""
        tl = self.timeline
        if tl is None:
            return set()
        return {
            c.source.line or c.script_line or 0
            for _t, c in tl.clips()
            if isinstance(c.source, SpeechSource) and c.source.estimated
        }


def _same_files(a: VisualFiles | None, b: VisualFiles | None) -> bool:
    """True when two visuals plans give every line the same file (or both are absent)."""
    if a is None or b is None:
        return a is b
    files_a, files_b = getattr(a, "visuals", None), getattr(b, "visuals", None)
    if not isinstance(files_a, dict) or not isinstance(files_b, dict):
        return a is b
    return {k: str(v.path) for k, v in files_a.items()} == {
        k: str(v.path) for k, v in files_b.items()
    }
