"""File › New from topic…: the language model drafts a whole script, checked by the parser.

The draft runs as a job (the model may take a minute, and Cancel stops it); when it
is valid, the window opens it as a new, unsaved script.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.engine.jobs.progress import Progress
from app.engine.llm import ChatClient, Draft, LLMSettingsError, draft_script, load_llm_settings
from app.engine.llm.settings import settings_path
from app.ui.jobs.manager import Job, JobManager


def write_draft(
    topic: str, audience: str | None, minutes: float | None, characters: list[str]
) -> Callable[[Progress], Draft]:
    """The job's work: ask the configured model for a valid script about ``topic``."""

    def work(progress: Progress) -> Draft:
        settings = load_llm_settings()
        if not settings.configured:
            raise LLMSettingsError(
                "no language model is set: choose one in Settings › Language model "
                f"(or set CASTLINE_LLM_MODEL, or write {settings_path()})"
            )
        client = ChatClient(settings)
        try:
            return draft_script(
                topic,
                client,
                audience=audience,
                minutes=minutes,
                characters=characters,
                progress=progress,
            )
        finally:
            client.close()

    return work


class DraftDialog(QDialog):
    """Topic, audience, length and characters in; ``on_draft(text)`` with the valid script."""

    def __init__(
        self,
        jobs: JobManager,
        on_draft: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("draftDialog")
        self.setWindowTitle("New from topic")
        self.setMinimumWidth(480)
        self.jobs = jobs
        self._on_draft = on_draft
        self.job: Job | None = None
        self.topic = QLineEdit()
        self.topic.setObjectName("draftTopic")
        self.topic.setPlaceholderText("what the video explains, e.g. how tides work")
        self.audience = QLineEdit()
        self.audience.setPlaceholderText("who it is for (optional), e.g. new Linux users")
        self.minutes = QDoubleSpinBox()
        self.minutes.setRange(0.0, 60.0)
        self.minutes.setSingleStep(0.5)
        self.minutes.setSuffix(" min")
        self.minutes.setSpecialValueText("any length")
        self.minutes.setValue(3.0)
        self.characters = QLineEdit()
        self.characters.setPlaceholderText("speakers besides the narrator (optional): ALICE, BOB")
        form = QFormLayout()
        form.addRow("Topic", self.topic)
        form.addRow("Audience", self.audience)
        form.addRow("Length", self.minutes)
        form.addRow("Characters", self.characters)
        self.status = QLabel("")
        self.status.setObjectName("draftStatus")
        self.status.setWordWrap(True)
        self.write = QPushButton("Write the script")
        self.write.setObjectName("draftWrite")
        self.write.setDefault(True)
        self.write.clicked.connect(self.start)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.addButton(self.write, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.cancel)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.status)
        lay.addWidget(buttons)

    def start(self) -> Job | None:
        """Start the draft job; the dialog stays open to show how it goes."""
        topic = " ".join(self.topic.text().split())
        if not topic:
            self.status.setText("Give a topic to write about.")
            return None
        characters = [c.strip().upper() for c in self.characters.text().split(",") if c.strip()]
        minutes = self.minutes.value() or None
        work = write_draft(topic, self.audience.text().strip() or None, minutes, characters)
        self.write.setEnabled(False)
        self.status.setText(
            "Writing… (the model drafts, Castline checks, and asks again if needed)"
        )
        self.job = self.jobs.start("draft", f"Draft: {topic[:40]}", work, self._finished)
        return self.job

    def _finished(self, job: Job) -> None:
        self.write.setEnabled(True)
        if job.state == "done":
            draft: Draft = job.result
            tries = "first try" if draft.tries == 1 else f"{draft.tries} tries"
            self.status.setText(f"Done on the {tries}.")
            self._on_draft(draft.text)
            self.accept()
        elif job.state == "cancelled":
            self.status.setText("Cancelled.")
        else:
            self.status.setText(f"<span style='color:#f06060'>{job.error}</span>")

    def cancel(self) -> None:
        if self.job is not None and self.job.state == "running":
            self.jobs.cancel(self.job.id)
        self.reject()
