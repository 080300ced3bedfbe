"""The export dialog: preset, output file and captions; then progress, ETA, cancel and
"Show in folder" for the job it started."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.engine.jobs.progress import ProgressState
from app.engine.render import DEFAULT_PRESET, registered_presets
from app.ui.jobs.manager import Job, JobManager
from app.ui.jobs.panel import describe


class ExportDialog(QDialog):
    """``start`` is called with (preset, output, burn captions) and returns the Job it began.

    ``output_chosen`` tells the window where the user chose to write, so File › Export for
    YouTube (Ctrl+E) writes there too.
    """

    output_chosen = Signal(object)

    def __init__(
        self,
        jobs: JobManager,
        default_output: Callable[[str], Path],
        start: Callable[[str, Path, bool], Job | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("exportDialog")
        self.setWindowTitle("Export video")
        self.setMinimumWidth(560)
        self.jobs = jobs
        self._default_output = default_output
        self._start = start
        self.job: Job | None = None
        self.preset = QComboBox()
        for name, preset in registered_presets().items():
            self.preset.addItem(f"{name} — {preset.description}", name)
        self.preset.setCurrentIndex(self.preset.findData(DEFAULT_PRESET))
        self.output = QLineEdit(str(default_output(DEFAULT_PRESET)))
        self.output.textEdited.connect(self._typed)
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        out_row = QHBoxLayout()
        out_row.addWidget(self.output, 1)
        out_row.addWidget(browse)
        self.captions = QCheckBox("Burn captions into the picture")
        form = QFormLayout()
        form.addRow("Preset", self.preset)
        form.addRow("Output", out_row)
        form.addRow("", self.captions)
        self.bar = QProgressBar()
        self.bar.setRange(0, 1000)
        self.status = QLabel("Ready.")
        self.status.setWordWrap(True)
        self.export_button = QPushButton("Export")
        self.export_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel export")
        self.cancel_button.setEnabled(False)
        self.folder_button = QPushButton("Show in folder")
        self.folder_button.setEnabled(False)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.folder_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.bar)
        lay.addWidget(self.status)
        lay.addLayout(buttons)
        self.preset.currentIndexChanged.connect(self._preset_changed)
        self.export_button.clicked.connect(self.export)
        self.cancel_button.clicked.connect(self.cancel)
        self.folder_button.clicked.connect(self.show_in_folder)
        jobs.progressed.connect(self._progress)
        jobs.finished.connect(self._finished)

    def chosen_preset(self) -> str:
        return str(self.preset.currentData())

    def _preset_changed(self) -> None:
        self.output.setText(str(self._default_output(self.chosen_preset())))

    def reset_output(self) -> None:
        """Another project: suggest its own file again."""
        self._preset_changed()

    def _typed(self, text: str) -> None:
        if text.strip():
            self.output_chosen.emit(Path(text.strip()).expanduser())

    def _browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export to", self.output.text())
        if name:
            self.output.setText(name)
            self._typed(name)

    def export(self) -> Job | None:
        text = self.output.text().strip()
        if not text:
            self.status.setText("Choose where to write the video.")
            return None
        self.job = self._start(
            self.chosen_preset(), Path(text).expanduser(), self.captions.isChecked()
        )
        if self.job is not None:
            self.export_button.setEnabled(False)
            self.cancel_button.setEnabled(True)
            self.folder_button.setEnabled(False)
            self.bar.setValue(0)
            self.status.setText("Starting…")
        return self.job

    def cancel(self) -> None:
        if self.job is not None:
            self.jobs.cancel(self.job.id)
            self.status.setText("Cancelling…")

    def _progress(self, job_id: int, state: ProgressState) -> None:
        if self.job is not None and job_id == self.job.id:
            self.bar.setValue(int(state.fraction * 1000))
            self.status.setText(describe(state))

    def _finished(self, job: Job) -> None:
        if self.job is None or job.id != self.job.id:
            return
        self.export_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if job.state == "done":
            self.bar.setValue(1000)
            self.folder_button.setEnabled(True)
            self.status.setText(f"Written to {job.result.output}")
        elif job.state == "cancelled":
            self.status.setText("Cancelled; nothing was written.")
        else:
            self.status.setText(f"Export failed: {job.error}")

    def output_path(self) -> Path | None:
        if self.job is not None and self.job.state == "done":
            return Path(self.job.result.output)
        return None

    def show_in_folder(self) -> None:
        out = self.output_path()
        if out is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(out.parent)))
