"""Installing a plugin module for one test, as a user does: a file on ``sys.path`` named
in ``CASTLINE_PLUGINS``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from app.engine.plugins import PLUGINS_ENV


def install_plugin(folder: Path, monkeypatch: pytest.MonkeyPatch, module: str, source: str) -> None:
    """Write ``module`` into ``folder`` (made here) and name it in the environment; the
    monkeypatch takes both back after the test."""
    folder.mkdir()
    (folder / f"{module}.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv(PLUGINS_ENV, module)


def forget_plugin(module: str) -> None:
    """Drop the module, so the next test that names it imports (and registers) it afresh."""
    sys.modules.pop(module, None)
