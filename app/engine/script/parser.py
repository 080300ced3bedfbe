"""Markdown script -> Script model, built on markdown-it-py's token stream.

The parser never raises: everything wrong with the input becomes a Diagnostic naming
the line and what to do about it. The rules the spec leaves open are written down in
docs/script-language-notes.md.
"""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.front_matter import front_matter_plugin

from app.engine.model.diagnostic import Diagnostic, Severity
from app.engine.model.script import (
    TABLE_MAX_COLS,
    TABLE_MAX_ROWS,
    Beat,
    CalloutBeat,
    CodeBeat,
    MediaBeat,
    PauseBeat,
    Scene,
    Script,
    ScriptSettings,
    Shown,
    SpeechBeat,
    TableBeat,
    TerminalBeat,
    TerminalLine,
    VisualBeat,
)
from app.engine.model.voice import DEFAULT_VOICE, Character
from app.engine.paths import PathRefused, inside_folder, names_a_theme_file
from app.engine.script import chunking, inline, timing
from app.engine.script.frontmatter import load_front_matter
from app.engine.script.limits import LIMITS
from app.engine.script.options import TERMINAL_INFOS, ParsedInfo, parse_info
from app.engine.script.settings import SettingsReader

NARRATOR = "NARRATOR"
"""Who speaks a paragraph with no speaker."""
VISUAL_PREFIX = re.compile(r"^\s*visual\s*(?:\(([^()]*)\))?\s*:\s*", re.IGNORECASE)
"""``visual:``, or ``visual (pexels, clip):`` naming a provider and/or still or clip."""
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"}
VIDEO_EXTENSIONS = {".mp4", ".mov", ".m4v", ".webm", ".mkv", ".avi"}
AUDIO_EXTENSIONS = {".mp3", ".m4a", ".aac", ".wav", ".ogg", ".oga", ".opus", ".flac"}
ATTRIBUTION_DASHES = ("—", "--")
"""A quote's last line starting with one of these names who said it (``— Ada Lovelace``)."""
BULLET = "•"
_ALIGN = re.compile(r"text-align\s*:\s*(left|center|right)")


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    """One shared CommonMark parser with tables and front matter; parsers are reusable."""
    return MarkdownIt("commonmark").enable("table").use(front_matter_plugin)


@dataclass
class _ListGroup:
    """One top-level list and the lists nested in it: they are shown as one slide."""

    line: int
    next_index: int = 0


@dataclass
class _ListFrame:
    """Inside an item of one (possibly nested) list."""

    group: _ListGroup
    ordered: bool
    depth: int
    number: int
    """The number the next item of an ordered list gets."""
    marker: str = ""
    """The current item's marker."""
    shown_in_item: int = 0
    """Speeches already shown for the current item (later ones continue it, with no marker)."""


@dataclass
class _QuoteFrame:
    """Inside an ordinary (not ``visual:``) block quote."""

    line: int
    attribution: str = ""
    next_index: int = 0


@dataclass
class _Containers:
    """The lists and quotes around the current token, innermost last."""

    stack: list[_ListFrame | _QuoteFrame] = field(default_factory=list)

    def pop(self, kind: type) -> None:
        """Close the innermost container of ``kind`` (and anything left open inside it)."""
        while self.stack:
            if isinstance(self.stack.pop(), kind):
                return

    def innermost_list(self) -> _ListFrame | None:
        for frame in reversed(self.stack):
            if isinstance(frame, _ListFrame):
                return frame
        return None

    def next_shown(self) -> Shown | None:
        """How the next speech is shown: as an item of the innermost list or quote, if any."""
        if not self.stack:
            return None
        top = self.stack[-1]
        if isinstance(top, _QuoteFrame):
            shown = Shown(
                kind="quote", group=top.line, index=top.next_index, attribution=top.attribution
            )
            top.next_index += 1
            return shown
        shown = Shown(
            kind="list_item",
            group=top.group.line,
            index=top.group.next_index,
            ordered=top.ordered,
            marker=top.marker if top.shown_in_item == 0 else "",
            depth=top.depth,
        )
        top.group.next_index += 1
        top.shown_in_item += 1
        return shown


@lru_cache(maxsize=256)
def _known_language(name: str) -> bool:
    from pygments.lexers import find_lexer_class_by_name
    from pygments.util import ClassNotFound

    try:
        find_lexer_class_by_name(name)  # the class only: building a lexer compiles its regexes
    except ClassNotFound:
        return False
    return True


def media_type(path: str) -> str:
    """image / video / audio / unknown from the file extension."""
    ext = posixpath.splitext(path.lower())[1]
    if ext in IMAGE_EXTENSIONS:
        return "image"
    if ext in VIDEO_EXTENSIONS:
        return "video"
    if ext in AUDIO_EXTENSIONS:
        return "audio"
    return "unknown"


class _Parser:
    """One parse: the state shared while walking the token stream."""

    def __init__(self, text: str, path: str | None, base_dir: Path | None) -> None:
        self.text = text
        self.path = path
        self.base_dir = base_dir
        self.lines = text.split("\n")
        self.diagnostics: list[Diagnostic] = []
        self.errors = 0
        """Errors reported so far: kept as a count, as rescanning the list per image or
        heading made a script full of them quadratic."""
        self.numbered_scenes = 0
        """Scenes started by a heading (not the intro), for naming an untitled one."""
        self.settings = ScriptSettings()
        self.declared: dict[str, Character] = {}
        """Front matter characters by upper-case name."""
        self.speakers: dict[str, Character] = {}
        """Undeclared speakers by upper-case name, in order of first use."""
        self.scenes: list[Scene] = []
        self.current: Scene | None = None
        self.h1: tuple[str, int] | None = None
        self.containers = _Containers()
        self.attribution_lines: set[int] = set()
        """ids of quote paragraphs whose last line is an attribution, not speech."""

    # -- diagnostics ------------------------------------------------------
    def report(self, line: int, column: int, severity: str, message: str) -> None:
        diagnostic = Diagnostic(
            line=max(1, line),
            column=max(1, column),
            severity=Severity(severity),
            message=message,
            file=self.path,
        )
        self.errors += int(diagnostic.is_error)
        self.diagnostics.append(diagnostic)

    # -- scenes and beats -------------------------------------------------
    def add(self, beat: Beat) -> None:
        if self.current is None:
            self.current = Scene(title="", line=beat.line, intro=True)
            self.scenes.append(self.current)
        self.current.beats.append(beat)

    def start_scene(self, title: str, line: int) -> None:
        self.numbered_scenes += 1
        if not title:
            title = f"Scene {self.numbered_scenes}"
            self.report(
                line,
                1,
                "warning",
                f"this scene heading is empty; it is called “{title}”. "
                "Write its chapter name after the ##.",
            )
        self.current = Scene(title=title, line=line)
        self.scenes.append(self.current)

    # -- the walk ---------------------------------------------------------
    def run(self) -> Script:
        try:
            tokens = _markdown().parse(self.text)
        except RecursionError:
            self.report(
                1,
                1,
                "error",
                "the script nests block quotes or lists too deeply to read; "
                "flatten the deepest part.",
            )
            tokens = []
        fm_tokens = [t for t in tokens if t.type == "front_matter"]
        if fm_tokens:
            self.front_matter(fm_tokens[0])
        elif self.lines and self.lines[0].rstrip() == "---" and len(self.lines) > 1:
            self.report(
                1,
                1,
                "error",
                "the front matter that starts here is never closed; "
                "add a line with --- after the last setting.",
            )
        self.walk(tokens)
        return self.finish()

    def front_matter(self, tok: Token) -> None:
        first_line = (tok.map[0] if tok.map else 0) + 2
        fm = load_front_matter(tok.content)
        if fm.problem is not None:
            self.report(
                fm.problem.line + first_line, fm.problem.column + 1, "error", fm.problem.message
            )
            return
        reader = SettingsReader(fm, first_line, self.report, self.check_file)
        self.settings = reader.settings()
        for character in reader.characters():
            key = character.name.upper()
            if key in self.declared:
                self.report(
                    character.line or first_line,
                    1,
                    "warning",
                    f"{character.name} is listed twice under characters; the later entry is used.",
                )
            self.declared[key] = character
        if self.settings.music:
            line, col = reader.position("music", value=True)
            self.settings.music_resolved = self.resolve_media(
                self.settings.music, line, col, "the music file", where="music:"
            )

    def check_file(self, raw: str, line: int, column: int, what: str, where: str) -> str | None:
        """A front matter file (thumbnail, avatar), checked exactly like media."""
        return self.resolve_media(raw, line, column, what, where=where)

    def walk(self, tokens: list[Token]) -> None:
        i = 0
        n = len(tokens)
        while i < n:
            tok = tokens[i]
            kind = tok.type
            line = (tok.map[0] + 1) if tok.map else 1
            if kind in ("blockquote_open", "list_item_open"):
                self.check_depth(tokens, i)
            if kind == "heading_open":
                content = tokens[i + 1] if i + 1 < n and tokens[i + 1].type == "inline" else None
                self.heading(tok, content, line)
                i += 3 if content is not None else 1
            elif kind == "paragraph_open":
                content = tokens[i + 1] if i + 1 < n and tokens[i + 1].type == "inline" else None
                if content is not None:
                    self.paragraph(content, line)
                i += 3 if content is not None else 1
            elif kind == "blockquote_open":
                close = _matching_close(tokens, i)
                end = tok.map[1] if tok.map else line
                if not self.visual(tokens[i + 1 : close], line, end):
                    # An ordinary quote: its paragraphs are spoken and shown as a quote card.
                    attribution = self.attribution(tokens[i + 1 : close], line)
                    self.containers.stack.append(_QuoteFrame(line, attribution))
                    i += 1
                    continue
                i = close + 1
            elif kind == "blockquote_close":
                self.containers.pop(_QuoteFrame)
                i += 1
            elif kind in ("bullet_list_open", "ordered_list_open"):
                self.list_open(tok, line)
                i += 1
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.containers.pop(_ListFrame)
                i += 1
            elif kind == "list_item_open":
                frame = self.containers.innermost_list()
                if frame is not None:
                    frame.marker = f"{frame.number}." if frame.ordered else BULLET
                    frame.number += 1
                    frame.shown_in_item = 0
                i += 1
            elif kind == "table_open":
                close = _matching_close(tokens, i)
                self.table(tokens[i : close + 1], line)
                i = close + 1
            elif kind == "fence":
                self.fence(tok, line)
                i += 1
            elif kind == "code_block":
                self.report(
                    line,
                    1,
                    "warning",
                    "this text is indented by four spaces, so Markdown "
                    "reads it as a code block and shows it as plain code. Remove the "
                    "indentation to speak it, or fence it with ``` and a language.",
                )
                self.code(tok, "text", parse_info(""), line)
                i += 1
            elif kind == "html_block":
                self.html_block(tok, line)
                i += 1
            else:
                i += 1

    def check_depth(self, tokens: list[Token], i: int) -> None:
        """A list item or quote at markdown-it's nesting limit: its lines were skipped.

        markdown-it stops reading at ``maxNesting`` levels and skips the rest of that
        container, which for a list is the rest of the file; say so instead of losing it.
        """
        tok = tokens[i]
        limit = int(_markdown().options.get("maxNesting", 20))
        close = "blockquote_close" if tok.type == "blockquote_open" else "list_item_close"
        if tok.level < limit - 1 or i + 1 >= len(tokens) or tokens[i + 1].type != close:
            return
        start, stop = (tok.map[0] + 1, tok.map[1]) if tok.map else (1, 1)
        if stop < start or not any(
            ln.strip(" \t>-*+.)0123456789") for ln in self.lines[start - 1 : stop]
        ):
            return  # an empty item at the limit: nothing was lost
        span = f"line {start} is" if stop <= start else f"lines {start}–{stop} are"
        self.report(
            start,
            1,
            "error",
            "lists and quotes nest too deeply here for Markdown, so "
            f"{span} skipped. Flatten the deepest part.",
        )

    # -- elements ---------------------------------------------------------
    def heading(self, tok: Token, content: Token | None, line: int) -> None:
        title = inline.squash(inline.plain(content.children or [])) if content else ""
        level = int(tok.tag[1]) if tok.tag[1:].isdigit() else 2
        if level == 1:
            if self.h1 is None:
                self.h1 = (title, line)
                return
            self.report(
                line,
                1,
                "warning",
                "a script has one # title; this second # heading "
                "starts a scene instead. Write scenes as ## headings.",
            )
            self.start_scene(title, line)
        elif level == 2:
            self.start_scene(title, line)
        elif title:
            self.add(
                CalloutBeat(line=line, end_line=line, text=title.replace("\n", " "), level=level)
            )
        else:
            self.report(
                line,
                1,
                "warning",
                f"this {'#' * level} heading is empty, so no callout "
                f"is shown; write the callout's text after the {'#' * level}.",
            )

    # -- lists, quotes and tables -------------------------------------------
    def list_open(self, tok: Token, line: int) -> None:
        """A list nested in a list item continues its slide one level deeper."""
        parent = self.containers.stack[-1] if self.containers.stack else None
        if isinstance(parent, _ListFrame):
            group, depth = parent.group, parent.depth + 1
        else:
            group, depth = _ListGroup(line), 0
        ordered = tok.type == "ordered_list_open"
        start = tok.attrGet("start") if ordered else None
        number = int(start) if isinstance(start, int | str) and str(start).isdigit() else 1
        self.containers.stack.append(_ListFrame(group, ordered, depth, number))

    def attribution(self, inner: list[Token], line: int) -> str:
        """Who a quote is by, from a last line starting ``—`` or ``--``; that line is not spoken.

        Only a line after something else in the quote counts, so a quote that is nothing but
        a dash line is still read out as before.
        """
        level = 0
        blocks = 0
        last: Token | None = None
        for j, tok in enumerate(inner):
            if level == 0 and tok.nesting >= 0:
                blocks += 1
                nxt = inner[j + 1] if j + 1 < len(inner) else None
                last = (
                    nxt
                    if tok.type == "paragraph_open" and nxt is not None and nxt.type == "inline"
                    else None
                )
            level += tok.nesting
        if last is None:
            return ""
        lines = inline.split_lines(last.children or [], line)
        text = inline.squash(inline.plain(lines[-1].tokens))
        if not text.startswith(ATTRIBUTION_DASHES) or (len(lines) < 2 and blocks < 2):
            return ""
        who = text.lstrip("—-").strip()
        if not who:
            return ""
        self.attribution_lines.add(id(last))
        return who

    def table(self, tokens: list[Token], line: int) -> None:
        """A table card: cells as plain text, alignment from the delimiter row; never spoken."""
        header: list[str] = []
        rows: list[list[str]] = []
        align: list[str] = []
        row: list[str] | None = None
        in_head = False
        for tok in tokens:
            kind = tok.type
            if kind == "thead_open":
                in_head = True
            elif kind == "thead_close":
                in_head = False
            elif kind == "tr_open":
                row = []
            elif kind == "tr_close":
                if row is not None:
                    if in_head:
                        header = row
                    else:
                        rows.append(row)
                row = None
            elif kind == "th_open":
                m = _ALIGN.search(str(tok.attrGet("style") or ""))
                align.append(m.group(1) if m else "left")
            elif kind == "inline" and row is not None:
                row.append(inline.squash(inline.plain(tok.children or [])).replace("\n", " "))
        end = tokens[0].map[1] if tokens[0].map else line
        # The table card decides how much it draws; imported here, as only tables need it.

        if len(rows) > TABLE_MAX_ROWS or len(header) > TABLE_MAX_COLS:
            self.report(
                line,
                1,
                "warning",
                f"this table has {len(rows)} rows and {len(header)} "
                f"columns; a table card shows at most {TABLE_MAX_ROWS} rows and "
                f"{TABLE_MAX_COLS} columns, so it is cut to fit. Split it into smaller "
                "tables, or say the rest in the narration.",
            )
        self.add(
            TableBeat(line=line, end_line=max(line, end), header=header, rows=rows, align=align)
        )  # type: ignore[arg-type]

    def paragraph(self, content: Token, line: int) -> None:
        lines = inline.split_lines(content.children or [], line)
        if id(content) in self.attribution_lines:
            lines = lines[:-1]  # the quote's "— Name" line: shown with the quote, not spoken
        run: list[inline.InlineLine] = []
        speaker: inline.Speaker | None = None
        for ln in lines:
            text = inline.plain(ln.tokens).strip()
            ms = inline.pause_ms(text) if _only_text(ln.tokens) else None
            if ms is None and inline.LOOKS_LIKE_PAUSE.match(text):
                self.report(
                    ln.line,
                    1,
                    "warning",
                    f"“{LIMITS.quote(text)}” is not a pause Castline understands; "
                    "write [pause 1.5s] or [pause 800ms]. It is skipped.",
                )
                speaker = self.speech_run(run, speaker) or speaker
                run = []
                continue
            if ms is not None:
                speaker = self.speech_run(run, speaker) or speaker
                run = []
                self.pause(ms, ln.line, text)
                continue
            run.append(ln)
        self.speech_run(run, speaker)

    def pause(self, ms: int, line: int, written: str) -> None:
        """A pause beat; one past the limit is cut to it, named as written (``[pause 9e9s]``
        would print as a float the writer never typed)."""
        if ms > LIMITS.pause_ms:
            longest = LIMITS.pause_words
            self.report(
                line,
                1,
                "warning",
                f"“{LIMITS.quote(written)}” is longer than the longest pause ({longest}); it is cut to "
                f"{longest}. Write a shorter pause, or split the video.",
            )
            ms = LIMITS.pause_ms
        self.add(PauseBeat(line=line, end_line=line, duration_ms=ms, estimated_ms=ms))

    def speech_run(
        self, run: list[inline.InlineLine], inherited: inline.Speaker | None
    ) -> inline.Speaker | None:
        """One stretch of a paragraph between pauses: images become media, the rest speech."""
        if not run:
            return None
        start = run[0].line
        tokens0, images_before, images_after = self.pull_images(run)
        speaker, rest0 = inline.take_speaker(tokens0[0])
        if speaker is None:
            speaker = inherited
        tokens0[0] = rest0
        for ln, toks in zip(run[1:], tokens0[1:], strict=True):
            name = inline.looks_like_speaker(toks)
            if name is not None:
                who = speaker.name if speaker else NARRATOR
                self.report(
                    ln.line,
                    1,
                    "warning",
                    f"this line starts with “{name}:” but belongs to "
                    f"{who}'s speech above, because there is no blank line before it. "
                    f"Add a blank line to give it to {name}.",
                )
        pieces = [inline.plain(toks) for toks in tokens0]
        text = inline.squash(" ".join(pieces).replace("\n", " "))
        text, directions = inline.take_directions(text)
        caption = text
        if any(ln.break_after == "hardbreak" for ln in run[:-1]):
            # Captions keep the writer's hard line breaks; speech does not hear them.
            joined = "".join(
                piece + ("\n" if ln.break_after == "hardbreak" else " ")
                for ln, piece in zip(run, pieces, strict=True)
            )
            caption, _ = inline.take_directions(inline.squash(joined))
        for beat in images_before:
            self.add(beat)
        name = self.speaker_name(speaker, start)
        if text:
            emphasis = self.emphasis(inline.strong_phrases(tokens0), text, start)
            self.speech(
                name,
                text,
                caption,
                "; ".join(directions) or None,
                start,
                run[-1].line,
                shown=self.containers.next_shown(),
                emphasis=emphasis,
            )
        elif directions:
            self.report(
                start,
                1,
                "warning",
                f"“({directions[0]})” is a direction with nothing "
                "to say, so it is skipped. Put it before or after a sentence.",
            )
        elif speaker is not None and not images_before and not images_after:
            self.report(
                start,
                1,
                "warning",
                f"{speaker.name}: has nothing to say; write the words after the colon.",
            )
        for beat in images_after:
            self.add(beat)
        return speaker

    def emphasis(self, phrases: list[str], text: str, line: int) -> list[str]:
        """The bold phrases still in the spoken text, at most the limit's number of them."""
        most = LIMITS.emphasis_per_speech
        if len(phrases) > most:
            self.report(
                line,
                1,
                "warning",
                f"this speech has {len(phrases):,} bold phrases; the first {most} are drawn "
                "as key phrases and the rest are only spoken. Keep bold for a few key words.",
            )
        return [p for p in phrases[:most] if p in text]

    def pull_images(
        self, run: list[inline.InlineLine]
    ) -> tuple[list[list[Token]], list[MediaBeat], list[MediaBeat]]:
        """Take image tokens out of the run; those before any words come first."""
        before: list[MediaBeat] = []
        after: list[MediaBeat] = []
        kept: list[list[Token]] = []
        seen_words = False
        for ln in run:
            toks: list[Token] = []
            for tok in ln.tokens:
                if tok.type == "image":
                    beat = self.media(tok, ln.line)
                    (after if seen_words else before).append(beat)
                    continue
                if tok.type in ("text", "code_inline") and tok.content.strip():
                    seen_words = True
                toks.append(tok)
            kept.append(toks)
        return kept, before, after

    def speaker_name(self, speaker: inline.Speaker | None, line: int) -> str:
        if speaker is None:
            return self.note_speaker(NARRATOR, line, implicit=True)
        return self.note_speaker(speaker.name, line, implicit=False)

    def note_speaker(self, name: str, line: int, *, implicit: bool) -> str:
        key = name.upper()
        if key in self.declared:
            return self.declared[key].name
        if key not in self.speakers:
            self.speakers[key] = Character(name=key, declared=False, line=line)
            if key != NARRATOR:
                self.report(
                    line,
                    1,
                    "warning",
                    f"{key} has no entry under characters in the "
                    f"front matter, so {key} speaks with the default voice {DEFAULT_VOICE}. "
                    f"Add `{key}: {{ voice: {DEFAULT_VOICE} }}` under characters to "
                    "choose a voice.",
                )
        return key

    def character(self, name: str) -> Character | None:
        return self.declared.get(name.upper()) or self.speakers.get(name.upper())

    def speech(
        self,
        speaker: str,
        text: str,
        caption: str,
        direction: str | None,
        line: int,
        end_line: int,
        *,
        shown: Shown | None = None,
        emphasis: list[str] | None = None,
    ) -> None:
        character = self.character(speaker)
        limits = chunking.limits_for(character)
        over = chunking.exceeded(text, chunking.warn_limits(limits))
        if over is not None:
            who = "this provider" if over.provider == "default" else over.provider
            self.report(
                line,
                1,
                "warning",
                f"this speech is {over.measure(text):,} {over.unit} "
                f"long; {who} takes at most {over.size:,} {over.unit} in one request, so "
                "it is split at sentence ends. Break it into shorter paragraphs to choose "
                "the split yourself.",
            )
        speed = character.settings.speed if character else 1.0
        self.add(
            SpeechBeat(
                line=line,
                end_line=end_line,
                speaker=speaker,
                text=text,
                caption=caption,
                direction=direction,
                chunks=chunking.split_speech(text, limits),
                estimated_ms=timing.speech_ms(text, speed),
                shown=shown,
                emphasis=emphasis or [],
            )
        )

    def media(self, tok: Token, line: int) -> MediaBeat:
        raw = unquote(str(tok.attrs.get("src", "") or ""))
        caption = inline.squash(inline.plain(tok.children or []) or tok.content)
        column = self.column_of(line, raw) or 1
        errors_before = self.errors
        resolved = self.resolve_media(raw, line, column, "the media file")
        path_failed = self.errors > errors_before
        kind = media_type(raw)
        if kind in ("unknown", "audio") and raw and not path_failed:
            self.report(
                line,
                column,
                "warning",
                f"“{raw}” is not an image or video Castline can "
                "show as a background; use a .png, .jpg, .webp, .mp4, .mov or .webm file.",
            )
        return MediaBeat(
            line=line, end_line=line, path=raw, resolved=resolved, caption=caption, media_type=kind
        )  # type: ignore[arg-type]

    def column_of(self, line: int, needle: str) -> int | None:
        if not needle or not 1 <= line <= len(self.lines):
            return None
        idx = self.lines[line - 1].find(needle)
        return idx + 1 if idx >= 0 else None

    def resolve_media(
        self, raw: str, line: int, column: int, what: str, *, where: str = "![caption](path)"
    ) -> str | None:
        """An absolute path inside the script's folder tree, or an error and ``None``.

        ``where`` shows how the path is written (``music:``), for the empty-path message.
        """
        try:
            found = inside_folder(raw, self.base_dir, what, where=where)
        except PathRefused as exc:
            self.report(line, column, "error", str(exc))
            return None
        return os.fspath(found) if found is not None else None

    def visual(self, inner: list[Token], line: int, end: int) -> bool:
        """A block quote starting ``visual:`` becomes a visual; returns False for other quotes."""
        if len(inner) < 2 or inner[0].type != "paragraph_open" or inner[1].type != "inline":
            return False
        first = inline.plain(inner[1].children or [])
        m = VISUAL_PREFIX.match(first)
        if not m:
            return False
        parts = [first[m.end() :]]
        for tok in inner[2:]:
            if tok.type == "inline":
                parts.append(inline.plain(tok.children or []))
        prompt = inline.squash(" ".join(parts).replace("\n", " "))
        if not prompt:
            self.report(
                line,
                1,
                "warning",
                "this visual has no prompt; describe the picture after “visual:”. It is skipped.",
            )
            return True
        style = self.settings.style.strip()
        styled = f"{prompt.rstrip(' .,;')}, {style}" if style else prompt
        provider, want = self.visual_options(m.group(1), line)
        self.add(
            VisualBeat(
                line=line,
                end_line=max(line, end),
                prompt=prompt,
                styled_prompt=styled,
                provider=provider,
                want=want,
            )
        )
        return True

    def visual_options(
        self, raw: str | None, line: int
    ) -> tuple[str | None, Literal["still", "clip"] | None]:
        """``(pexels, clip)`` -> a provider name and a kind; unknown words are warned about."""
        if not raw or not raw.strip():
            return None, None
        from app.engine.visuals.providers import provider_names

        known = provider_names()
        provider: str | None = None
        want: Literal["still", "clip"] | None = None
        for word in (w.strip().lower() for w in re.split(r"[,\s]+", raw) if w.strip()):
            if word == "still":
                want = "still"
            elif word == "clip":
                want = "clip"
            elif word in known and provider is None:
                provider = word
            elif word in known:
                self.report(line, 1, "warning", f"this visual names two providers; “{provider}” is "
                            f"tried first and “{word}” is ignored (the front matter's visuals: chain "
                            "follows anyway).")  # fmt: skip
            else:
                self.report(line, 1, "warning", f"unknown visual option “{word}”; write a provider "
                            f"({', '.join(known)}) and/or still or clip, like "
                            "“> visual (pexels, clip): a rocket launch”. It is ignored.")  # fmt: skip
        return provider, want

    def fence(self, tok: Token, line: int) -> None:
        start, stop = tok.map if tok.map else (line - 1, line)
        end_line = stop
        if not self.fence_closed(tok, start, stop):
            marker = tok.markup or "```"
            self.report(
                line,
                1,
                "error",
                f"the {marker} block opened here is never closed, so "
                f"everything after it is part of the block. Add a line with {marker} "
                "after the block's last line.",
            )
        info = parse_info(tok.info)
        if info.options.theme and names_a_theme_file(info.options.theme):
            col = self.column_of(line, info.options.theme) or 1
            info.options.theme = self.resolve_media(
                info.options.theme, line, col, "the theme file", where="theme="
            )
        for col, message in info.problems:
            self.report(line, len(tok.markup) + col + 1 + self.indent_of(line), "warning", message)
        if info.language in TERMINAL_INFOS:
            self.terminal(tok, info, line, end_line)
        elif not info.language:
            self.report(
                line,
                1,
                "warning",
                "this block has no language, so it is shown as plain "
                "text. Write the language after the backticks (```python), or "
                "```terminal for a shell session.",
            )
            self.code(tok, "text", info, line, end_line)
        else:
            if not _known_language(info.language):
                self.report(
                    line,
                    len(tok.markup) + 1 + self.indent_of(line),
                    "warning",
                    f"no syntax colours are known for “{info.language}”; the code is "
                    "shown plain. Check the language name (python, bash, rust, ...).",
                )
            self.code(tok, info.language, info, line, end_line)

    def indent_of(self, line: int) -> int:
        if not 1 <= line <= len(self.lines):
            return 0
        text = self.lines[line - 1]
        return len(text) - len(text.lstrip(" >\t"))

    def fence_closed(self, tok: Token, start: int, stop: int) -> bool:
        if stop - start < 2 or stop > len(self.lines):
            return False
        last = self.lines[stop - 1].lstrip(" \t>")
        marker = tok.markup[:1] or "`"
        run = len(last) - len(last.lstrip(marker))
        return run >= len(tok.markup) and not last[run:].strip()

    def terminal(self, tok: Token, info: ParsedInfo, line: int, end_line: int) -> None:
        body = tok.content[:-1] if tok.content.endswith("\n") else tok.content
        lines: list[TerminalLine] = []
        for raw in body.split("\n") if body else []:
            if raw.startswith("$ ") or raw == "$":
                lines.append(TerminalLine(kind="command", text=raw[2:]))
            else:
                lines.append(TerminalLine(kind="output", text=raw))
        commands = [ln.text for ln in lines if ln.kind == "command"]
        if not lines:
            self.report(
                line,
                1,
                "warning",
                "this terminal block is empty; write commands on "
                "lines starting with “$ ” and their output below them.",
            )
        elif not commands:
            self.report(
                line,
                1,
                "warning",
                "this terminal block has no commands (lines starting "
                "with “$ ”), so nothing is typed; its lines just appear.",
            )
        outputs = sum(1 for ln in lines if ln.kind == "output")
        self.add(
            TerminalBeat(
                line=line,
                end_line=end_line,
                commands=commands,
                lines=lines,
                options=info.options,
                info=tok.info.strip(),
                estimated_ms=timing.terminal_ms(commands, outputs, info.options.speed),
            )
        )

    def code(
        self, tok: Token, language: str, info: ParsedInfo, line: int, end_line: int | None = None
    ) -> None:
        body = tok.content[:-1] if tok.content.endswith("\n") else tok.content
        if not body.strip():
            self.report(
                line, 1, "warning", "this code block is empty; write the code between the fences."
            )
        if end_line is None:
            end_line = tok.map[1] if tok.map else line
        self.add(
            CodeBeat(
                line=line,
                end_line=end_line,
                language=language,
                code=body,
                options=info.options,
                info=tok.info.strip(),
                estimated_ms=timing.code_ms(body, info.options.speed),
            )
        )

    def html_block(self, tok: Token, line: int) -> None:
        content = tok.content.strip()
        if content.startswith("<!--"):
            if "-->" not in content:
                self.report(
                    line,
                    1,
                    "warning",
                    "this comment is never closed with -->, so "
                    "everything after it is ignored. Close the comment with -->.",
                )
            return
        self.report(
            line,
            1,
            "warning",
            "HTML is not part of a script and is ignored; write notes as <!-- comments -->.",
        )

    # -- the end ----------------------------------------------------------
    def finish(self) -> Script:
        title = self.settings.title or (self.h1[0] if self.h1 and self.h1[0] else "")
        if not title:
            title = _title_from_path(self.path)
            self.report(
                1,
                1,
                "info",
                f"the script has no title, so it is called “{title}”. Add "
                "`title: ...` to the front matter or a `# Title` line.",
            )
        for scene in self.scenes:
            if scene.intro:
                scene.title = title
                if self.h1 is not None and self.h1[1] < scene.line:
                    scene.line = self.h1[1]
        self.finish_timing()
        if not any(scene.beats for scene in self.scenes):
            self.report(
                1,
                1,
                "error",
                "the script is empty: there is nothing to say or show. "
                "Write a paragraph of narration under a ## scene heading.",
            )
        characters = list(self.declared.values())
        characters += [c for k, c in self.speakers.items() if k not in self.declared]
        self.diagnostics.sort(key=lambda d: (d.line, d.column))
        return Script(
            path=self.path,
            title=title,
            settings=self.settings,
            characters=characters,
            scenes=self.scenes,
            diagnostics=self.diagnostics,
        )

    def finish_timing(self) -> None:
        for scene in self.scenes:
            if not scene.beats and not scene.intro:
                self.report(
                    scene.line,
                    1,
                    "warning",
                    f"the scene “{scene.title}” is empty; "
                    "write something under its heading or remove it.",
                )
            beats = scene.beats
            speech_next = timing.speech_next(beats)
            last_speech = max(
                (i for i, b in enumerate(beats) if isinstance(b, SpeechBeat)), default=-1
            )
            for idx, beat in enumerate(beats):
                if isinstance(beat, TerminalBeat | CodeBeat) and beat.options.sync_next:
                    if speech_next[idx]:
                        beat.estimated_ms = 0  # it plays during the next speech
                    else:
                        where = (
                            "before the next terminal or code block"
                            if idx < last_speech
                            else "in this scene"
                        )
                        self.report(
                            beat.line,
                            1,
                            "warning",
                            f"sync=next, but no speech follows {where}; the block plays "
                            "on its own.",
                        )
            self.cards_timing(beats, speech_next, last_speech)
            if beats and isinstance(beats[-1], VisualBeat | MediaBeat):
                last = beats[-1]
                last.estimated_ms = timing.HELD_VISUAL_MS
                what = (
                    "visual"
                    if isinstance(last, VisualBeat)
                    else (last.media_type if last.media_type in ("image", "video") else "media")
                )
                self.report(
                    last.line,
                    1,
                    "warning",
                    f"this {what} ends its scene with nothing "
                    f"after it, so it is held for {timing.HELD_VISUAL_MS / 1000:g} seconds. "
                    "Add narration after it, "
                    "or move it earlier.",
                )

    def cards_timing(self, beats: list[Beat], speech_next: list[bool], last_speech: int) -> None:
        """A table or callout is shown over the next speech (:func:`timing.speech_next`,
        the rule the timeline layout places cards by); alone it gets a moment."""
        for idx in range(len(beats) - 1, -1, -1):
            beat = beats[idx]
            if isinstance(beat, TableBeat | CalloutBeat):
                if speech_next[idx]:
                    beat.estimated_ms = 0
                    continue
                beat.estimated_ms = timing.SHOWN_ALONE_MS
                what = "table" if isinstance(beat, TableBeat) else "callout"
                alone = f"only {timing.SHOWN_ALONE_MS / 1000:g} s"
                if idx < last_speech:
                    why = (
                        f"a {what} followed by a terminal or code block before anything is "
                        f"spoken is shown for {alone}; add narration right after it"
                    )
                else:
                    why = (
                        f"a {what} with nothing spoken after it is shown for {alone}; add "
                        "narration after it"
                    )
                self.report(beat.line, 1, "warning", f"{why} so viewers can read it.")


def _matching_close(tokens: list[Token], start: int) -> int:
    depth = 0
    for j in range(start, len(tokens)):
        depth += tokens[j].nesting
        if depth == 0:
            return j
    return len(tokens) - 1


def _only_text(tokens: list[Token]) -> bool:
    return all(t.type in ("text", "text_special") for t in tokens)


def _title_from_path(path: str | None) -> str:
    if not path:
        return "Untitled"
    p = Path(path)
    stem = p.stem if p.stem.lower() not in ("script", "index", "readme") else p.parent.name
    words = re.split(r"[-_\s]+", stem)
    title = " ".join(w.capitalize() if w.islower() else w for w in words if w)
    return title or "Untitled"


def parse_markdown(text: str, path: str | None, base_dir: Path | None) -> Script:
    """Parse decoded script text; the public entry points wrap this."""
    return _Parser(text, path, base_dir).run()


__all__ = ["NARRATOR", "media_type", "parse_markdown"]
