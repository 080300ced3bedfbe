"""Animations: "the frame at time t" for a session, deterministic and seekable.

``frame_at(ms)`` is a pure function of the animation and ``ms``: the emulator state is
the replay of every event up to ``ms`` (kept incrementally for forward playback, with
checkpoints for scrubbing backwards), drawn by a :class:`Painter`, then the effects.
"""

from __future__ import annotations

import bisect
import threading
from abc import ABC, abstractmethod
from dataclasses import replace

import numpy as np

from app.engine.model import CodeBeat, Diagnostic, Severity, TerminalBeat
from app.engine.terminal.beats import code_session, terminal_session
from app.engine.terminal.effects import Effect, parse_effects, seeded_rng
from app.engine.terminal.effects.glitch import glitch_frame
from app.engine.terminal.fit import WindowFit, fit_window
from app.engine.terminal.fonts import GlyphAtlas
from app.engine.terminal.render import Painter, compute_layout
from app.engine.terminal.screen import TerminalState
from app.engine.terminal.session import Session
from app.engine.terminal.themes import (
    DEFAULT_THEME,
    RGB,
    Theme,
    ThemeError,
    load_theme,
    theme_from_dict,
)

BLINK_MS = 530
CHECKPOINT_EVERY = 300


class Animation(ABC):
    """Anything that answers "the RGBA frame at ``ms``" over ``duration_ms``."""

    width: int
    height: int
    duration_ms: int
    diagnostics: list[Diagnostic]

    @abstractmethod
    def frame_at(self, ms: int) -> np.ndarray:
        """The H x W x 4 straight-RGBA uint8 frame at ``ms`` (clamped to the duration)."""

    @abstractmethod
    def retimed(self, duration_ms: int) -> Animation:
        """The same animation lasting ``duration_ms``, typing stretched to fit."""

    @property
    def markers(self) -> list[tuple[int, str]]:
        return []


class SessionAnimation(Animation):
    """One session drawn in one theme at one output size.

    With ``fit`` the picture is that window and its shadow margin, not a full frame:
    ``width`` x ``height`` are the fit's, the window at ``(fit.win_x, fit.win_y)``.
    """

    def __init__(
        self,
        session: Session,
        *,
        width: int,
        height: int,
        theme: Theme,
        chrome: bool = True,
        transparent: bool = False,
        effects: list[Effect] | None = None,
        painters: dict[tuple[int, int], Painter] | None = None,
        margin_color: RGB | None = None,
        fit: WindowFit | None = None,
        shadow: bool | None = None,
    ) -> None:
        self.session = session
        self.fit = fit
        self.shadow = shadow
        self.width, self.height = (
            (fit.width, fit.height) if fit is not None else (int(width), int(height))
        )
        self.duration_ms = max(1, session.duration_ms)
        self.theme = theme
        self.chrome = chrome
        self.transparent = transparent
        self.margin_color = margin_color
        self.effects: list[Effect] = list(effects or [])
        self.diagnostics = list(session.diagnostics)
        self._times = [e.ms for e in session.events]
        self._painters: dict[tuple[int, int], Painter] = painters if painters is not None else {}
        self._lock = threading.RLock()
        self._state = TerminalState(session.cols, session.rows)
        self._applied = 0
        self._checkpoints: dict[int, TerminalState] = {0: self._state.clone()}

    @property
    def markers(self) -> list[tuple[int, str]]:
        return self.session.markers

    def painter(self, cols: int, rows: int) -> Painter:
        """The painter for a screen size (a recording may resize mid-way)."""
        key = (cols, rows)
        if key not in self._painters:
            fit = self.fit
            if fit is not None and key == (fit.cols, fit.rows):
                layout, atlas = fit.layout(), GlyphAtlas(fit.font_px)
            else:
                layout, atlas = compute_layout(
                    self.width, self.height, cols, rows, chrome=self.chrome
                )
            self._painters[key] = Painter(
                self.theme,
                layout,
                atlas,
                title=self.session.title if self.chrome else "",
                transparent=self.transparent,
                margin_color=self.margin_color,
                shadow=self.shadow,
            )
        return self._painters[key]

    def _advance_to(self, n: int) -> TerminalState:
        """The emulator state after the first ``n`` events."""
        base = max(k for k in self._checkpoints if k <= n)
        if n < self._applied or base > self._applied:
            # Scrubbing: start from the nearest checkpoint instead of replaying everything.
            self._state = self._checkpoints[base].clone()
            self._applied = base
        events = self.session.events
        while self._applied < n:
            e = events[self._applied]
            if e.resize is not None:
                self._state.resize(*e.resize)
            if e.data:
                self._state.feed(e.data)
            self._applied += 1
            if self._applied % CHECKPOINT_EVERY == 0 and self._applied not in self._checkpoints:
                self._checkpoints[self._applied] = self._state.clone()
        return self._state

    def state_at(self, ms: int) -> TerminalState:
        """The emulator state at ``ms`` (shared: read it, do not change it)."""
        with self._lock:
            return self._advance_to(bisect.bisect_right(self._times, self._clamp(ms)))

    def text_at(self, ms: int) -> list[str]:
        """The visible text at ``ms``, row by row."""
        return self.state_at(ms).text()

    def _clamp(self, ms: int) -> int:
        return max(0, min(int(ms), self.duration_ms))

    def cursor_visible(self, ms: int) -> bool:
        ms = self._clamp(ms)
        n = bisect.bisect_right(self._times, ms)
        if not self.session.cursor_blink:
            return True
        last = self._times[n - 1] if n else 0
        return ((ms - last) // BLINK_MS) % 2 == 0

    def frame_at(self, ms: int) -> np.ndarray:
        ms = self._clamp(ms)
        with self._lock:
            n = bisect.bisect_right(self._times, ms)
            state = self._advance_to(n)
            painter = self.painter(state.cols, state.rows)
            grid = state.sync_grid(painter.tile_id)
            scr = state.screen
            cursor = None
            under = None
            if not scr.cursor.hidden and self.cursor_visible(ms):
                cursor = (int(scr.cursor.x), int(scr.cursor.y))
                if 0 <= cursor[1] < state.rows and 0 <= cursor[0] < state.cols:
                    under = scr.buffer[cursor[1]][cursor[0]]
            style = (
                self.session.cursor_style
                if self.session.cursor_style in ("block", "bar", "underline")
                else "block"
            )
            frame = painter.frame(grid, cursor, style, under)  # type: ignore[arg-type]
        for eff in self.effects:
            frame = eff.apply(frame, ms)
        return frame

    def retimed(self, duration_ms: int) -> SessionAnimation:
        return SessionAnimation(
            self.session.retimed(duration_ms),
            width=self.width, height=self.height, theme=self.theme, chrome=self.chrome,
            transparent=self.transparent, effects=self.effects, painters=self._painters,
            margin_color=self.margin_color, fit=self.fit, shadow=self.shadow,
        )  # fmt: skip


class SequenceAnimation(Animation):
    """Animations one after another, cut with a short glitch transition."""

    def __init__(self, parts: list[Animation], *, cut_ms: int = 260, seed: int = 0) -> None:
        if not parts:
            raise ValueError("a sequence needs at least one animation")
        self.parts = parts
        self.cut_ms = cut_ms
        self.seed = seed
        self.width, self.height = parts[0].width, parts[0].height
        self.starts: list[int] = []
        t = 0
        for p in parts:
            self.starts.append(t)
            t += p.duration_ms
        self.duration_ms = t
        self.diagnostics = [d for p in parts for d in p.diagnostics]

    @property
    def markers(self) -> list[tuple[int, str]]:
        return [
            (s + ms, label)
            for s, p in zip(self.starts, self.parts, strict=True)
            for ms, label in p.markers
        ]

    def frame_at(self, ms: int) -> np.ndarray:
        ms = max(0, min(int(ms), self.duration_ms))
        i = max(0, bisect.bisect_right(self.starts, ms) - 1)
        i = min(i, len(self.parts) - 1)
        frame = self.parts[i].frame_at(ms - self.starts[i])
        half = self.cut_ms // 2
        near = [abs(ms - s) for s in self.starts[1:]]
        if near and min(near) < half:
            strength = 1.0 - min(near) / half
            frame = glitch_frame(frame, 0.4 + 0.8 * strength, seeded_rng(self.seed, 13, ms // 30))
        return frame

    def retimed(self, duration_ms: int) -> SequenceAnimation:
        duration_ms = max(len(self.parts), int(duration_ms))
        out: list[Animation] = []
        acc_src = 0
        prev_dst = 0
        for p in self.parts:
            acc_src += p.duration_ms
            dst = round(acc_src * duration_ms / self.duration_ms)
            out.append(p.retimed(max(1, dst - prev_dst)))
            prev_dst = dst
        return SequenceAnimation(out, cut_ms=self.cut_ms, seed=self.seed)


def resolve_theme(session: Session, theme: str | None) -> Theme:
    """The session's own theme option, else ``theme``, else an embedded one, else the default."""
    if session.theme:
        return load_theme(session.theme)
    if theme:
        return load_theme(theme)
    if session.theme_colors:
        try:
            return theme_from_dict(session.theme_colors, "recording")
        except ValueError:
            pass
    return load_theme(None)


def animate_session(
    session: Session, *, width: int, height: int, theme: str | Theme | None = None, seed: int = 0,
    chrome: bool = True, transparent: bool = False, effects: str | None = None, margin_color: RGB | None = None,
) -> SessionAnimation:  # fmt: skip
    """An animation of any session (a recording, a tape, a block)."""
    theme_diags: list[Diagnostic] = []
    if isinstance(theme, Theme):
        th = theme
    else:
        try:
            th = resolve_theme(session, theme)
        except ThemeError as exc:
            theme_diags.append(
                Diagnostic(
                    line=1, severity=Severity.WARNING, message=f"{exc}; using {DEFAULT_THEME}"
                )
            )
            th = load_theme(None)
    effs, diags = parse_effects(effects, seed=seed)
    session = replace(session, diagnostics=[*session.diagnostics, *theme_diags, *diags])
    return SessionAnimation(
        session, width=width, height=height, theme=th, chrome=chrome, transparent=transparent,
        effects=effs, margin_color=margin_color,
    )  # fmt: skip


def _block_theme(
    beat: TerminalBeat | CodeBeat, theme: str | None
) -> tuple[Theme, list[Diagnostic]]:
    """The block's own ``theme=`` option, else ``theme`` (the project's), else the default."""
    diags: list[Diagnostic] = []
    for name in (beat.options.theme, theme):
        if not name:
            continue
        try:
            return load_theme(name), diags
        except ThemeError as exc:
            diags.append(Diagnostic(line=beat.line, severity=Severity.WARNING, message=str(exc)))
    return load_theme(None), diags


def _block_chrome(beat: TerminalBeat | CodeBeat, chrome: bool) -> bool:
    return chrome and beat.options.extra.get("chrome", "on").lower() not in (
        "off",
        "false",
        "no",
        "0",
    )


def _block_session(
    beat: TerminalBeat | CodeBeat,
    th: Theme,
    theme_diags: list[Diagnostic],
    seed: int,
    size: tuple[int, int] | None,
) -> tuple[Session, list[Effect]]:
    if isinstance(beat, TerminalBeat):
        session = terminal_session(beat, th, seed=seed, size=size)
    else:
        session = code_session(beat, th, seed=seed, size=size)
    effs, effect_diags = parse_effects(beat.options.extra.get("effects"), seed=seed, line=beat.line)
    session.diagnostics[:0] = theme_diags
    session.diagnostics.extend(effect_diags)
    return session, effs


def build_animation(
    beat: TerminalBeat | CodeBeat,
    *,
    width: int,
    height: int,
    theme: str | None = None,
    seed: int = 0,
    chrome: bool = True,
    transparent: bool = False,
    margin_color: RGB | None = None,
) -> SessionAnimation:
    """The animation for a script's terminal or code block as a full frame of an output size.

    The window is centred in the frame around a screen of 80x24 (or the block's
    ``cols=``/``rows=``). The block's own ``theme=`` option wins over ``theme`` (the
    project's default); its ``effects=`` option (``glitch,scanlines,crt``) applies in the
    written order. :func:`build_view_animation` sizes the window to its content instead.
    """
    th, diags = _block_theme(beat, theme)
    session, effs = _block_session(beat, th, diags, seed, None)
    return SessionAnimation(
        session, width=width, height=height, theme=th, chrome=_block_chrome(beat, chrome), transparent=transparent,
        effects=effs, margin_color=margin_color,
    )  # fmt: skip


def build_view_animation(
    beat: TerminalBeat | CodeBeat,
    area_w: int,
    area_h: int,
    *,
    min_row_px: int,
    max_row_px: int,
    theme: str | None = None,
    seed: int = 0,
    chrome: bool = True,
    transparent: bool = True,
    shadow: bool = True,
    max_cols: int | None = None,
) -> SessionAnimation:
    """The animation of a block as a window sized to its content, filling as much of the area as it can.

    The picture is the window plus its drop-shadow margin (``anim.fit``, a
    :class:`WindowFit`): ``anim.width`` x ``anim.height``, never larger than the area,
    the window at ``(fit.win_x, fit.win_y)`` of size ``fit.win_w`` x ``fit.win_h``.
    Centre the picture on the area to centre the window. With ``transparent`` everything
    outside the rounded window is transparent but for the soft shadow (``shadow``).
    Rows are at least ``min_row_px`` tall (see :func:`fit_window`; :func:`row_px_limits`
    gives the sizes for a frame); themes, effects and ``retimed`` work as for
    :func:`build_animation`.
    """
    th, diags = _block_theme(beat, theme)
    chrome = _block_chrome(beat, chrome)
    fit = fit_window(
        beat,
        area_w,
        area_h,
        min_row_px=min_row_px,
        max_row_px=max_row_px,
        chrome=chrome,
        max_cols=max_cols,
    )
    session, effs = _block_session(beat, th, diags, seed, (fit.cols, fit.rows))
    return SessionAnimation(
        session, width=fit.width, height=fit.height, theme=th, chrome=chrome, transparent=transparent,
        effects=effs, fit=fit, shadow=shadow and chrome,
    )  # fmt: skip
