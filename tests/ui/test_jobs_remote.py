"""The jobs panel lists the jobs on the workers' Redis (a real redis-server) and cancels them;
the settings keep that Redis's address, in the keyring when it carries a password."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from pytestqt.qtbot import QtBot

from app.engine.dist.celeryapp import configure
from app.engine.dist.remote import is_cancelled, register_job
from app.ui.jobs.manager import JobManager
from app.ui.jobs.panel import JobsPanel
from app.ui.settings.dialog import SettingsDialog
from app.ui.settings.store import StudioSettings
from tests.engine.dist.cluster import REDIS_SERVER, RedisProcess, free_port
from tests.fakes.memory_keyring import MemoryKeyring

WAIT_MS = 30000


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[RedisProcess]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    process = RedisProcess(tmp_path / "redis").start()
    yield process
    process.stop()


@pytest.fixture
def panel(qtbot: QtBot) -> JobsPanel:
    shown = JobsPanel(JobManager())
    qtbot.addWidget(shown)
    shown.show()
    return shown


def test_a_remote_job_is_shown_with_its_progress_and_cancelled_from_the_panel(
    qtbot: QtBot, panel: JobsPanel, broker: RedisProcess
) -> None:
    ids = ["castline-fake-0", "castline-fake-1"]
    backend = configure(broker.url).backend  # the meta a worker stores mid-render
    meta = {"done": 500, "total": 1000, "message": "render: frames", "worker": "w9@farm"}
    backend.store_result(ids[0], meta, "PROGRESS")
    job_id = register_job(broker.url, "batch", "batch of 2 scripts", ids)
    assert not panel.remote.isVisible()  # no Redis set: no section

    panel.set_workers_url(broker.url)
    qtbot.waitUntil(lambda: job_id in panel.remote_rows, timeout=WAIT_MS)
    row = panel.remote_rows[job_id]
    assert panel.remote.isVisible() and "batch of 2 scripts" in row.title.text()
    assert row.bar.value() == 250  # half of one of two tasks
    assert row.detail.text().startswith("running · 0 of 2 finished · 25% · w9@farm")

    qtbot.mouseClick(row.cancel, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "cancelled ·" in row.detail.text(), timeout=WAIT_MS)
    assert is_cancelled(broker.url, job_id)
    assert not row.cancel.isEnabled()


def test_an_unreachable_redis_is_one_quiet_line(qtbot: QtBot, panel: JobsPanel) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    panel.set_workers_url(url)
    qtbot.waitUntil(lambda: "does not answer" in panel.remote_status.text(), timeout=WAIT_MS)
    assert panel.remote_status.text() == f"The workers' Redis at {url} does not answer."
    assert panel.remote_rows == {}
    panel.set_workers_url("")
    assert not panel.remote.isVisible()


def test_the_workers_address_is_a_setting_and_its_password_stays_in_the_keyring(
    qtbot: QtBot, tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    prefs = StudioSettings(QSettings(str(tmp_path / "studio.ini"), QSettings.Format.IniFormat))
    dialog = SettingsDialog(prefs)
    qtbot.addWidget(dialog)
    dialog.workers_url.setText("redis://farm:6379/0")
    assert dialog.save()
    assert prefs.workers_url == "redis://farm:6379/0" and not memory_keyring.passwords

    secret_url = "redis://:hunter2-farm@farm:6379/1"
    dialog = SettingsDialog(prefs)
    qtbot.addWidget(dialog)
    dialog.workers_url.setText(secret_url)
    assert dialog.save()
    assert memory_keyring.passwords[("castline", "workers")] == secret_url
    assert "hunter2" not in (tmp_path / "studio.ini").read_text()
    assert prefs.workers_url == secret_url

    dialog = SettingsDialog(prefs)  # shown masked; saved untouched, it stays as it was
    qtbot.addWidget(dialog)
    assert "hunter2" not in dialog.workers_url.text() and "farm:6379/1" in dialog.workers_url.text()
    assert dialog.save()
    assert prefs.workers_url == secret_url

    dialog.workers_url.setText("http://farm")
    assert not dialog.save() and "redis://HOST:PORT/DB" in dialog.message.text()
