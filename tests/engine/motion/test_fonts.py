"""The bundled fonts: each file is accounted for with its licence, and the terminal's
glyph atlas falls back to them instead of drawing boxes."""

from __future__ import annotations

import fnmatch
import re

import numpy as np
import pytest

from app.engine.terminal.fonts import BUNDLED_FALLBACKS, GlyphAtlas, fonts_dir
from tests.engine.motion.conftest import FONTS, UNMAPPED, count_boxes, font_files

NOTICES = FONTS.parents[1] / "THIRD_PARTY_NOTICES.md"


def _named_in(text: str) -> list[str]:
    """File names and patterns written in backticks (`NotoSans-*.ttf`)."""
    return [m.split("/")[-1] for m in re.findall(r"`([^`]+\.(?:ttf|otf|ttc))`", text)]


def test_every_bundled_font_is_listed_with_its_licence() -> None:
    readme = (FONTS / "README.md").read_text(encoding="utf-8")
    notices = NOTICES.read_text(encoding="utf-8")
    for path in font_files():
        assert f"`{path.name}`" in readme, f"{path.name} is not in resources/fonts/README.md"
        assert any(fnmatch.fnmatch(path.name, p) for p in _named_in(notices)), (
            f"{path.name} is not in THIRD_PARTY_NOTICES.md"
        )
    ofl = (FONTS / "LICENSE-OFL-1.1.txt").read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in ofl and "PERMISSION & CONDITIONS" in ofl


def test_the_terminal_fallbacks_are_bundled_files() -> None:
    assert all((fonts_dir() / name).is_file() for name in BUNDLED_FALLBACKS)
    assert BUNDLED_FALLBACKS[-1] == "DroidSansFallback.ttf"


@pytest.mark.parametrize("ch", ["中", "あ", "한", "क", "ש", "ب", "ก", "⌖", "★"])
def test_the_terminal_atlas_draws_other_scripts_from_the_bundled_fallbacks(ch: str) -> None:
    atlas = GlyphAtlas(48)
    mask = atlas.mask(ch, cells=2)
    assert (mask > 127).sum() > 10, ch
    assert count_boxes(np.dstack([mask] * 4), 48) == 0, ch
    assert count_boxes(np.dstack([atlas.mask(UNMAPPED, cells=2)] * 4), 48) == 1
