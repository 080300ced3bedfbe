"""The picture tells the story: checked on rendered files as a viewer sees them.

Each script (the shipped examples, a Short fixture and, when it is beside the checkout,
the shared corpus) is rendered offline once. The checks then read the decoded frames
with OCR and the decoded audio with a level meter: every scene's title is on screen,
every speaker's name on their first line in a scene, list items appear as they are
spoken, terminal text rows are big enough to read on a phone, Shorts keep text out of
YouTube's buttons, and the sound never drops out for more than 1.5 s outside a
written pause.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from app.engine.model.script import CodeBeat, Script, SpeechBeat, TerminalBeat
from app.engine.model.time import frames_to_ms, ms_to_frames
from app.engine.motion.elements import titles
from app.engine.motion.stage import Stage
from app.engine.render.project import ScriptRender, render_script
from app.engine.script import parse_file
from app.engine.store import Store
from app.engine.timeline import SceneTitleSource, TerminalSource
from tests.conftest import EXAMPLES, FIXTURES, SHARED_CORPUS
from tests.viewer import (
    frames_at,
    need_tesseract,
    norm,
    ocr_region,
    ocr_text,
    ocr_words,
    reads,
    row_pitch,
    silences,
)

pytestmark = pytest.mark.slow

OWN_SCRIPTS = [
    EXAMPLES / "on-screen-text" / "script.md",
    EXAMPLES / "how-ssh-works" / "script.md",
    FIXTURES / "motion" / "short.md",
]
CORPUS_SCRIPTS = ["ssh-handshake.md", "code-walkthrough.md", "git-undo-short.md"]


def _scripts() -> list[Path]:
    found = [p for p in OWN_SCRIPTS if p.is_file()]
    if SHARED_CORPUS.is_dir():
        found += [
            SHARED_CORPUS / name for name in CORPUS_SCRIPTS if (SHARED_CORPUS / name).is_file()
        ]
    return found


@dataclass
class Rendered:
    script: Script
    result: ScriptRender

    @property
    def video(self) -> Path:
        return self.result.render.output

    @property
    def stage(self) -> Stage:
        tl = self.result.timeline
        return Stage(tl.width, tl.height, captions=tl.burn_captions)

    def seconds(self, frame: int) -> float:
        return frames_to_ms(frame, self.result.timeline.fps) / 1000

    def voice_start(self, line: int) -> float:
        for clip in self.result.timeline.tracks_of("voice")[0].clips:
            if clip.script_line == line:
                return self.seconds(clip.start)
        raise AssertionError(f"no voice clip for line {line}")

    def voice_span(self, line: int) -> tuple[float, float]:
        for clip in self.result.timeline.tracks_of("voice")[0].clips:
            if clip.script_line == line:
                return self.seconds(clip.start), self.seconds(clip.end)
        raise AssertionError(f"no voice clip for line {line}")


_CACHE: dict[str, Rendered] = {}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("rendered")


def rendered(path: Path, workdir: Path) -> Rendered:
    """The script rendered offline at its full delivery size (once per test run)."""
    key = str(path)
    if key not in _CACHE:
        store = Store.open(f"sqlite:///{workdir / 'castline.db'}", assets_dir=workdir / "assets")
        try:
            out = workdir / f"{path.parent.name}-{path.stem}.mp4"
            result = render_script(path, out, offline=True, store=store)
        finally:
            store.close()
        _CACHE[key] = Rendered(parse_file(path), result)
    return _CACHE[key]


SCRIPTS = _scripts()
IDS = [f"{p.parent.name}/{p.name}" for p in SCRIPTS]


@pytest.fixture(params=SCRIPTS, ids=IDS)
def video(request: pytest.FixtureRequest, workdir: Path) -> Rendered:
    need_tesseract()
    return rendered(request.param, workdir)


def test_every_scene_title_is_on_screen(video: Rendered) -> None:
    tl = video.result.timeline
    scenes = [s for s in video.script.scenes if not s.intro]
    assert len(tl.chapters) == len(video.script.scenes)
    headings = {c.script_line: c for c in tl.tracks_of("title")[0].clips
                if isinstance(c.source, SceneTitleSource)}  # fmt: skip
    fps = tl.fps
    moments: list[tuple[str, list[float]]] = []
    short: list[tuple[str, float]] = []
    for scene, chapter in zip(video.script.scenes, tl.chapters, strict=True):
        if scene.intro:
            continue
        clip = headings.get(scene.line)
        assert clip is not None, f"no title for scene {scene.title!r}"
        # Within the title card's length of its scene's start (the first waits for the card).
        assert chapter.start <= clip.start < chapter.start + ms_to_frames(3_500, fps), (
            "the title comes long after its scene starts"
        )
        # Fully shown from the end of its entrance to its settling (or its exit).
        assert isinstance(clip.source, SceneTitleSource)
        shown = clip.start + ms_to_frames(titles.ENTER_MS, fps)
        until = min(
            clip.start + clip.source.hold_frames, clip.end - ms_to_frames(titles.LEAVE_MS, fps)
        )
        if until - shown < ms_to_frames(1_500, fps):
            short.append((scene.title, video.seconds(until - shown)))
        third = (until - shown) // 3
        moments.append((scene.title, [video.seconds(shown + third), video.seconds(until - third)]))
    assert not short, f"titles shown in full for under 1.5 s: {short}"
    frames = frames_at(video.video, [t for _, ts in moments for t in ts])
    band = video.stage.title_band  # where the design puts scene titles: read that region too
    box = (band.x - 20, band.y - 20, band.w + 40, band.h + 40)
    missing = []
    for title, times in moments:
        seen = " ".join(
            ocr_text(frames[t]) + " " + ocr_region(frames[t], box) for t in times if t in frames
        )
        if not reads(seen, title):
            missing.append((title, seen[:200]))
    assert scenes and not missing, missing


def test_each_speaker_is_named_on_their_first_line_in_a_scene(video: Rendered) -> None:
    firsts: list[tuple[str, int]] = []
    for scene in video.script.scenes:
        seen: set[str] = set()
        for beat in scene.beats:
            if (
                isinstance(beat, SpeechBeat)
                and beat.speaker != "NARRATOR"
                and beat.speaker not in seen
            ):
                seen.add(beat.speaker)
                firsts.append((beat.speaker, beat.line))
    if not firsts:
        pytest.skip("only the narrator speaks in this script")
    times = {
        line: (video.voice_start(line) + 0.8, video.voice_start(line) + 1.6) for _, line in firsts
    }
    frames = frames_at(video.video, [t for pair in times.values() for t in pair])
    missing = []
    for speaker, line in firsts:
        character = video.script.character(speaker)
        name = character.name if character is not None else speaker
        # where the design puts names (beside the badge, or above the caption row): read those
        plates = {video.stage.name_plate, video.stage.name_plate_in("caption")}
        boxes = [(p.x - 20, p.y - 20, p.w + 40, p.h + 40) for p in plates]
        text = ""
        for t in times[line]:
            text += " " + ocr_text(frames[t])
            text += " " + " ".join(ocr_region(frames[t], box) for box in boxes)
        if not reads(text, name, fraction=1.0):
            missing.append((name, line, text[:160]))
    assert not missing, missing


def test_list_items_appear_as_they_are_spoken(video: Rendered) -> None:
    groups: dict[int, list[SpeechBeat]] = {}
    for beat in video.script.beats():
        if (
            isinstance(beat, SpeechBeat)
            and beat.shown is not None
            and beat.shown.kind == "list_item"
        ):
            groups.setdefault(beat.shown.group, []).append(beat)
    if not groups:
        pytest.skip("no list in this script")
    checks: list[tuple[float, list[str], str | None]] = []
    for items in groups.values():
        for k, item in enumerate(items):
            start, end = video.voice_span(item.line)
            shown = [it.caption for it in items[: k + 1]]
            upcoming = items[k + 1].caption if k + 1 < len(items) else None
            checks.append((min(end - 0.1, start + 0.8), shown, upcoming))
    frames = frames_at(video.video, [t for t, _, _ in checks])
    for t, shown, upcoming in checks:
        text = ocr_text(frames[t])
        for item in shown:
            assert reads(text, " ".join(item.split()[:4]), fraction=0.75), (t, item, text[:300])
        if upcoming is not None:
            distinct = [
                w for w in norm(upcoming).split() if len(w) >= 5 and w not in norm(" ".join(shown))
            ]
            if distinct:
                assert not reads(text, " ".join(distinct), fraction=1.0), (t, upcoming, text[:300])


def test_terminal_text_rows_are_big_enough_to_read(video: Rendered) -> None:
    tl = video.result.timeline
    views = [c for c in tl.tracks_of("terminal")[0].clips if isinstance(c.source, TerminalSource)]
    if not views:
        pytest.skip("no terminal or code block in this script")
    minimum = 40 if tl.height > tl.width else 36 * tl.height / 1080
    area = video.stage.view_area
    times = [video.seconds(c.end) - 0.45 for c in views]
    frames = frames_at(video.video, times)
    for clip, t in zip(views, times, strict=True):
        crop = frames[t][area.y : area.bottom, area.x : area.right]
        pitch = row_pitch(ocr_words(crop, psm=11))
        beat = clip.source.beat  # type: ignore[union-attr]
        assert isinstance(beat, TerminalBeat | CodeBeat)
        assert pitch >= minimum, (beat.line, pitch, t)


def test_shorts_keep_text_out_of_the_buttons(video: Rendered) -> None:
    """Nothing is written in the bottom quarter (the title and channel) and no spoken words
    or captions sit in the right 15% below the windows (the like and share buttons)."""
    tl = video.result.timeline
    if tl.height <= tl.width:
        pytest.skip("not a Short")
    assert tl.burn_captions
    h, w = tl.height, tl.width
    spoken = norm(
        " ".join(b.text for b in video.script.beats() if isinstance(b, SpeechBeat))
    ).split()
    duration = video.seconds(tl.duration)
    times = [t / 2 for t in range(1, int(duration * 2))]
    frames = frames_at(video.video, times)
    bad = []
    for t, frame in frames.items():
        for word in ocr_words(frame, psm=11) + ocr_words(frame, psm=11, invert=True):
            text = norm(word.text)
            if word.conf < 60 or len(text) < 3:
                continue
            bottom, right = word.top + word.height, word.left + word.width
            if bottom > 0.75 * h:
                bad.append((t, word.text, "bottom quarter", word.left, word.top))
            elif text in spoken and right > 0.85 * w and word.top > 0.46 * h:
                bad.append((t, word.text, "right edge", word.left, word.top))
    assert not bad, bad


def test_no_dead_air_outside_written_pauses(video: Rendered) -> None:
    found = silences(video.video, video.result.timeline, video.script)
    long_runs = [(s.start, s.end, s.written) for s in found if s.unasked > 1.5]
    assert not long_runs, long_runs
