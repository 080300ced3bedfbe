"""Syntax highlighting for the script language (see docs/script-format.md).

Scenes, speakers, directions, visual prompts, media, pauses, terminal and code blocks,
front matter and comments each get their own colour. Multi-line constructs carry a
block state from line to line, so typing inside a fence re-highlights only what changed.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QColor, QFont, QSyntaxHighlighter, QTextCharFormat, QTextDocument

from app.ui.theme import SYNTAX

NORMAL, FRONT_MATTER, TERMINAL, CODE, COMMENT = 0, 1, 2, 3, 4
TERMINAL_WORDS = ("terminal", "console", "shell-session")

_FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)(.*)$")
_SCENE = re.compile(r"^##(?!#)\s+.*")
_TITLE = re.compile(r"^#(?!#)\s+.*")
_HEADING = re.compile(r"^#{3,6}\s+.*")
_SPEAKER = re.compile(r"^(\*\*)?([A-Z][A-Z0-9_-]*(?: [A-Z0-9_-]+){0,2}):(\*\*)?")
_SPEAKER_BOLD = re.compile(r"^\*\*([^\W\d_][\w .'’-]{0,40})(?::\*\*|\*\*:)")
_DIRECTION = re.compile(r"\([^()]*\)")
_VISUAL = re.compile(r"^>\s*visual:.*", re.IGNORECASE)
_MEDIA = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_PAUSE = re.compile(r"^\s*\[pause\s+\d+(?:\.\d+)?\s*(?:s|ms)\]\s*$", re.IGNORECASE)
_OPTION = re.compile(r"\b(\w+)=(\S+)")
_PROMPT = re.compile(r"^\$ ")


def _fmt(colour: QColor, *, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    f = QTextCharFormat()
    f.setForeground(colour)
    if bold:
        f.setFontWeight(QFont.Weight.Bold)
    f.setFontItalic(italic)
    return f


class ScriptHighlighter(QSyntaxHighlighter):
    """Colours one line at a time, using the previous line's state for fences and comments."""

    def __init__(self, document: QTextDocument) -> None:
        super().__init__(document)
        s = SYNTAX
        self.formats = {
            "scene": _fmt(s["scene"], bold=True),
            "title": _fmt(s["heading"], bold=True),
            "heading": _fmt(s["heading"]),
            "speaker": _fmt(s["speaker"], bold=True),
            "direction": _fmt(s["direction"], italic=True),
            "prompt": _fmt(s["prompt"], italic=True),
            "media": _fmt(s["media"]),
            "pause": _fmt(s["pause"], bold=True),
            "fence": _fmt(s["fence"], bold=True),
            "option": _fmt(s["prompt"]),
            "command": _fmt(s["prompt"], bold=True),
            "block": _fmt(s["block"]),
            "frontmatter": _fmt(s["frontmatter"]),
            "comment": _fmt(s["comment"], italic=True),
        }

    def highlightBlock(self, text: str) -> None:
        prev = self.previousBlockState()
        state = NORMAL if prev < 0 else prev
        block_no = self.currentBlock().blockNumber()
        if block_no == 0 and text.strip() == "---":
            self._whole(text, "frontmatter")
            self.setCurrentBlockState(FRONT_MATTER)
            return
        if state == FRONT_MATTER:
            self._whole(text, "frontmatter")
            self.setCurrentBlockState(NORMAL if text.strip() == "---" else FRONT_MATTER)
            return
        if state in (TERMINAL, CODE):
            self._inside_fence(text, state)
            return
        if state == COMMENT:
            end = text.find("-->")
            if end < 0:
                self._whole(text, "comment")
                self.setCurrentBlockState(COMMENT)
                return
            self.setFormat(0, end + 3, self.formats["comment"])
            self.setCurrentBlockState(NORMAL)
            return
        self.setCurrentBlockState(NORMAL)
        fence = _FENCE.match(text)
        if fence:
            self._whole(text, "fence")
            for m in _OPTION.finditer(text, fence.start(3)):
                self.setFormat(m.start(), m.end() - m.start(), self.formats["option"])
            lang = fence.group(2).lower()
            self.setCurrentBlockState(TERMINAL if lang in TERMINAL_WORDS else CODE)
            return
        self._line(text)

    def _inside_fence(self, text: str, state: int) -> None:
        if _FENCE.match(text) and not _FENCE.match(text).group(2):  # type: ignore[union-attr]
            self._whole(text, "fence")
            self.setCurrentBlockState(NORMAL)
            return
        if state == TERMINAL and _PROMPT.match(text):
            self._whole(text, "command")
        else:
            self._whole(text, "block")
        self.setCurrentBlockState(state)

    def _line(self, text: str) -> None:
        if _SCENE.match(text):
            self._whole(text, "scene")
        elif _TITLE.match(text):
            self._whole(text, "title")
        elif _HEADING.match(text):
            self._whole(text, "heading")
        elif _VISUAL.match(text):
            self._whole(text, "prompt")
        elif _PAUSE.match(text):
            self._whole(text, "pause")
        else:
            speaker = _SPEAKER.match(text) or _SPEAKER_BOLD.match(text)
            if speaker:
                self.setFormat(0, speaker.end(), self.formats["speaker"])
                rest = speaker.end()
                for m in _DIRECTION.finditer(text, rest):
                    self.setFormat(m.start(), m.end() - m.start(), self.formats["direction"])
            for m in _MEDIA.finditer(text):
                self.setFormat(m.start(), m.end() - m.start(), self.formats["media"])
        start = text.find("<!--")
        if start >= 0:
            end = text.find("-->", start + 4)
            if end < 0:
                self.setFormat(start, len(text) - start, self.formats["comment"])
                self.setCurrentBlockState(COMMENT)
            else:
                self.setFormat(start, end + 3 - start, self.formats["comment"])

    def _whole(self, text: str, name: str) -> None:
        self.setFormat(0, len(text), self.formats[name])
