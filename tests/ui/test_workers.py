"""Preview requests: a newer request makes older ones stale, and cached frames show at once."""

from __future__ import annotations

import threading

from pytestqt.qtbot import QtBot

from app.ui.main_window import MainWindow
from app.ui.workers import LatestOnly


def test_newer_requests_cancel_older_ones(qtbot: QtBot) -> None:
    runner = LatestOnly()
    gate = threading.Event()
    ran: list[int] = []
    delivered: list[tuple[int, object]] = []
    runner.result.connect(lambda rid, value: delivered.append((rid, value)))

    def work(n: int) -> int:
        if n == 1:
            gate.wait(30)
        ran.append(n)
        return n * 10

    ids = [runner.request(lambda n=n: work(n)) for n in range(1, 6)]
    gate.set()
    qtbot.waitUntil(lambda: bool(delivered), timeout=10000)
    runner.wait()
    assert delivered == [(ids[-1], 50)]
    assert ran == [1, 5]  # 2, 3 and 4 were stale before they started: never run
    assert runner.skipped == 3


def test_a_frame_seen_recently_comes_from_the_cache(qtbot: QtBot, studio: MainWindow) -> None:
    preview = studio.preview
    tl = studio.document.timeline
    assert tl is not None
    a, b = tl.duration // 4, tl.duration // 2

    def drawn_at_this_size() -> tuple[int, int]:
        """Show a then b; once the panels around the preview have filled in (its size, and
        so the drawing size, changes then), both are drawn at the size that stays."""
        for f in (a, b):
            preview.show_frame(f)
            qtbot.waitUntil(lambda f=f: preview.shown_frame == f, timeout=20000)
        canvas = preview.canvas.size()
        return canvas.width(), canvas.height()

    qtbot.waitUntil(lambda: drawn_at_this_size() == drawn_at_this_size(), timeout=30000)
    assert preview.show_frame(a) is None  # no request needed
    assert preview.shown_frame == a


def test_the_preview_draws_while_a_thumbnail_is_being_drawn(
    qtbot: QtBot, studio: MainWindow
) -> None:
    """The preview and the timeline thumbnails each own their compositors and lock."""
    thumbs = studio.timeline_panel.view.media.compositors
    preview = studio.preview
    held, release = threading.Event(), threading.Event()

    def draw_a_slow_thumbnail() -> None:
        with thumbs.lock:  # what a thumbnail worker holds while it draws
            held.set()
            release.wait()

    busy = threading.Thread(target=draw_a_slow_thumbnail)
    busy.start()
    try:
        assert held.wait(30)
        tl = studio.document.timeline
        assert tl is not None
        target = tl.duration // 3
        preview.cache.clear()  # the frame must be drawn now, not taken from the cache
        assert preview.show_frame(target) is not None
        qtbot.waitUntil(lambda: preview.shown_frame == target, timeout=20000)
        assert preview.shown_array is not None and preview.shown_array.any()
        assert busy.is_alive() and thumbs.lock.locked()  # still busy the whole time
    finally:
        release.set()
        busy.join()
