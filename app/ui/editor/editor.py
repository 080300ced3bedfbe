"""The script text editor: highlighting, diagnostics under the text, and file drops."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFontDatabase,
    QHelpEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QToolTip, QWidget

from app.engine.files import replacing
from app.engine.model import Diagnostic, Severity
from app.ui import workers
from app.ui.editor.highlighter import ScriptHighlighter

IMAGE_EXT = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"}
VIDEO_EXT = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"}
AUDIO_EXT = {".wav", ".mp3", ".flac", ".ogg", ".m4a", ".aac", ".opus"}
MEDIA_EXT = IMAGE_EXT | VIDEO_EXT | AUDIO_EXT
SCRIPT_EXT = {".md", ".markdown"}

_UNDERLINE = {
    Severity.ERROR: QColor(240, 80, 80),
    Severity.WARNING: QColor(230, 190, 60),
    Severity.INFO: QColor(90, 160, 240),
}


def dropped_paths(mime: QMimeData) -> list[Path]:
    """Local files in a drop, in the order they were dragged."""
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]


def copy_into_assets(source: Path, script_dir: Path) -> Path:
    """Copy ``source`` into ``script_dir/assets`` (a new name if a different file has its name)."""
    assets = script_dir / "assets"
    assets.mkdir(parents=True, exist_ok=True)
    target = assets / source.name
    n = 1
    while target.exists():
        if (
            target.stat().st_size == source.stat().st_size
            and target.read_bytes() == source.read_bytes()
        ):
            return target
        target = assets / f"{source.stem}-{n}{source.suffix}"
        n += 1
    with replacing(target) as tmp:
        shutil.copyfile(source, tmp)
    return target


class LineNumbers(QWidget):
    """The gutter: each visible line's number, the cursor's line brighter."""

    def __init__(self, editor: ScriptEditor) -> None:
        super().__init__(editor)
        self.editor = editor
        self.setObjectName("lineNumbers")

    def sizeHint(self) -> QSize:
        return QSize(self.editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.editor.paint_line_numbers(event)


class ScriptEditor(QPlainTextEdit):
    """A plain-text editor for the Markdown script.

    ``open_requested`` fires for dropped ``.md`` files; ``media_dropped`` after a media
    file was copied into the project's assets and its line inserted.
    """

    open_requested = Signal(Path)
    media_dropped = Signal(Path)
    message = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scriptEditor")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSize(11)
        self.setFont(font)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setTabStopDistance(4 * self.fontMetrics().horizontalAdvance(" "))
        self.highlighter = ScriptHighlighter(self.document())
        self.diagnostics: list[Diagnostic] = []
        self.script_dir: Path | None = None
        self.setAcceptDrops(True)
        self.viewport().installEventFilter(self)
        self.line_numbers = LineNumbers(self)
        self.blockCountChanged.connect(lambda _n: self._fit_gutter())
        self.updateRequest.connect(self._scroll_gutter)
        self.cursorPositionChanged.connect(self.line_numbers.update)
        self._fit_gutter()

    # -- line numbers ----------------------------------------------------------------
    def gutter_width(self) -> int:
        """Room for the largest line number (at least three digits) and some air."""
        digits = max(3, len(str(max(1, self.blockCount()))))
        return 14 + self.fontMetrics().horizontalAdvance("9") * digits

    def _fit_gutter(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self.line_numbers.scroll(0, dy)
        else:
            self.line_numbers.update(0, rect.y(), self.line_numbers.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        r = self.contentsRect()
        self.line_numbers.setGeometry(QRect(r.left(), r.top(), self.gutter_width(), r.height()))

    def visible_line_numbers(self) -> list[tuple[int, int]]:
        """(line number, top y in the gutter) of every line shown, top to bottom."""
        out: list[tuple[int, int]] = []
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.viewport().height()
        while block.isValid() and top <= height:
            if block.isVisible():
                out.append((block.blockNumber() + 1, top))
            top += round(self.blockBoundingRect(block).height())
            block = block.next()
        return out

    def paint_line_numbers(self, event: QPaintEvent) -> None:
        p = QPainter(self.line_numbers)
        p.fillRect(event.rect(), QColor(33, 34, 38))
        current = self.current_line()
        errors = {d.line for d in self.diagnostics if d.severity is Severity.ERROR}
        width = self.line_numbers.width() - 8
        line_h = self.fontMetrics().height()
        for number, top in self.visible_line_numbers():
            if number in errors:
                colour = _UNDERLINE[Severity.ERROR]
            elif number == current:
                colour = QColor(220, 222, 228)
            else:
                colour = QColor(110, 115, 125)
            p.setPen(colour)
            p.drawText(0, top, width, line_h, Qt.AlignmentFlag.AlignRight, str(number))
        p.end()

    # -- diagnostics -----------------------------------------------------------------
    def set_diagnostics(self, diagnostics: list[Diagnostic]) -> None:
        """Underline each diagnostic's line with a wavy line coloured by severity."""
        self.diagnostics = list(diagnostics)
        selections: list[QTextEdit.ExtraSelection] = []
        doc = self.document()
        for d in diagnostics:
            block = doc.findBlockByNumber(max(0, d.line - 1))
            if not block.isValid():
                continue
            sel = QTextEdit.ExtraSelection()
            fmt = QTextCharFormat()
            fmt.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
            fmt.setUnderlineColor(_UNDERLINE.get(d.severity, _UNDERLINE[Severity.INFO]))
            fmt.setToolTip(d.message)
            sel.format = fmt  # type: ignore[misc]
            cursor = QTextCursor(block)
            start = min(max(0, d.column - 1), max(0, block.length() - 1))
            cursor.setPosition(block.position() + start)
            end = block.position() + max(block.length() - 1, start + 1)
            cursor.setPosition(min(end, doc.characterCount() - 1), QTextCursor.MoveMode.KeepAnchor)
            sel.cursor = cursor  # type: ignore[misc]
            selections.append(sel)
        self.setExtraSelections(selections)
        self.line_numbers.update()

    def diagnostics_at_line(self, line: int) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.line == line]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.viewport() and event.type() == QEvent.Type.ToolTip:
            assert isinstance(event, QHelpEvent)
            line = self.cursorForPosition(event.pos()).blockNumber() + 1
            found = self.diagnostics_at_line(line)
            if found:
                text = "\n".join(f"{d.severity.value}: {d.message}" for d in found)
                QToolTip.showText(event.globalPos(), text, self)
            else:
                QToolTip.hideText()
            return True
        return super().eventFilter(watched, event)

    def goto_line(self, line: int, column: int = 1) -> None:
        """Put the cursor at a 1-based line and column and show it."""
        block = self.document().findBlockByNumber(max(0, line - 1))
        cursor = QTextCursor(block)
        cursor.setPosition(block.position() + min(max(0, column - 1), max(0, block.length() - 1)))
        self.setTextCursor(cursor)
        self.centerCursor()
        self.setFocus(Qt.FocusReason.OtherFocusReason)

    def reveal_line(self, line: int) -> None:
        """Show a line and put the cursor on it without taking the keyboard focus."""
        block = self.document().findBlockByNumber(max(0, line - 1))
        self.setTextCursor(QTextCursor(block))
        self.centerCursor()

    def current_line(self) -> int:
        return self.textCursor().blockNumber() + 1

    # -- drops -----------------------------------------------------------------------
    def dragEnterEvent(self, e: QDragEnterEvent) -> None:
        if e.mimeData().hasUrls():
            e.acceptProposedAction()
        else:
            super().dragEnterEvent(e)

    def dragMoveEvent(self, e: QDragMoveEvent) -> None:
        if e.mimeData().hasUrls():
            e.acceptProposedAction()
        else:
            super().dragMoveEvent(e)

    def dropEvent(self, e: QDropEvent) -> None:
        paths = dropped_paths(e.mimeData())
        if not paths:
            super().dropEvent(e)
            return
        e.acceptProposedAction()
        cursor = self.cursorForPosition(e.position().toPoint())
        self.drop_files(paths, cursor.blockNumber() + 1)

    def drop_files(self, paths: list[Path], line: int) -> None:
        """Open a dropped script, or insert media lines after ``line`` (1-based)."""
        for path in paths:
            suffix = path.suffix.lower()
            if suffix in SCRIPT_EXT:
                self.open_requested.emit(path)
                return
        media = [p for p in paths if p.suffix.lower() in MEDIA_EXT]
        if not media:
            names = ", ".join(p.name for p in paths)
            self.message.emit(f"Cannot use {names}: drop images, video, audio or a .md script")
            return
        if self.script_dir is None:
            self.message.emit("Save the script first, so dropped media can be copied beside it")
            return
        script_dir = self.script_dir

        def copy_all() -> list[Path]:  # a worker: a dropped video can be gigabytes
            return [copy_into_assets(p, script_dir) for p in media]

        def copied(targets: list[Path]) -> None:
            lines = [
                f"![{src.stem}]({dst.relative_to(script_dir).as_posix()})"
                for src, dst in zip(media, targets, strict=True)
            ]
            self.insert_after_line(line, lines)
            for target in targets:
                self.media_dropped.emit(target)
            self.message.emit(f"Added {len(targets)} media file(s) to assets/")

        def failed(error: str) -> None:
            self.message.emit(f"Could not copy the dropped media into assets/: {error}")

        self.message.emit(f"Copying {len(media)} media file(s) into assets/…")
        workers.submit(copy_all, copied, failed, owner=self)

    def insert_after_line(self, line: int, lines: list[str]) -> None:
        """Insert ``lines`` as their own paragraphs after the paragraph holding ``line``."""
        block = self.document().findBlockByNumber(max(0, line - 1))
        payload = "\n\n".join(lines)
        if block.text().strip():
            while block.next().isValid() and block.next().text().strip():
                block = block.next()
            before, after = "\n\n", ""
        else:
            prev = block.previous()
            before = "\n" if prev.isValid() and prev.text().strip() else ""
            nxt = block.next()
            after = "\n" if nxt.isValid() and nxt.text().strip() else ""
        cursor = QTextCursor(block)
        cursor.movePosition(QTextCursor.MoveOperation.EndOfBlock)
        cursor.beginEditBlock()
        cursor.insertText(before + payload + after)
        cursor.endEditBlock()
        self.setTextCursor(cursor)
