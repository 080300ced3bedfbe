"""The dark theme the studio opens with (Fusion style plus a dark palette)."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

BACKGROUND = QColor(37, 38, 42)
BASE = QColor(28, 29, 32)
TEXT = QColor(220, 222, 228)
ACCENT = QColor(61, 142, 240)
MUTED = QColor(140, 144, 152)

# Colours shared by the editor's highlighter and the timeline's clips.
SYNTAX = {
    "heading": QColor(110, 180, 255),
    "scene": QColor(255, 196, 87),
    "speaker": QColor(240, 120, 200),
    "direction": QColor(150, 150, 160),
    "prompt": QColor(120, 220, 160),
    "media": QColor(100, 210, 230),
    "pause": QColor(255, 140, 90),
    "fence": QColor(190, 150, 255),
    "block": QColor(180, 200, 180),
    "frontmatter": QColor(140, 160, 200),
    "comment": QColor(110, 115, 125),
}

TRACK_COLOURS = {
    "visual": QColor(70, 110, 170),
    "overlay": QColor(120, 90, 170),
    "terminal": QColor(60, 140, 100),
    "words": QColor(150, 120, 80),
    "title": QColor(90, 120, 150),
    "label": QColor(150, 100, 140),
    "badge": QColor(110, 100, 160),
    "caption": QColor(150, 130, 60),
    "voice": QColor(170, 90, 80),
    "music": QColor(120, 70, 120),
}


def dark_palette() -> QPalette:
    """A palette readable on dark backgrounds, with a blue accent for selection."""
    p = QPalette()
    p.setColor(QPalette.ColorRole.Window, BACKGROUND)
    p.setColor(QPalette.ColorRole.WindowText, TEXT)
    p.setColor(QPalette.ColorRole.Base, BASE)
    p.setColor(QPalette.ColorRole.AlternateBase, BACKGROUND)
    p.setColor(QPalette.ColorRole.ToolTipBase, QColor(50, 52, 58))
    p.setColor(QPalette.ColorRole.ToolTipText, TEXT)
    p.setColor(QPalette.ColorRole.PlaceholderText, MUTED)
    p.setColor(QPalette.ColorRole.Text, TEXT)
    p.setColor(QPalette.ColorRole.Button, QColor(48, 50, 55))
    p.setColor(QPalette.ColorRole.ButtonText, TEXT)
    p.setColor(QPalette.ColorRole.BrightText, QColor(255, 90, 90))
    p.setColor(QPalette.ColorRole.Link, ACCENT)
    p.setColor(QPalette.ColorRole.Highlight, ACCENT)
    p.setColor(QPalette.ColorRole.HighlightedText, QColor(255, 255, 255))
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.ButtonText,
        QPalette.ColorRole.WindowText,
    ):
        p.setColor(QPalette.ColorGroup.Disabled, role, MUTED)
    return p


def apply_dark_theme(app: QApplication) -> None:
    """Fusion draws the same on every OS, so the palette looks as designed everywhere."""
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(
        "QDockWidget::title { background: #2c2e33; padding: 4px; }"
        "QToolTip { border: 1px solid #55585f; }"
        "QStatusBar { border-top: 1px solid #1c1d20; }"
    )
