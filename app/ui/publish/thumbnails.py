"""Thumbnails to choose from: the render's candidate frames, any frame, or the user's picture.

The frames are drawn once, in a worker, by the export's own compositor over the content
tracks (no spoken words or titles on top), exactly as the render picks its thumbnail; the
title is set on them by the engine's thumbnail design, so a new title only redraws the
lettering. The widget shows small previews and says which one is chosen.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from app.engine.model.time import frames_to_ms
from app.engine.motion.thumbnail import content_score
from app.engine.pictures import load_image
from app.engine.render.compositor import Compositor
from app.engine.render.pipeline import thumbnail_bytes
from app.engine.render.sidecars import content_only, thumbnail_candidates, thumbnail_jpeg
from app.engine.styles import Style
from app.engine.timeline import Timeline

PREVIEW_SIZE = (320, 180)


def clock(ms: int) -> str:
    """``1:05`` for 65,000 ms (how YouTube writes a time in a video)."""
    seconds = ms // 1000
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass(frozen=True, eq=False)
class Thumbnail:
    """One thumbnail the user can pick: a frame of the video (titled) or their own picture."""

    label: str
    frame: int | None = None
    rgb: np.ndarray | None = field(default=None, repr=False)
    """The content frame the title is set on (None for the user's own picture)."""
    style: Style | None = field(default=None, repr=False)
    own: bytes | None = field(default=None, repr=False)
    """The user's picture fitted to 1280x720 as a JPEG under 2 MB (no title on it)."""
    score: float = 0.0
    path: Path | None = None
    what: str = ""
    """The choice in a sentence: ``the frame at 0:42`` or ``logo.png``."""

    def jpeg(self, title: str) -> bytes:
        """The 1280x720 JPEG YouTube gets (under its 2 MB limit)."""
        if self.own is not None:
            return self.own
        assert self.rgb is not None
        return thumbnail_jpeg(self.rgb, title, self.style)


def _compositor(timeline: Timeline) -> Compositor:
    return Compositor(
        content_only(timeline), width=1280 if timeline.width >= timeline.height else 720
    )


def candidates(timeline: Timeline, check: Callable[[], None] = lambda: None) -> list[Thumbnail]:
    """The frames the render considers for its thumbnail, drawn and scored like it does."""
    comp = _compositor(timeline)
    found: list[Thumbnail] = []
    try:
        for n in thumbnail_candidates(timeline):
            check()
            rgb = comp.rgb(n).copy()
            at = clock(frames_to_ms(n, timeline.fps))
            found.append(
                Thumbnail(
                    at,
                    frame=n,
                    rgb=rgb,
                    style=comp.ctx.style,
                    score=content_score(rgb),
                    what=f"the frame at {at}",
                )
            )
    finally:
        comp.close()
    return found


def frame_thumbnail(timeline: Timeline, frame: int) -> Thumbnail:
    """Any frame of the video as a thumbnail (the preview's, or a time the user typed)."""
    n = min(max(0, frame), max(0, timeline.duration - 1))
    comp = _compositor(timeline)
    try:
        rgb = comp.rgb(n).copy()
        style = comp.ctx.style
    finally:
        comp.close()
    at = clock(frames_to_ms(n, timeline.fps))
    return Thumbnail(
        f"{at} (preview)",
        frame=n,
        rgb=rgb,
        style=style,
        score=content_score(rgb),
        what=f"the frame at {at}",
    )


def file_thumbnail(timeline: Timeline, path: Path) -> Thumbnail:
    """The user's own picture, fitted to 1280x720; raises VisualError when it is no image."""
    load_image(path)  # a clear error for a file that is not a picture, before fitting it
    return Thumbnail(
        path.name, own=thumbnail_bytes(timeline, "", image=path), path=path, what=path.name
    )


def preview_jpeg(data: bytes) -> bytes:
    """A small copy of a thumbnail for the chooser (decoded and scaled off the GUI thread)."""
    with Image.open(io.BytesIO(data)) as image:
        small = image.convert("RGB").resize(PREVIEW_SIZE, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    small.save(out, "JPEG", quality=85)
    return out.getvalue()


def previews(choices: list[Thumbnail], title: str) -> list[bytes]:
    """Every choice drawn with ``title`` and shrunk for the chooser."""
    return [preview_jpeg(choice.jpeg(title)) for choice in choices]


class ThumbnailPicker(QListWidget):
    """A row of thumbnails; the chosen one is the one YouTube gets."""

    chosen_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("thumbnailPicker")
        self.setViewMode(QListWidget.ViewMode.IconMode)
        self.setFlow(QListWidget.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.setMovement(QListWidget.Movement.Static)
        self.setIconSize(QSize(PREVIEW_SIZE[0] * 3 // 5, PREVIEW_SIZE[1] * 3 // 5))
        self.setSpacing(6)
        blank = QPixmap(*PREVIEW_SIZE)
        blank.fill(Qt.GlobalColor.black)
        self._blank = QIcon(blank)
        self.setMinimumHeight(250)
        self.choices: list[Thumbnail] = []
        self.currentRowChanged.connect(lambda _row: self.chosen_changed.emit())

    def set_choices(self, choices: list[Thumbnail], select: int | None = None) -> None:
        """Show ``choices`` (icons follow with :meth:`set_previews`); select one, or the best."""
        self.blockSignals(True)
        self.clear()
        self.choices = list(choices)
        for choice in self.choices:
            item = QListWidgetItem(self._blank, choice.label)
            item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter)
            item.setToolTip(str(choice.path) if choice.path else choice.label)
            self.addItem(item)
        if select is None and self.choices:
            select = max(range(len(self.choices)), key=lambda i: self.choices[i].score)
        if select is not None:
            self.setCurrentRow(select)
        self.blockSignals(False)
        self.chosen_changed.emit()

    def add_choice(self, choice: Thumbnail) -> None:
        """Add a frame or a picture the user asked for, and choose it."""
        self.set_choices([*self.choices, choice], select=len(self.choices))

    def set_previews(self, images: list[bytes]) -> None:
        for i, data in enumerate(images[: self.count()]):
            image = QImage.fromData(data)
            self.item(i).setIcon(QIcon(QPixmap.fromImage(image)))
        self.doItemsLayout()

    def chosen(self) -> Thumbnail | None:
        row = self.currentRow()
        return self.choices[row] if 0 <= row < len(self.choices) else None
