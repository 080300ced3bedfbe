"""Publishing from the studio: sign in, details checked as typed, a thumbnail, then one click.

Google's sign-in and YouTube are the fakes on 127.0.0.1 (tests/fakes/); the "browser" is
a URL handler that follows Google's redirect to the studio's loopback address, as a
real browser does after the user clicks Allow.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PySide6.QtCore import QObject, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from app.engine.hashing import sha256_file
from app.engine.jobs.progress import ProgressState
from app.engine.net.retry import RetryPolicy
from app.engine.publish.settings import settings_path
from app.engine.render import sidecar_paths
from app.engine.store import Store
from app.ui.jobs.manager import Job
from app.ui.main_window import MainWindow
from app.ui.publish.dialog import PublishDialog
from app.ui.publish.work import Network
from tests.engine.publish.conftest import (  # noqa: F401  (fixtures)
    access_tokens,
    client_env,
    google_oauth,
    logged_in,
    youtube,
)
from tests.engine.voice.conftest import Sleeps
from tests.fakes.google_oauth import FakeGoogleOAuth
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.youtube import UNIT, FakeYouTube
from tests.ui.conftest import open_window

SCRIPT = """---
title: Pipes in three chapters
description: How shell pipes join small tools into big ones.
tags: [shell, pipes, bash basics]
characters:
  NARRATOR: { voice: local/joe }
---

# Pipes in three chapters

## Small tools

Every tool does one thing well.

[pause 9s]

## Joining them

A pipe joins one tool to the next.

[pause 9s]

## Big results

Together they do big things.

[pause 9s]
"""
TITLE = "Pipes, in three short chapters"


class Browser(QObject):
    """Opens what the studio asks for like a browser whose user clicks Allow at once."""

    def __init__(self) -> None:
        super().__init__()
        self.opened: list[str] = []
        self.pages: list[str] = []
        self.threads: list[threading.Thread] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        address = url.toString()
        self.opened.append(address)

        def visit() -> None:  # Google's page redirects to the studio's loopback server
            with httpx.Client(follow_redirects=True, timeout=30) as client:
                self.pages.append(client.get(address).text)

        thread = threading.Thread(target=visit, daemon=True)
        thread.start()
        self.threads.append(thread)

    def visited(self) -> list[str]:
        """The pages read, once every visit has ended: the studio may act on the redirect
        before the browser has read the page it answers with."""
        for thread in self.threads:
            thread.join()
        return self.pages


@pytest.fixture
def browser() -> Iterator[Browser]:
    handler = Browser()
    QDesktopServices.setUrlHandler("http", handler, "open")
    yield handler
    QDesktopServices.unsetUrlHandler("http")
    for thread in handler.threads:
        thread.join()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    script = tmp_path / "project" / "script.md"
    script.parent.mkdir()
    script.write_text(SCRIPT, encoding="utf-8")
    return script


@pytest.fixture
def small_chunks() -> None:
    """The smallest chunk YouTube allows, so the upload takes several (a user setting)."""
    settings_path().parent.mkdir(parents=True, exist_ok=True)
    settings_path().write_text(json.dumps({"chunk_bytes": UNIT}), encoding="utf-8")


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def open_publish(qtbot: QtBot, window: MainWindow, sleeps: Sleeps) -> PublishDialog:
    """Ctrl+Shift+P, as a user would press it."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    QTest.keyClick(
        window,
        Qt.Key.Key_P,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    dialog = window.publish_dialog
    assert dialog.isVisible()
    dialog.network = Network(RetryPolicy(attempts=5, base_delay_s=0.01, max_delay_s=0.05), sleeps)
    dialog.preset.setCurrentIndex(dialog.preset.findData("preview"))
    qtbot.waitUntil(lambda: dialog.account is not None, timeout=30000)
    return dialog


def wait_for(qtbot: QtBot, job: Job | None) -> Job:
    assert job is not None
    qtbot.waitUntil(lambda: job.state != "running", timeout=300000)
    return job


@pytest.mark.usefixtures("small_chunks")
def test_publish_a_render_through_the_dialog_with_one_dropped_connection(
    qtbot: QtBot,
    store: Store,
    project: Path,
    tmp_path: Path,
    browser: Browser,
    google_oauth: FakeGoogleOAuth,  # noqa: F811
    youtube: FakeYouTube,  # noqa: F811
    client_env: MemoryKeyring,  # noqa: F811
    sleeps: Sleeps,
) -> None:
    window = open_window(qtbot, store, project)
    window.prefs.output_dir = tmp_path / "out"
    dialog = open_publish(qtbot, window, sleeps)

    # Signing in: Google's page in the browser, tokens in the keyring, the channel's name.
    assert "Not signed in" in dialog.account_label.text()
    assert not dialog.publish_button.isEnabled()
    assert dialog.publish_button.toolTip() == "Sign in to YouTube first."
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.account is not None and dialog.account.signed_in, timeout=60000)
    assert browser.opened and browser.opened[0].startswith(f"{google_oauth.url}/o/oauth2/v2/auth")
    assert "Castline is connected" in browser.visited()[0]
    assert "Castline Test Channel" in dialog.account_label.text()
    stored = json.loads(client_env.passwords[("castline", "youtube")])
    assert stored["refresh_token"] in google_oauth.refresh_tokens

    # The details come from the script and are checked as they are typed.
    assert dialog.title.text() == "Pipes in three chapters"
    assert dialog.tags.text() == "shell, pipes, bash basics"
    assert dialog.chapters_view.text().startswith("Chapters:<br>0:00 Small tools")
    dialog.title.clear()
    QTest.keyClicks(dialog.title, "x" * 101)
    assert dialog.title_count.text() == "101 / 100" and "ff5a5a" in dialog.title_count.styleSheet()
    assert dialog.title.property("invalid") is True
    assert "101 characters" in dialog.problems.text() and not dialog.publish_button.isEnabled()
    dialog.title.clear()
    QTest.keyClicks(dialog.title, TITLE)
    QTest.keyClicks(dialog.description, " Use <pipe>.")
    assert "'<' and '>'" in dialog.problems.text() and not dialog.publish_button.isEnabled()
    for _ in " Use <pipe>.":
        QTest.keyClick(dialog.description, Qt.Key.Key_Backspace)
    dialog.schedule.setChecked(True)
    dialog.privacy.setCurrentIndex(dialog.privacy.findData("public"))
    assert "needs privacy 'private'" in dialog.problems.text()
    dialog.schedule.setChecked(False)
    dialog.privacy.setCurrentIndex(dialog.privacy.findData("unlisted"))
    assert dialog.problems.text() == "" and dialog.publish_button.isEnabled()
    assert dialog.description_count.text().endswith("bytes with the chapters")

    # A thumbnail among the render's candidates (not the one the render would pick).
    qtbot.waitUntil(lambda: dialog.previews_drawn > 0 and dialog.picker.count() >= 3, timeout=60000)
    best = dialog.picker.currentRow()
    other = 0 if best != 0 else 1
    dialog.picker.setCurrentRow(other)
    chosen = dialog.picker.chosen()
    assert chosen is not None and not dialog.picker.item(other).icon().isNull()

    # Export and publish, with the connection dropped in the middle of the second chunk.
    youtube.drop_chunks[2] = 100_000
    states: list[ProgressState] = []
    window.jobs.progressed.connect(
        lambda job_id, state: (
            states.append(state)
            if dialog.upload_job is not None and job_id == dialog.upload_job.id
            else None
        )
    )
    statuses: list[str] = []
    window.jobs.progressed.connect(lambda _id, _s: statuses.append(dialog.status.text()))
    qtbot.mouseClick(dialog.publish_button, Qt.MouseButton.LeftButton)
    render = wait_for(qtbot, dialog.render_job)
    assert render.state == "done", render.error
    upload = wait_for(qtbot, dialog.upload_job)
    assert upload.state == "done", upload.error

    video = tmp_path / "out" / "pipes-in-three-chapters-preview.mp4"
    [video_id] = youtube.videos
    assert youtube.files[video_id] == video.read_bytes()
    sent = youtube.videos[video_id]
    assert sent["snippet"]["title"] == TITLE
    assert sent["snippet"]["tags"] == ["shell", "pipes", "bash basics"]
    assert sent["snippet"]["categoryId"] == "28"
    assert sent["status"] == {
        "privacyStatus": "unlisted",
        "selfDeclaredMadeForKids": False,
        "containsSyntheticMedia": True,
    }
    rendered_chapters = sidecar_paths(video)["chapters"].read_text(encoding="utf-8")
    assert sent["snippet"]["description"] == rendered_chapters.strip()
    assert sent["snippet"]["description"].startswith(
        "How shell pipes join small tools into big ones.\n\nChapters:\n0:00 Small tools\n"
    )
    kind, image = youtube.thumbnails[video_id]
    assert kind == "image/jpeg" and image == chosen.jpeg(TITLE)
    assert sidecar_paths(video)["thumbnail"].read_bytes() == image
    [(caption, track)] = youtube.captions.values()
    assert caption["videoId"] == video_id and track == sidecar_paths(video)["srt"].read_bytes()

    # One dropped connection: YouTube was asked what it held, and the rest followed.
    ranges = [
        r.headers["content-range"] for r in youtube.requests_to("/videos") if r.method == "PUT"
    ]
    assert ranges[2] == f"bytes */{video.stat().st_size}"
    assert ranges[3].startswith(f"bytes {UNIT + 100_000}-")
    assert len(sleeps.delays_ms) == 1
    assert any("connection lost" in s.message for s in states)
    assert any(s.startswith("Connection lost") for s in statuses)
    assert any("/s · " in s and " left" in s for s in statuses)
    done = [s.done for s in states if s.message == "uploading"]
    assert done == sorted(done) and done[-1] < video.stat().st_size

    # The link is shown, and the project records which render became which video.
    url = f"https://youtu.be/{video_id}"
    assert dialog.link.isVisible() and f'href="{url}"' in dialog.link.text()
    assert url in window.statusBar().currentMessage()
    project_id = window.session.project.id  # type: ignore[union-attr]
    [record] = store.uploads(project_id)
    assert record.state == "published" and record.video_id == video_id
    assert record.video_path == video and record.video_sha256 == sha256_file(str(video))
    assert record.preset == "preview" and record.published_at is not None
    assert record.session_url is None and record.outcome["faults"] == 1
    assert record.details["metadata"]["title"] == TITLE
    assert video_id in dialog.history.text()
    for secret in (stored["access_token"], stored["refresh_token"]):
        assert secret not in json.dumps(record.details) + json.dumps(record.outcome)

    # Signing out forgets the login on this machine.
    qtbot.mouseClick(dialog.sign_out_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.account is not None and not dialog.account.signed_in)
    assert ("castline", "youtube") not in client_env.passwords
    assert "removed from the keyring" in dialog.status.text()
    window.close()


@pytest.mark.usefixtures("small_chunks", "logged_in")
def test_an_upload_stopped_by_closing_the_studio_finishes_after_reopening(
    qtbot: QtBot,
    store: Store,
    project: Path,
    tmp_path: Path,
    youtube: FakeYouTube,  # noqa: F811
    sleeps: Sleeps,
) -> None:
    window = open_window(qtbot, store, project)
    window.prefs.output_dir = tmp_path / "out"
    dialog = open_publish(qtbot, window, sleeps)
    qtbot.waitUntil(lambda: dialog.account is not None and dialog.account.signed_in, timeout=30000)

    def stop_after_two_chunks(job: Job) -> None:
        """The studio goes away once YouTube holds two chunks (as a closed window cancels)."""
        if job.kind != "upload":
            return

        def check(state: ProgressState) -> None:
            if state.message == "uploading" and state.done >= 2 * UNIT and not state.cancelled:
                job.progress.cancel()

        job.progress.subscribe(check)

    window.jobs.started.connect(stop_after_two_chunks)
    qtbot.mouseClick(dialog.publish_button, Qt.MouseButton.LeftButton)
    assert wait_for(qtbot, dialog.render_job).state == "done"
    upload = wait_for(qtbot, dialog.upload_job)
    assert upload.state == "cancelled"
    assert youtube.videos == {}
    project_id = window.session.project.id  # type: ignore[union-attr]
    pending = store.pending_upload(project_id)
    assert pending is not None and pending.session_url and pending.confirmed_bytes == 2 * UNIT
    assert dialog.resume_banner.isVisible() and "stopped at" in dialog.resume_label.text()
    window.close()

    # The studio again, on the same project: the upload is offered and sends only the rest.
    again = open_window(qtbot, store, project)
    assert "stopped at" in again.statusBar().currentMessage()
    dialog = open_publish(qtbot, again, sleeps)
    assert dialog.resume_banner.isVisible()
    puts_before = len([r for r in youtube.requests_to("/videos") if r.method == "PUT"])
    qtbot.mouseClick(dialog.resume_button, Qt.MouseButton.LeftButton)
    upload = wait_for(qtbot, dialog.upload_job)
    assert upload.state == "done", upload.error

    video = tmp_path / "out" / "pipes-in-three-chapters-preview.mp4"
    [video_id] = youtube.videos
    assert youtube.files[video_id] == video.read_bytes()
    assert len([r for r in youtube.requests_to("/videos") if r.method == "POST"]) == 1
    later = [r for r in youtube.requests_to("/videos") if r.method == "PUT"][puts_before:]
    session_id = pending.session_url.rsplit("upload_id=", 1)[1]
    assert {r.query["upload_id"] for r in later} == {session_id}
    assert later[0].headers["content-range"] == f"bytes */{video.stat().st_size}"
    assert later[1].headers["content-range"].startswith(f"bytes {2 * UNIT}-")
    assert youtube.thumbnails[video_id][1] == sidecar_paths(video)["thumbnail"].read_bytes()
    assert youtube.videos[video_id]["snippet"]["title"] == "Pipes in three chapters"
    [record] = store.uploads(project_id)
    assert record.id == pending.id and record.state == "published" and record.video_id == video_id
    assert not dialog.resume_banner.isVisible() and f"youtu.be/{video_id}" in dialog.link.text()
    again.close()


def test_a_sign_in_google_refuses_stores_nothing_and_says_why(
    qtbot: QtBot,
    studio: MainWindow,
    browser: Browser,
    google_oauth: FakeGoogleOAuth,  # noqa: F811
    youtube: FakeYouTube,  # noqa: F811
    client_env: MemoryKeyring,  # noqa: F811
    sleeps: Sleeps,
) -> None:
    dialog = open_publish(qtbot, studio, sleeps)
    google_oauth.deny = True  # the user clicks Cancel on Google's page
    job = dialog.sign_in()
    assert wait_for(qtbot, job).state == "failed"
    assert "did not grant access (access_denied)" in dialog.account_note.text()
    assert "Not signed in" in dialog.account_label.text() and not dialog.publish_button.isEnabled()
    assert client_env.passwords == {} and "Not connected" in browser.visited()[0]
    assert "failed: " in studio.jobs_panel.rows[job.id].detail.text()  # type: ignore[union-attr]
