"""The Publish dialog's parts: thumbnails to choose from, the speed meter, resume's checks."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pytestqt.qtbot import QtBot

from app.engine.hashing import sha256_file
from app.engine.jobs.progress import Progress
from app.engine.pictures import VisualError
from app.engine.publish import PublishError, VideoMetadata
from app.engine.render.sidecars import thumbnail_candidates
from app.engine.script import parse_text
from app.engine.store import Store
from app.engine.timeline import Timeline
from app.engine.timeline.layout import auto_layout
from app.ui.main_window import MainWindow
from app.ui.publish.rate import RateMeter, clock_left, human_bytes
from app.ui.publish.thumbnails import candidates, file_thumbnail, frame_thumbnail
from app.ui.publish.wiring import open_publish_dialog
from app.ui.publish.work import Network, PublishPlan, final_metadata, resume_work
from tests.ui.conftest import copy_script, open_window

TINY = Path(__file__).parent / "fixtures" / "tiny" / "script.md"


@pytest.fixture(scope="module")
def timeline() -> Timeline:
    text = TINY.read_text(encoding="utf-8")
    return auto_layout(parse_text(text, path=str(TINY), base_dir=TINY.parent))


def _image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def test_candidates_are_the_renders_frames_and_take_the_title(timeline: Timeline) -> None:
    found = candidates(timeline)
    assert [c.frame for c in found] == thumbnail_candidates(timeline)
    assert all(c.rgb is not None and c.rgb.shape == (720, 1280, 3) for c in found)
    assert found[0].what == f"the frame at {found[0].label}"
    one, other = found[0].jpeg("Pipes"), found[0].jpeg("Completely different words")
    assert one != other and len(one) < 2 * 1024 * 1024
    assert _image(one).size == (1280, 720) and _image(one).format == "JPEG"
    # The title is drawn over the frame: the picture differs from the bare content frame.
    titled = np.asarray(_image(one).convert("RGB"), dtype=np.int16)
    assert np.abs(titled - found[0].rgb.astype(np.int16)).mean() > 3  # type: ignore[union-attr]


def test_any_frame_or_the_users_picture(timeline: Timeline, tmp_path: Path) -> None:
    last = frame_thumbnail(timeline, 10**9)
    assert last.frame == timeline.duration - 1 and last.label.endswith("(preview)")
    picture = tmp_path / "logo.png"
    Image.new("RGB", (400, 400), (200, 40, 40)).save(picture)
    own = file_thumbnail(timeline, picture)
    image = _image(own.jpeg("ignored"))
    assert image.size == (1280, 720)
    r, g, b = image.convert("RGB").getpixel((640, 360))  # type: ignore[misc]
    assert r > 150 and g < 90 and b < 90  # the user's red, cropped to fill, no title over it
    assert own.jpeg("A") == own.jpeg("B") and own.what == "logo.png"
    notes = tmp_path / "notes.png"
    notes.write_text("not a picture", encoding="utf-8")
    with pytest.raises(VisualError, match="not an image"):
        file_thumbnail(timeline, notes)


def test_the_meter_follows_the_recent_speed() -> None:
    meter = RateMeter(window_s=4.0)
    assert meter.speed() is None and meter.describe(0, 10_000_000) == "0 B of 10.0 MB"
    for second in range(11):  # 1 MB/s for ten seconds...
        meter.add(float(second), second * 1_000_000)
    assert meter.speed() == pytest.approx(1_000_000)
    for second in range(11, 15):  # ...then 3 MB/s: the window forgets the slow part
        meter.add(float(second), 10_000_000 + (second - 10) * 3_000_000)
    assert meter.speed() == pytest.approx(3_000_000)
    assert meter.eta_s(40_000_000) == pytest.approx(6.0)
    assert meter.describe(22_000_000, 40_000_000) == "22.0 MB of 40.0 MB · 3.0 MB/s · 0:06 left"
    meter.add(15.0, 0)  # a new session from zero: old samples would give a negative speed
    assert meter.speed() is None
    assert human_bytes(999) == "999 B" and human_bytes(1_500) == "1.5 kB"
    assert clock_left(3725) == "1:02:05" and clock_left(65) == "1:05"


def test_the_chapters_sent_are_the_renders(tmp_path: Path) -> None:
    video = tmp_path / "v.mp4"
    (tmp_path / "v.chapters.txt").write_text(
        "Script words.\n\nChapters:\n0:00 A\n0:11 B\n0:22 C\n", encoding="utf-8"
    )
    plan = PublishPlan("p", VideoMetadata(title="T", description="My words."))
    assert (
        final_metadata(plan, video).description == "My words.\n\nChapters:\n0:00 A\n0:11 B\n0:22 C"
    )
    without = PublishPlan(
        "p", VideoMetadata(title="T", description="My words."), add_chapters=False
    )
    assert final_metadata(without, video).description == "My words."


def test_resume_refuses_a_render_that_changed_or_is_gone(store: Store, tmp_path: Path) -> None:
    project = store.create_project("Pipes", tmp_path / "script.md")
    video = tmp_path / "v.mp4"
    video.write_bytes(b"x" * 1000)
    record = store.start_upload(
        project.id,
        video,
        video_sha256=sha256_file(str(video)),
        video_bytes=1000,
        preset="preview",
        details={"metadata": VideoMetadata(title="T").as_dict()},
    )
    video.write_bytes(b"y" * 1000)  # rendered again: same size, other bytes
    with pytest.raises(PublishError, match="changed since its upload began"):
        resume_work(store, record, Network())(Progress())
    video.unlink()
    with pytest.raises(PublishError, match="is gone"):
        resume_work(store, record, Network())(Progress())
    assert store.pending_upload(project.id) == record  # kept until the user discards it


@pytest.mark.usefixtures("memory_keyring")
def test_a_frame_and_a_picture_become_choices_in_the_dialog(
    qtbot: QtBot, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in (
        "CASTLINE_GOOGLE_CLIENT_ID",
        "CASTLINE_GOOGLE_CLIENT_SECRET",
        "CASTLINE_YOUTUBE_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    window: MainWindow = open_window(qtbot, store, copy_script(TINY, tmp_path))
    dialog = open_publish_dialog(window)
    qtbot.waitUntil(lambda: dialog.previews_drawn > 0, timeout=60000)
    count = dialog.picker.count()
    window.preview.seek(30)
    dialog.add_preview_frame()
    qtbot.waitUntil(lambda: dialog.picker.count() == count + 1, timeout=30000)
    assert dialog.picker.currentRow() == count and dialog.picker.chosen().frame == 30  # type: ignore[union-attr]
    picture = tmp_path / "mine.png"
    Image.new("RGB", (1920, 1080), (10, 200, 10)).save(picture)
    dialog.choose_picture(picture)
    qtbot.waitUntil(lambda: dialog.picker.count() == count + 2, timeout=30000)
    assert dialog.thumb_note.text() == "YouTube gets mine.png."
    qtbot.waitUntil(lambda: not dialog.picker.item(count + 1).icon().isNull(), timeout=30000)
    bad = tmp_path / "bad.png"
    bad.write_text("no picture here", encoding="utf-8")
    dialog.choose_picture(bad)
    qtbot.waitUntil(lambda: "not an image" in dialog.thumb_note.text(), timeout=30000)
    assert dialog.picker.count() == count + 2
    assert "Not signed in" in dialog.account_label.text()
    assert "CASTLINE_GOOGLE_CLIENT_ID" in dialog.account_note.text()

    # Reopened after an edit: the typed details stay, the frames are drawn anew, the picture stays.
    dialog.title.setText("My own title")
    dialog.close()
    drawn = dialog.previews_drawn
    window.replace_text(window.editor.toPlainText() + "\n## Extra\n\nOne more thing.\n")
    assert open_publish_dialog(window) is dialog
    qtbot.waitUntil(lambda: dialog.previews_drawn > drawn, timeout=60000)
    assert dialog.title.text() == "My own title"
    assert dialog.picker.chosen().what == "mine.png"  # type: ignore[union-attr]
    assert [c for c in dialog.picker.choices if c.label.endswith("(preview)")] == []
    window.close()
