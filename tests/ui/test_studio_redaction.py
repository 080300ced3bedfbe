"""The studio shows a provider's error, never the key the provider echoed in it.

A stock provider's fake answers every request with an error repeating its key (the
shapes of tests/fakes/echo.py); after the Visuals panel's job has met it, no widget's
text, tooltip or title, and no log record, holds the key, whole or cut short.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTextEdit,
    QTreeWidget,
    QTreeWidgetItemIterator,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.engine import secrets
from app.engine.store import Store
from app.engine.visuals.providers import registered
from tests.fakes.catalog import fake_for
from tests.fakes.echo import FAULTS, leaks, planted_key
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.server import FakeServer
from tests.ui.test_visuals_panel import close_window, studio_on

PROVIDER = "pexels"


@pytest.fixture
def echoing(
    no_keys: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[FakeServer, str]]:
    """The provider's fake, and the key planted for it in the keyring."""
    cls = registered()[PROVIDER]
    assert cls.key_name and cls.url_env
    fake = fake_for(PROVIDER)().start()
    monkeypatch.setenv(cls.url_env, fake.url)
    key = planted_key(cls.key_name)
    no_keys.set_password(secrets.SERVICE, cls.key_name, key)
    yield fake, key
    fake.stop()


def shown_text(widget: QWidget) -> list[str]:
    """Everything a user can read on or over a widget."""
    texts = [widget.toolTip(), widget.windowTitle(), widget.statusTip(), widget.whatsThis()]
    if isinstance(widget, QLabel | QAbstractButton | QLineEdit):
        texts.append(widget.text())
    if isinstance(widget, QTextEdit | QPlainTextEdit):
        texts.append(widget.toPlainText())
    if isinstance(widget, QComboBox):
        texts += [widget.itemText(i) for i in range(widget.count())]
    if isinstance(widget, QListWidget):
        texts += [widget.item(i).text() for i in range(widget.count())]
        texts += [widget.item(i).toolTip() for i in range(widget.count())]
    if isinstance(widget, QTreeWidget):
        items = QTreeWidgetItemIterator(widget)
        while items.value():
            item = items.value()
            for column in range(item.columnCount()):
                texts += [item.text(column), item.toolTip(column)]
            items += 1
    texts += [a.text() + a.toolTip() for a in widget.actions()]
    return texts


@pytest.mark.parametrize("kind", ["401", "cut-text"])
def test_a_provider_error_in_the_studio_shows_no_key(
    kind: str,
    qtbot: QtBot,
    store: Store,
    tmp_path: Path,
    echoing: tuple[FakeServer, str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake, key = echoing
    fake.inject(FAULTS[kind]([key]))
    window = studio_on(qtbot, store, tmp_path, PROVIDER)
    panel = window.visuals_panel
    job = panel.generate_all()
    assert job is not None
    qtbot.waitUntil(lambda: job.state != "running", timeout=60000)
    qtbot.waitUntil(lambda: panel.generate.isEnabled(), timeout=20000)
    assert fake.requests, "the provider was never asked"
    texts = {
        f"{type(w).__name__} {w.objectName()}": "\n".join(shown_text(w))
        for w in QApplication.allWidgets()
    }
    texts["status bar"] = window.statusBar().currentMessage()
    texts["log"] = caplog.text
    assert "HTTP 401" in texts["status bar"], "the error is shown"
    assert leaks([key], texts) == []
    close_window(window)
