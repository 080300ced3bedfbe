"""Sizing a terminal or code window to its content and to the place it is shown in.

A window that always holds 80x24 cells draws three lines of text in a corner of a big
empty screen, too small to read on a phone. Here the columns come from the longest line,
the rows from the lines shown, and the font grows until the window fills the area (or
its rows reach ``max_row_px``). Rows are never shorter than ``min_row_px``: content that
needs more rows than fit at that size scrolls, and lines wider than fit wrap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.engine.model import CodeBeat, TerminalBeat
from app.engine.terminal.content import LINE_WINDOWS, CodeContent, TerminalContent, rows_for
from app.engine.terminal.fonts import (
    MAX_PX,
    cell_metrics,
    px_for_cell_height,
    px_for_min_cell_height,
)
from app.engine.terminal.render import Layout, chrome_sizes

MIN_TERMINAL_COLS = 28
MIN_CODE_COLS = 32
MIN_ROWS = 3
SHADOW_CELLS = 0.5
"""The margin left around a window with chrome for its drop shadow, in rows."""
ROW_PX_16_9 = 36
"""The shortest text row in a 1080-high landscape frame."""
ROW_PX_SHORT = 40
"""The shortest text row in a 1080-wide portrait frame (a Short, read on a phone)."""


def row_px_limits(frame_w: int, frame_h: int) -> tuple[int, int]:
    """``(min_row_px, max_row_px)`` for views in a ``frame_w`` x ``frame_h`` video.

    36 px rows at 1920x1080 and 40 px in a 1080x1920 Short, scaled with the frame;
    at most twice that, so a three-line terminal is big but not a poster.
    """
    if frame_h > frame_w:
        lo = max(8, round(ROW_PX_SHORT * frame_w / 1080))
    else:
        lo = max(8, round(ROW_PX_16_9 * frame_h / 1080))
    return lo, 2 * lo


@dataclass(frozen=True)
class WindowFit:
    """A window sized for one block: its grid, font and pixel size.

    The picture is the window plus ``margin`` on every side for its shadow, so the
    window's top-left corner is at ``(margin, margin)`` in the picture.
    """

    cols: int
    rows: int
    content_rows: int
    """Rows the content needs; more than ``rows`` means the view scrolls."""
    font_px: int
    cell_w: int
    cell_h: int
    """The row height: the pixel pitch between text rows."""
    padding: int
    title_h: int
    radius: int
    margin: int
    chrome: bool

    @property
    def win_w(self) -> int:
        return self.cols * self.cell_w + 2 * self.padding

    @property
    def win_h(self) -> int:
        return self.rows * self.cell_h + 2 * self.padding + self.title_h

    @property
    def win_x(self) -> int:
        return self.margin

    @property
    def win_y(self) -> int:
        return self.margin

    @property
    def width(self) -> int:
        """The picture's width: window and shadow margin."""
        return self.win_w + 2 * self.margin

    @property
    def height(self) -> int:
        return self.win_h + 2 * self.margin

    @property
    def scrolls(self) -> bool:
        return self.content_rows > self.rows

    def layout(self) -> Layout:
        """The painter's layout: a picture that is this window and its margin."""
        return Layout(
            self.width, self.height, self.cols, self.rows, self.cell_w, self.cell_h, self.font_px, self.chrome,
            self.margin, self.title_h, self.padding, self.radius, self.win_x, self.win_y, self.win_w, self.win_h,
        )  # fmt: skip


def _window_at(px: int, cols: int, rows: int, chrome: bool) -> WindowFit:
    cell_w, cell_h, _ = cell_metrics(px)
    padding, title_h, radius = chrome_sizes(cell_h, chrome)
    margin = round(cell_h * SHADOW_CELLS) if chrome else 0
    return WindowFit(cols, rows, rows, px, cell_w, cell_h, padding, title_h, radius, margin, chrome)


def _largest_px(lo: int, hi: int, fits: Callable[[int], bool]) -> int:
    """The largest size in ``[lo, hi]`` that ``fits`` (window size grows with it), else ``lo``."""
    best = lo
    while lo <= hi:
        mid = (lo + hi) // 2
        if fits(mid):
            best, lo = mid, mid + 1
        else:
            hi = mid - 1
    return best


def _option(beat: TerminalBeat | CodeBeat, key: str, lo: int, hi: int) -> int | None:
    """A block's ``cols=``/``rows=`` as a whole number (a bad value is reported by the session)."""
    raw = beat.options.extra.get(key)
    try:
        return max(lo, min(hi, int(raw))) if raw is not None else None
    except ValueError:
        return None


def _widths(beat: TerminalBeat | CodeBeat, line_limit: int | None) -> list[int]:
    if isinstance(beat, TerminalBeat):
        return TerminalContent.of(beat, line_limit).widths()
    return CodeContent.of(beat, line_limit).widths()


def fit_window(
    beat: TerminalBeat | CodeBeat,
    area_w: int,
    area_h: int,
    *,
    min_row_px: int,
    max_row_px: int,
    chrome: bool = True,
    max_cols: int | None = None,
) -> WindowFit:
    """The window (and its shadow margin) for ``beat`` filling as much of the area as its content allows.

    Columns: the longest line plus one for the cursor, at least 28 (32 for code), at most
    what fits across the area with rows ``min_row_px`` tall (and ``max_cols``); longer
    lines wrap. Rows: the lines shown (wrapped lines count each row), at least 3, at most
    what fits down the area at ``min_row_px``; more scroll. The font is then the largest
    whose window fits the area with rows at most ``max_row_px`` tall. The block's own
    ``cols=``/``rows=`` options replace the measured sizes within the same bounds.

    Only an area too small for a single row at ``min_row_px`` gets smaller text.
    """
    area_w, area_h = max(1, int(area_w)), max(1, int(area_h))
    min_row_px = max(4, int(min_row_px))
    max_row_px = max(min_row_px, int(max_row_px))
    terminal = isinstance(beat, TerminalBeat)

    def fits(px: int, cols: int, rows: int) -> bool:
        w = _window_at(px, cols, rows, chrome)
        return w.width <= area_w and w.height <= area_h

    px_min = px_for_min_cell_height(min_row_px)
    base = _window_at(px_min, 1, 1, chrome)
    cols_fit = (area_w - 2 * base.margin - 2 * base.padding) // base.cell_w
    rows_fit = (area_h - 2 * base.margin - 2 * base.padding - base.title_h) // base.cell_h

    natural = _option(beat, "cols", 10, 400) or max(
        max(_widths(beat, None), default=0) + 1, MIN_TERMINAL_COLS if terminal else MIN_CODE_COLS
    )
    cols = max(1, min(natural, cols_fit, max_cols if max_cols is not None else natural))
    needed = _option(beat, "rows", 2, 200) or max(
        MIN_ROWS, sum(rows_for(w, cols) for w in _widths(beat, LINE_WINDOWS * cols))
    )
    rows = max(1, min(needed, rows_fit))

    hi = px_for_cell_height(max_row_px)
    if fits(px_min, cols, rows):
        px = _largest_px(px_min, max(px_min, hi), lambda p: fits(p, cols, rows))
    else:  # not even one row fits at min_row_px: the largest text that fits at all
        px = _largest_px(4, min(px_min, MAX_PX), lambda p: fits(p, cols, rows))
    w = _window_at(px, cols, rows, chrome)
    return WindowFit(
        cols, rows, needed, px, w.cell_w, w.cell_h, w.padding, w.title_h, w.radius, w.margin, chrome
    )
