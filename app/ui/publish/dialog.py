"""The Publish dialog: sign in, the video's YouTube details, a thumbnail, then one click.

Every detail is checked against YouTube's limits as it is typed (the limits and the
checks are the engine's, app/engine/publish/metadata.py). "Export and publish" starts
the studio's export job and, when the render is done, the upload job; both run in the
jobs manager, so the Jobs panel shows them and closing the dialog does not stop them.
An upload stopped by a dropped connection resumes by itself; one stopped by closing
the studio is kept in the project and offered here again.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import shiboken6
from PySide6.QtCore import QDateTime, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.engine.jobs.progress import Progress, ProgressState
from app.engine.model import Script
from app.engine.publish import (
    Credentials,
    NotLoggedIn,
    PublishError,
    PublishOptions,
    SettingsError,
    Tokens,
    VideoMetadata,
    channel_title,
    delete_tokens,
    load_settings,
    load_tokens,
    login,
)
from app.engine.publish.metadata import (
    CATEGORIES,
    CHAPTERS_HEADING,
    DESCRIPTION_MAX_BYTES,
    PRIVACY,
    TAGS_MAX_CHARS,
    TITLE_MAX_CHARS,
    split_tags,
    tags_length,
    with_chapters,
)
from app.engine.publish.oauth import NO_CLIENT
from app.engine.publish.settings import PublishSettings
from app.engine.render import DEFAULT_PRESET, registered_presets
from app.engine.render.sidecars import chapter_lines
from app.engine.store import Store, UploadRecord
from app.engine.timeline import Timeline
from app.engine.voice.service import SynthesisService
from app.ui import workers
from app.ui.export.job import ExportRequest, export_work
from app.ui.jobs.manager import Job, JobManager
from app.ui.jobs.panel import describe
from app.ui.publish.rate import RateMeter, human_bytes
from app.ui.publish.thumbnails import (
    Thumbnail,
    ThumbnailPicker,
    candidates,
    file_thumbnail,
    frame_thumbnail,
    previews,
)
from app.ui.publish.work import Network, Published, PublishPlan, resume_work, upload_work

ERROR = "#ff5a5a"
TITLE_REDRAW_MS = 400


@dataclass
class PublishHost:
    """What the dialog needs from the studio, as functions (it never reaches into panels)."""

    jobs: JobManager
    store: Store
    project_id: Callable[[], str | None]
    script: Callable[[], Script | None]
    timeline: Callable[[], Timeline | None]
    """An immutable snapshot of the timeline as it is now."""
    frame: Callable[[], int]
    """The frame the preview shows."""
    export_request: Callable[[str], ExportRequest | str]
    """The export of the project with a preset, or why it cannot start."""
    synthesis: Callable[[], SynthesisService]


@dataclass(frozen=True)
class AccountState:
    """Who is signed in, as far as the keyring and YouTube say."""

    signed_in: bool
    channel: str | None = None
    note: str = ""
    category_id: str | None = None


def _channel(settings: PublishSettings, tokens: Tokens, network: Network) -> AccountState:
    """The channel's name for a login; a login Google refuses is no login."""
    try:
        name = channel_title(
            settings,
            Credentials(settings, tokens, policy=network.policy, sleep=network.sleep),
            options=PublishOptions(policy=network.policy, sleep=network.sleep),
        )
    except NotLoggedIn as exc:
        return AccountState(False, None, str(exc), settings.category_id)
    except PublishError as exc:
        return AccountState(
            True, None, f"Signed in, but the channel could not be read: {exc}", settings.category_id
        )
    return AccountState(True, name, "", settings.category_id)


def account_state(network: Network) -> AccountState:
    """Read the keyring (and ask YouTube for the channel's name): a worker's job."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        return AccountState(False, None, str(exc))
    tokens = load_tokens()
    if tokens is None:
        return AccountState(
            False,
            None,
            "" if settings.client_id else f"{NO_CLIENT[:1].upper()}{NO_CLIENT[1:]}.",
            settings.category_id,
        )
    return _channel(settings, tokens, network)


def _esc(text: str) -> str:
    """Text for a rich-text label (quotes stay as they are)."""
    return html.escape(text, quote=False)


def _local_datetime(value: QDateTime) -> datetime:
    """A QDateTimeEdit's local time as an aware datetime."""
    when = value.toPython()
    assert isinstance(when, datetime)
    return when.astimezone()


class PublishDialog(QDialog):
    """One-click YouTube publishing of the open project."""

    published = Signal(object)
    """A :class:`~app.ui.publish.work.Published`, when YouTube has the video."""
    account_changed = Signal(object)
    """The :class:`AccountState` after every check, sign-in or sign-out."""

    def __init__(self, host: PublishHost, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("publishDialog")
        self.setWindowTitle("Publish to YouTube")
        self.setMinimumWidth(980)
        self.host = host
        self.network = Network()
        self.account: AccountState | None = None
        self.sign_in_job: Job | None = None
        self.sign_in_url = ""
        self.render_job: Job | None = None
        self.upload_job: Job | None = None
        self.plan: PublishPlan | None = None
        self.pending: UploadRecord | None = None
        self.last: Published | None = None
        self.meter = RateMeter()
        self._loaded_project: str | None = None
        self._category_chosen = False
        self._chapters = ""
        self._timeline: Timeline | None = None
        self.previews_drawn = 0
        self._previews = workers.LatestOnly(self)
        self._previews.result.connect(lambda _rid, images: self._show_previews(images))
        self._previews.failed.connect(lambda _rid, msg: self.thumb_note.setText(msg))
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(TITLE_REDRAW_MS)
        self._redraw.timeout.connect(self.redraw_thumbnails)
        self._build()
        self.setStyleSheet(f'*[invalid="true"] {{ border: 1px solid {ERROR}; }}')
        host.jobs.progressed.connect(self._progress)
        self.validate()

    # -- layout ----------------------------------------------------------------------
    def _build(self) -> None:
        self.account_label = QLabel("Checking the YouTube login…")
        self.account_note = QLabel("")
        self.account_note.setWordWrap(True)
        self.account_note.setOpenExternalLinks(True)
        self.account_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.sign_in_button = QPushButton("Sign in with Google…")
        self.sign_out_button = QPushButton("Sign out")
        self.sign_in_button.clicked.connect(self.sign_in)
        self.sign_out_button.clicked.connect(self.sign_out)
        account_row = QHBoxLayout()
        account_row.addWidget(self.account_label, 1)
        account_row.addWidget(self.sign_in_button)
        account_row.addWidget(self.sign_out_button)
        account = QGroupBox("YouTube account")
        account_lay = QVBoxLayout(account)
        account_lay.addLayout(account_row)
        account_lay.addWidget(self.account_note)

        self.resume_banner = QFrame()
        self.resume_banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.resume_label = QLabel("")
        self.resume_label.setWordWrap(True)
        self.resume_button = QPushButton("Resume upload")
        self.discard_button = QPushButton("Discard")
        self.resume_button.clicked.connect(self.resume)
        self.discard_button.clicked.connect(self.discard)
        banner = QHBoxLayout(self.resume_banner)
        banner.addWidget(self.resume_label, 1)
        banner.addWidget(self.resume_button)
        banner.addWidget(self.discard_button)
        self.resume_banner.hide()

        self.title = QLineEdit()
        self.title_count = QLabel()
        self.description = QPlainTextEdit()
        self.description.setPlaceholderText("What the video is about (the chapters follow)")
        self.description.setMinimumHeight(110)
        self.description.setMaximumHeight(200)
        self.description_count = QLabel()
        self.add_chapters = QCheckBox("Add the chapters (their times are taken from the render)")
        self.add_chapters.setChecked(True)
        self.chapters_view = QLabel("")
        self.chapters_view.setWordWrap(True)
        self.chapters_view.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tags = QLineEdit()
        self.tags.setPlaceholderText("comma, separated, tags")
        self.tags_count = QLabel()
        self.category = QComboBox()
        for cid, name in CATEGORIES.items():
            self.category.addItem(name, cid)
        self.privacy = QComboBox()
        for name in PRIVACY:
            self.privacy.addItem(name.capitalize(), name)
        self.schedule = QCheckBox("Make it public at")
        self.when = QDateTimeEdit()
        self.when.setCalendarPopup(True)
        self.when.setDisplayFormat("yyyy-MM-dd HH:mm")
        start = QDateTime.currentDateTime().addDays(1)
        start.setTime(start.time().addSecs(-start.time().second()))
        self.when.setDateTime(start)
        self.when.setEnabled(False)
        schedule_row = QHBoxLayout()
        schedule_row.addWidget(self.schedule)
        schedule_row.addWidget(self.when, 1)
        self.made_for_kids = QCheckBox("Made for kids")
        self.synthetic = QCheckBox("Altered or synthetic content (the voices are synthetic)")
        self.synthetic.setChecked(True)
        self.captions = QCheckBox("Upload the captions (the render's .srt)")
        self.captions.setChecked(True)
        self.preset = QComboBox()
        for name, preset in registered_presets().items():
            if preset.x264:  # what YouTube takes as delivered (youtube-delivery.md)
                self.preset.addItem(f"{name} — {preset.description}", name)
        self.preset.setCurrentIndex(max(0, self.preset.findData(DEFAULT_PRESET)))

        form = QFormLayout()
        form.addRow("Title", self._with_counter(self.title, self.title_count))
        form.addRow("Description", self.description)
        form.addRow("", self.description_count)
        form.addRow("", self.add_chapters)
        form.addRow("", self.chapters_view)
        form.addRow("Tags", self._with_counter(self.tags, self.tags_count))
        form.addRow("Category", self.category)
        form.addRow("Privacy", self.privacy)
        form.addRow("Schedule", schedule_row)
        form.addRow("Audience", self.made_for_kids)
        form.addRow("AI disclosure", self.synthetic)
        form.addRow("Captions", self.captions)
        form.addRow("Render with", self.preset)
        details = QGroupBox("Details")
        details_lay = QVBoxLayout(details)
        details_lay.addLayout(form)
        details_lay.addStretch(1)

        self.picker = ThumbnailPicker()
        self.thumb_note = QLabel("Drawing the thumbnails…")
        self.thumb_note.setWordWrap(True)
        self.frame_button = QPushButton("Add the preview's frame")
        self.file_button = QPushButton("Choose a picture…")
        self.frame_button.clicked.connect(self.add_preview_frame)
        self.file_button.clicked.connect(self.choose_picture)
        thumb_buttons = QHBoxLayout()
        thumb_buttons.addWidget(self.frame_button)
        thumb_buttons.addWidget(self.file_button)
        thumb_buttons.addStretch(1)
        thumbs = QGroupBox("Thumbnail")
        thumbs_lay = QVBoxLayout(thumbs)
        thumbs_lay.addWidget(self.picker, 1)
        thumbs_lay.addLayout(thumb_buttons)
        thumbs_lay.addWidget(self.thumb_note)
        self.history = QLabel("")
        self.history.setWordWrap(True)
        self.history.setOpenExternalLinks(True)
        thumbs_lay.addWidget(self.history)

        columns = QHBoxLayout()
        columns.addWidget(details, 3)
        columns.addWidget(thumbs, 2)

        self.problems = QLabel("")
        self.problems.setWordWrap(True)
        self.problems.setStyleSheet(f"color: {ERROR};")
        self.phase = QLabel("")
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.link = QLabel("")
        self.link.setOpenExternalLinks(True)
        self.link.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.link.hide()
        for label in (
            self.account_label,
            self.account_note,
            self.resume_label,
            self.chapters_view,
            self.history,
            self.link,
        ):
            label.setTextFormat(Qt.TextFormat.RichText)
        self.publish_button = QPushButton("Export and publish")
        self.publish_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        self.publish_button.clicked.connect(self.export_and_publish)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addWidget(self.phase, 1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.publish_button)
        buttons.addWidget(close)

        lay = QVBoxLayout(self)
        lay.addWidget(account)
        lay.addWidget(self.resume_banner)
        lay.addLayout(columns, 1)
        lay.addWidget(self.problems)
        lay.addWidget(self.bar)
        lay.addWidget(self.status)
        lay.addWidget(self.link)
        lay.addLayout(buttons)

        for edit in (self.title, self.tags):
            edit.textChanged.connect(self.validate)
        self.title.textChanged.connect(lambda _t: self._redraw.start())
        self.description.textChanged.connect(self.validate)
        self.add_chapters.toggled.connect(self.validate)
        self.category.currentIndexChanged.connect(self.validate)
        self.category.activated.connect(lambda _i: setattr(self, "_category_chosen", True))
        self.privacy.currentIndexChanged.connect(self.validate)
        self.schedule.toggled.connect(self._schedule_toggled)
        self.when.dateTimeChanged.connect(self.validate)
        self.picker.chosen_changed.connect(self._thumbnail_chosen)

    @staticmethod
    def _with_counter(widget: QWidget, counter: QLabel) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(widget, 1)
        row.addWidget(counter)
        return row

    # -- opening ---------------------------------------------------------------------
    def showEvent(self, e: QShowEvent) -> None:
        super().showEvent(e)
        self.load_project()
        self.refresh_account()
        self.refresh_pending()
        self.validate()

    def load_project(self) -> None:
        """Fill the details from the open script once per project (edits are kept), and
        the chapters and thumbnails whenever the timeline changed since they were drawn."""
        project_id = self.host.project_id()
        script = self.host.script()
        timeline = self.host.timeline()
        if project_id is None or script is None:
            return
        if project_id != self._loaded_project:
            self._loaded_project = project_id
            self.title.setText(script.title)
            self.description.setPlainText(script.settings.description)
            self.tags.setText(", ".join(script.settings.tags))
            self.picker.set_choices([])
            self.show_history()
        if timeline is not self._timeline:  # snapshots are shared until the next edit
            self._timeline = timeline
            self.show_chapters(timeline)
            self.draw_thumbnails(timeline)

    def show_chapters(self, timeline: Timeline | None) -> None:
        """The chapters as the timeline has them now (the render's replace them)."""
        lines, why = chapter_lines(timeline) if timeline is not None else ([], "nothing to show")
        self._chapters = f"{CHAPTERS_HEADING}\n" + "\n".join(lines) if lines else ""
        if lines:
            self.chapters_view.setText(_esc(self._chapters).replace("\n", "<br>"))
        else:
            self.chapters_view.setText(f"No chapters: {_esc(why or '')}")
        self.add_chapters.setEnabled(bool(lines))
        self.validate()

    # -- the details -----------------------------------------------------------------
    def _schedule_toggled(self, on: bool) -> None:
        self.when.setEnabled(on)
        if on:
            self.privacy.setCurrentIndex(self.privacy.findData("private"))
        self.validate()

    def details(self) -> VideoMetadata:
        """The video's details as typed (the description without the chapters)."""
        return VideoMetadata(
            title=self.title.text(),
            description=self.description.toPlainText(),
            tags=split_tags(self.tags.text()),
            category_id=str(self.category.currentData()),
            privacy=str(self.privacy.currentData()),
            made_for_kids=self.made_for_kids.isChecked(),
            synthetic_media=self.synthetic.isChecked(),
            publish_at=_local_datetime(self.when.dateTime()) if self.schedule.isChecked() else None,
        )

    def checked(self) -> VideoMetadata:
        """The details as YouTube will see them: with the chapters, when they are added."""
        meta = self.details()
        if self.add_chapters.isChecked() and self._chapters:
            meta = replace(meta, description=with_chapters(meta.description, self._chapters))
        return meta

    def validate(self) -> list[str]:
        """Check every detail against YouTube's rules; mark the fields and the counters."""
        meta = self.checked()
        found = meta.problems_by_field()
        fields: dict[str, QWidget] = {
            "title": self.title,
            "description": self.description,
            "tags": self.tags,
            "category_id": self.category,
            "privacy": self.privacy,
            "publish_at": self.when,
        }
        for name, widget in fields.items():
            problems = found.get(name, [])
            if bool(widget.property("invalid")) != bool(problems):
                widget.setProperty("invalid", bool(problems))
                widget.style().unpolish(widget)
                widget.style().polish(widget)
            widget.setToolTip("\n".join(problems))
        size = len(meta.description.encode("utf-8"))
        self._count(self.title_count, len(meta.title.strip()), TITLE_MAX_CHARS, "")
        self._count(
            self.description_count,
            size,
            DESCRIPTION_MAX_BYTES,
            " bytes"
            + (" with the chapters" if meta.description != self.details().description else ""),
        )
        self._count(self.tags_count, tags_length(meta.tags), TAGS_MAX_CHARS, "")
        problems = [p for ps in found.values() for p in ps]
        self.problems.setText("\n".join(f"• {p[0].upper()}{p[1:]}" for p in problems))
        self.problems.setVisible(bool(problems))
        self._update_buttons(problems)
        return problems

    @staticmethod
    def _count(label: QLabel, used: int, limit: int, unit: str) -> None:
        label.setText(f"{used:,} / {limit:,}{unit}")
        label.setStyleSheet(f"color: {ERROR};" if used > limit else "")

    def busy(self) -> bool:
        return any(
            job is not None and job.state == "running" for job in (self.render_job, self.upload_job)
        )

    def _update_buttons(self, problems: list[str] | None = None) -> None:
        if problems is None:
            problems = self.checked().problems()
        busy = self.busy()
        why = (
            "Open a project first."
            if self.host.project_id() is None
            else "Sign in to YouTube first."
            if self.account is not None and not self.account.signed_in
            else "Fix the details marked in red first."
            if problems
            else ""
        )
        self.publish_button.setEnabled(not busy and not why)
        self.publish_button.setToolTip(why or "Render with the chosen preset, then upload")
        self.cancel_button.setEnabled(busy)
        self.resume_button.setEnabled(not busy)
        self.discard_button.setEnabled(not busy)
        signing = self.sign_in_job is not None and self.sign_in_job.state == "running"
        self.sign_in_button.setText("Cancel sign-in" if signing else "Sign in with Google…")
        self.sign_out_button.setEnabled(bool(self.account and self.account.signed_in) and not busy)

    # -- the account -----------------------------------------------------------------
    def refresh_account(self) -> None:
        network = self.network
        workers.submit(
            lambda: account_state(network), self._show_account, self._account_failed, owner=self
        )

    def _show_account(self, state: AccountState) -> None:
        self.account = state
        if state.signed_in:
            who = f" as {_esc(state.channel)}" if state.channel else ""
            self.account_label.setText(
                f"<b>Signed in{who}.</b> The login is kept in the OS keyring."
            )
        else:
            self.account_label.setText("<b>Not signed in.</b>")
        self.account_note.setText(_esc(state.note))
        self.account_note.setVisible(bool(state.note))
        if state.category_id and not self._category_chosen:
            index = self.category.findData(state.category_id)
            if index < 0:
                self.category.addItem(f"Category {state.category_id}", state.category_id)
                index = self.category.count() - 1
            self.category.setCurrentIndex(index)
        self._update_buttons()
        self.account_changed.emit(state)

    def _account_failed(self, message: str) -> None:
        self._show_account(AccountState(False, None, message))

    def sign_in(self) -> Job | None:
        """Google's sign-in in the browser (the button cancels one already waiting)."""
        if self.sign_in_job is not None and self.sign_in_job.state == "running":
            self.host.jobs.cancel(self.sign_in_job.id)
            return None
        network = self.network

        def work(progress: Progress) -> AccountState:
            settings = load_settings()
            progress.update(0, message="waiting for the browser")
            tokens = login(
                settings,
                lambda url: workers.post(self._open_url, url),
                progress=progress,
                policy=network.policy,
                sleep=network.sleep,
            )
            return _channel(settings, tokens, network)

        self.account_label.setText("<b>Signing in…</b> Finish in your browser.")
        self.sign_in_job = self.host.jobs.start(
            "youtube", "Sign in to YouTube", work, self._signed_in
        )
        self._update_buttons()
        return self.sign_in_job

    def _open_url(self, url: str) -> None:
        """On the GUI thread: open Google's consent page, and show its address too."""
        if not shiboken6.isValid(self):
            return
        self.sign_in_url = url
        self.account_note.setText(
            "Finish signing in in your browser. If it did not open, "
            f'<a href="{html.escape(url)}">open Google\'s sign-in page</a>.'
        )
        self.account_note.show()
        QDesktopServices.openUrl(QUrl(url))

    def _signed_in(self, job: Job) -> None:
        if not shiboken6.isValid(self):
            return
        if job.state == "done":
            self._show_account(job.result)
            self.status.setText("Connected to YouTube.")
        elif job.state == "cancelled":
            self._show_account(self.account or AccountState(False))
            self.status.setText("Sign-in cancelled; nothing was stored.")
        else:
            self._show_account(AccountState(False, None, job.error))
            self.status.setText(f"Sign-in failed: {job.error}")

    def sign_out(self) -> None:
        """Forget the login on this machine (the keyring entry is removed)."""

        def done(removed: bool) -> None:
            self._show_account(
                AccountState(False, None, "", self.account.category_id if self.account else None)
            )
            self.status.setText(
                "Signed out; the login was removed from the keyring."
                if removed
                else "No login was stored."
            )

        workers.submit(delete_tokens, done, self._account_failed, owner=self)

    # -- thumbnails ------------------------------------------------------------------
    def draw_thumbnails(self, timeline: Timeline | None) -> None:
        """The render's candidate frames, drawn in a worker."""
        if timeline is None or timeline.duration <= 0:
            self.picker.set_choices([])
            self.thumb_note.setText("No thumbnails: the script has no content yet.")
            return
        self.thumb_note.setText("Drawing the thumbnails…")
        workers.submit(
            lambda: candidates(timeline), self._got_candidates, self._thumb_failed, owner=self
        )

    def _got_candidates(self, found: list[Thumbnail]) -> None:
        """New frames; the user's own pictures stay, and stay chosen if one was."""
        own = [c for c in self.picker.choices if c.own is not None]
        chosen = self.picker.chosen()
        keep = own.index(chosen) + len(found) if chosen in own else None
        self.picker.set_choices(found + own, select=keep)
        self.redraw_thumbnails()

    def _thumb_failed(self, message: str) -> None:
        self.thumb_note.setText(f"Could not draw that thumbnail: {message}")

    def redraw_thumbnails(self) -> None:
        """Set the title on every choice again (in a worker; only the newest request shows)."""
        self._redraw.stop()
        choices = list(self.picker.choices)
        if not choices:
            return
        title = self.title.text().strip()
        self._previews.request(lambda: previews(choices, title))

    def _show_previews(self, images: list[bytes]) -> None:
        self.picker.set_previews(images)
        self.previews_drawn += 1
        self._thumbnail_chosen()

    def _thumbnail_chosen(self) -> None:
        chosen = self.picker.chosen()
        if chosen is not None:
            self.thumb_note.setText(f"YouTube gets {chosen.what}.")

    def _add(self, make: Callable[[], Thumbnail]) -> None:
        def added(choice: Thumbnail) -> None:
            self.picker.add_choice(choice)
            self.redraw_thumbnails()

        workers.submit(make, added, self._thumb_failed, owner=self)

    def add_preview_frame(self) -> None:
        """The frame the preview shows, as a thumbnail choice."""
        timeline = self.host.timeline()
        if timeline is None or timeline.duration <= 0:
            return
        frame = self.host.frame()
        self._add(lambda: frame_thumbnail(timeline, frame))

    def choose_picture(self, path: Path | None = None) -> None:
        """The user's own picture, fitted to 1280x720."""
        timeline = self.host.timeline()
        if timeline is None:
            return
        if path is None:
            name, _ = QFileDialog.getOpenFileName(
                self, "Thumbnail picture", "", "Pictures (*.png *.jpg *.jpeg *.webp *.bmp)"
            )
            if not name:
                return
            path = Path(name)
        chosen = path
        self._add(lambda: file_thumbnail(timeline, chosen))

    # -- publishing ------------------------------------------------------------------
    def export_and_publish(self) -> Job | None:
        """Render with the chosen preset, then upload; returns the render job."""
        if self.busy():
            return None
        problems = self.validate()
        if problems:
            self.status.setText("Fix the details marked in red first.")
            return None
        if self.account is not None and not self.account.signed_in:
            self.status.setText("Sign in to YouTube first.")
            return None
        project_id = self.host.project_id()
        if project_id is None:
            self.status.setText("Open a project first.")
            return None
        preset = str(self.preset.currentData())
        request = self.host.export_request(preset)
        if isinstance(request, str):
            self.status.setText(request)
            return None
        self.plan = PublishPlan(
            project_id=project_id,
            metadata=self.details(),
            add_chapters=self.add_chapters.isChecked(),
            captions=self.captions.isChecked(),
            thumbnail=self.picker.chosen(),
            preset=preset,
            network=self.network,
        )
        self.link.hide()
        self.resume_banner.hide()
        self.bar.setValue(0)
        self.phase.setText("Rendering…")
        self.status.setText("Starting the render…")
        self.render_job = self.host.jobs.start(
            "render",
            f"Export {request.output.name}",
            export_work(request, self.host.synthesis),
            self._rendered,
        )
        self._update_buttons()
        return self.render_job

    def _rendered(self, job: Job) -> None:
        if not shiboken6.isValid(self):
            return
        if job.state != "done" or self.plan is None:
            self.phase.setText("")
            self.status.setText(
                "Cancelled; nothing was uploaded."
                if job.state == "cancelled"
                else f"Export failed: {job.error}"
            )
            self._update_buttons()
            return
        self._start_upload(
            f"Upload {job.result.output.name} to YouTube",
            upload_work(self.host.store, self.plan, job.result),
        )

    def resume(self) -> Job | None:
        """Finish the unfinished upload the project keeps (only the missing bytes go)."""
        record = self.pending
        if record is None or self.busy():
            return None
        self.link.hide()
        self.resume_banner.hide()
        return self._start_upload(
            f"Resume the upload of {record.video_path.name}",
            resume_work(self.host.store, record, self.network),
        )

    def _start_upload(self, title: str, work: Callable[[Progress], Published]) -> Job:
        self.meter.reset()
        self.bar.setValue(0)
        self.phase.setText("Uploading to YouTube…")
        self.upload_job = self.host.jobs.start("upload", title, work, self._uploaded)
        self._update_buttons()
        return self.upload_job

    def discard(self) -> None:
        """Forget the unfinished upload (YouTube drops an abandoned session by itself)."""
        if self.pending is not None and not self.busy():
            self.host.store.forget_upload(self.pending.id)
            self.status.setText(
                f"Discarded the unfinished upload of {self.pending.video_path.name}."
            )
            self.refresh_pending()

    def cancel(self) -> None:
        for job in (self.render_job, self.upload_job):
            if job is not None and job.state == "running":
                self.host.jobs.cancel(job.id)
                self.status.setText("Stopping…")

    def _uploaded(self, job: Job) -> None:
        if not shiboken6.isValid(self):
            return
        self.phase.setText("")
        if job.state == "done":
            done: Published = job.result
            self.last = done
            self.bar.setValue(1000)
            url, studio = done.result.url, done.result.studio_url
            self.link.setText(
                f'<b>Published:</b> <a href="{html.escape(url)}">{_esc(url)}</a> · '
                f'<a href="{html.escape(studio)}">edit it in YouTube Studio</a>'
            )
            self.link.show()
            notes = "; ".join(done.result.notes)
            self.status.setText(
                f"YouTube has the video ({done.result.privacy})."
                + (f" Note: {notes}" if notes else "")
            )
            self.published.emit(done)
        elif job.state == "cancelled":
            self.status.setText(
                "Stopped. The project keeps the upload: Resume sends only what YouTube does not have yet."
            )
        else:
            self.status.setText(f"Upload failed: {job.error}")
        self.refresh_pending()
        self.show_history()
        self._update_buttons()

    def refresh_pending(self) -> None:
        """Offer the project's unfinished upload, if it has one."""
        project_id = self.host.project_id()
        self.pending = self.host.store.pending_upload(project_id) if project_id else None
        record = self.pending
        if record is None or self.busy():
            self.resume_banner.hide()
            return
        when = record.updated_at.astimezone().strftime("%Y-%m-%d %H:%M")
        title = str((record.details.get("metadata") or {}).get("title") or record.video_path.name)
        self.resume_label.setText(
            f"<b>An upload stopped at {record.fraction * 100:.0f}%</b> "
            f"({human_bytes(record.confirmed_bytes)} of {human_bytes(record.video_bytes)}, {when}): "
            f"“{_esc(title)}” from {_esc(record.video_path.name)}. "
            "Resume sends the rest with the details it began with."
        )
        self.resume_banner.show()
        self._update_buttons()

    def show_history(self) -> None:
        """The project's earlier uploads: when, which render, which video."""
        project_id = self.host.project_id()
        done = [
            u
            for u in (self.host.store.uploads(project_id) if project_id else [])
            if u.state == "published" and u.video_id
        ][:3]
        rows = [
            f"{u.published_at.astimezone().strftime('%Y-%m-%d %H:%M') if u.published_at else ''} · "
            f"{_esc(u.video_path.name)} · "
            f'<a href="https://youtu.be/{html.escape(u.video_id or "")}">youtu.be/{_esc(u.video_id or "")}</a>'
            for u in done
        ]
        self.history.setText(
            "<b>Published from this project:</b><br>" + "<br>".join(rows) if rows else ""
        )

    # -- progress --------------------------------------------------------------------
    def _progress(self, job_id: int, state: ProgressState) -> None:
        if self.sign_in_job is not None and job_id == self.sign_in_job.id:
            return
        if self.render_job is not None and job_id == self.render_job.id:
            self.bar.setValue(int(state.fraction * 1000))
            self.status.setText(f"Rendering: {describe(state)}")
        elif self.upload_job is not None and job_id == self.upload_job.id:
            self.bar.setValue(int(state.fraction * 1000))
            if state.message == "uploading":
                self.meter.add(state.elapsed_s, state.done)
                self.status.setText(f"Uploading: {self.meter.describe(state.done, state.total)}")
            elif state.message == "uploaded":
                self.status.setText("Uploaded; setting the thumbnail and captions…")
            else:
                self.status.setText(f"{state.message[:1].upper()}{state.message[1:]}")
