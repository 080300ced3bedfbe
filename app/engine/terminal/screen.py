"""Terminal emulation on pyte: the screen state an animation replays events into.

pyte does the VT parsing (SGR 16/256/truecolour, cursor movement, ``\\r``, tabs, wide
characters as a glyph plus an empty continuation cell, resize). This module keeps a
per-row grid of tile ids beside the screen so that the painter only redraws rows that
changed since the previous frame.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import pyte
from pyte.screens import Char

from app.engine.terminal.limits import LIMITS

TileIds = Callable[[Char, int], int]
"""Maps a pyte cell and its part (0, or 1 for the right half of a wide glyph) to a tile id."""


def _clamped(cols: int, rows: int) -> tuple[int, int]:
    return min(max(1, cols), LIMITS.max_cols), min(max(1, rows), LIMITS.max_rows)


class TerminalState:
    """A pyte screen plus the tile-id grid mirroring it, never larger than :data:`LIMITS`.

    Importers report a size past the limits; the screen clamps it again so no path can
    build a terminal of a billion cells.
    """

    def __init__(self, cols: int, rows: int) -> None:
        cols, rows = _clamped(cols, rows)
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.Stream(self.screen)
        self.grid = np.zeros((rows, cols), dtype=np.int32)
        self._synced = False

    @property
    def cols(self) -> int:
        return int(self.screen.columns)

    @property
    def rows(self) -> int:
        return int(self.screen.lines)

    def feed(self, data: str) -> None:
        self.stream.feed(data)

    def resize(self, cols: int, rows: int) -> None:
        cols, rows = _clamped(cols, rows)
        self.screen.resize(rows, cols)
        self.grid = np.zeros((rows, cols), dtype=np.int32)
        self._synced = False

    def clone(self) -> TerminalState:
        """An independent copy (for seek checkpoints)."""
        twin = TerminalState.__new__(TerminalState)
        twin.screen = copy.deepcopy(self.screen)
        twin.stream = pyte.Stream(twin.screen)
        twin.grid = self.grid.copy()
        twin._synced = self._synced
        return twin

    def sync_grid(self, tile_id: TileIds) -> np.ndarray:
        """Bring the tile grid up to date with the screen (dirty rows only) and return it."""
        screen = self.screen
        rows = range(self.rows) if not self._synced else sorted(screen.dirty)
        cols = self.cols
        blank = screen.default_char
        for y in rows:
            if y >= self.rows:
                continue
            line = screen.buffer[y]
            out = self.grid[y]
            prev: Char = blank
            for x in range(cols):
                ch = line[x]
                if ch.data == "" and x > 0:
                    out[x] = tile_id(prev, 1)
                else:
                    out[x] = tile_id(ch, 0)
                    prev = ch
        screen.dirty.clear()
        self._synced = True
        return self.grid

    def text(self) -> list[str]:
        """The screen as plain text rows (what a reader would see)."""
        return [row.rstrip() for row in self.screen.display]
