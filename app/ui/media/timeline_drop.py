"""Dropping media from the bin (or the desktop) onto the timeline: a clip where it lands.

Pictures and videos go on the row under the pointer when it holds pictures (background
or overlay), else on the overlay track; audio goes on the music track. The clip starts
at the frame under the pointer and runs for the file's length (five seconds for a
still), shortened to end where the next clip on that track begins. It is an ordinary
engine command on the undo stack, so Undo takes it away again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, QPointF
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent

from app.engine.model.time import SAMPLE_RATE, ms_to_frames
from app.engine.timeline import Clip, ImageSource, MusicSource, Timeline, Track, VideoSource
from app.engine.timeline.commands import InsertClip
from app.engine.visuals.media_bin import MediaKind, kind_of
from app.ui.media.model import MIME_TYPE
from app.ui.timeline.panel import TimelinePanel

STILL_MS = 5_000
PICTURE_TRACKS = ("visual", "overlay")


@dataclass(frozen=True)
class Dropped:
    """A file dropped on the timeline, with what the bin knew of it."""

    path: Path
    kind: MediaKind
    duration_ms: int | None = None


def dropped_media(mime: QMimeData) -> list[Dropped]:
    """The bin's items (with their lengths), else media files dragged from elsewhere."""
    if mime.hasFormat(MIME_TYPE):
        try:
            payload = json.loads(bytes(mime.data(MIME_TYPE).data()).decode("utf-8"))
            return [
                Dropped(Path(p["path"]), p["kind"], p.get("duration_ms"))
                for p in payload
                if p.get("kind") in ("image", "video", "audio")
            ]
        except (ValueError, KeyError, TypeError):
            return []
    out: list[Dropped] = []
    for url in mime.urls():
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            kind = kind_of(path)
            if kind is not None:
                out.append(Dropped(path, kind))
    return out


def target_track(timeline: Timeline, kind: MediaKind, under: Track | None) -> Track | None:
    """Where a dropped file goes: the row under the pointer if it fits, else the usual track."""
    wanted = ("music",) if kind == "audio" else PICTURE_TRACKS
    if under is not None and under.kind in wanted:
        return under
    preferred = "music" if kind == "audio" else "overlay"
    tracks = timeline.tracks_of(preferred) or [t for t in timeline.tracks if t.kind in wanted]
    return tracks[0] if tracks else None


def clip_for(timeline: Timeline, track: Track, item: Dropped, frame: int) -> Clip | str:
    """The clip to insert, or why it cannot go there."""
    fps = timeline.fps
    if any(c.start <= frame < c.end for c in track.clips):
        return f"{track.name or track.kind} already has a clip there: drop on an empty stretch"
    wanted = ms_to_frames(item.duration_ms or STILL_MS, fps)
    following = min((c.start for c in track.clips if c.start > frame), default=None)
    length = max(1, min(wanted, following - frame) if following is not None else wanted)
    path = str(item.path)
    if item.kind == "audio":
        samples = (item.duration_ms or 0) * SAMPLE_RATE // 1000
        source: ImageSource | VideoSource | MusicSource = MusicSource(
            path=path, loop=False, num_samples=samples or None
        )
        if samples:
            length = min(length, ms_to_frames(item.duration_ms or 0, fps) or 1)
    elif item.kind == "video":
        source = VideoSource(path=path, mode="loop")
    else:
        source = ImageSource(path=path)
    return Clip(start=frame, length=length, source=source)


class TimelineDrops(QObject):
    """Watches the timeline canvas for drops of media and inserts clips through its panel."""

    def __init__(self, panel: TimelinePanel) -> None:
        super().__init__(panel)
        self.panel = panel
        view = panel.view
        view.setAcceptDrops(True)
        view.viewport().setAcceptDrops(True)
        view.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragEnterEvent | QDragMoveEvent)
            if dropped_media(event.mimeData()) and self.panel.timeline is not None:
                event.acceptProposedAction()
                return True
            return False
        if kind == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            if self.drop(event.mimeData(), event.position()):
                event.acceptProposedAction()
                return True
            return False
        return False

    def drop(self, mime: QMimeData, position: QPointF) -> bool:
        """Insert each dropped file at the point (viewport coordinates); True if any went in."""
        timeline = self.panel.timeline
        items = dropped_media(mime)
        if timeline is None or not items:
            return False
        view = self.panel.view
        scene = view.mapToScene(position.toPoint())
        frame = view.frame_at(scene.x())
        row = view.row_at(scene.y())
        under = view.rows[row] if row is not None else None
        placed = 0
        for item in items:
            track = target_track(timeline, item.kind, under)
            if track is None:
                self.panel.message.emit(f"The timeline has no track for {item.kind}")
                continue
            clip = clip_for(timeline, track, item, frame)
            if isinstance(clip, str):
                self.panel.message.emit(clip)
                continue
            if self.panel.push(InsertClip(track.id, clip)):
                placed += 1
                frame = clip.end
        if placed:
            self.panel.message.emit(f"Placed {placed} clip(s) on the timeline")
        return placed > 0
