"""Re-rendering after editing one line re-synthesizes only that line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.engine.render.project import render_script
from app.engine.store import Store
from tests.engine.render.conftest import FIXTURES


@pytest.mark.slow
def test_editing_one_line_resynthesizes_only_that_line(tmp_path: Path) -> None:
    script = tmp_path / "script.md"
    shutil.copy(FIXTURES / "short.md", script)
    store = Store.open(f"sqlite:///{tmp_path / 'castline.db'}")
    try:
        first = render_script(
            script, tmp_path / "a.mp4", preset="preview", offline=True, store=store
        )
        assert (first.lines, first.synthesized, first.cache_hits) == (2, 2, 0)
        text = script.read_text("utf-8").replace("it should.", "it should, every time.")
        script.write_text(text, encoding="utf-8")
        second = render_script(
            script, tmp_path / "b.mp4", preset="preview", offline=True, store=store
        )
    finally:
        store.close()
    assert (second.lines, second.synthesized, second.cache_hits) == (2, 1, 1)
    captions = (tmp_path / "b.srt").read_text("utf-8")
    assert "every time." in captions
    assert (tmp_path / "b.mp4").stat().st_size > 0
