"""The media bin: every file of the project with thumbnails, search, drag, versions, clean-up.

Listing the files, drawing thumbnails and probing them happen in a worker (the newest
request wins); so do Pick, Lock and Clean up, which change the store. Dragging a row
to the script editor copies the file into the project and writes its line; dragging it
to the timeline places a clip (see :mod:`app.ui.media.timeline_drop`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.engine import paths
from app.engine.model import Script
from app.engine.store import Store
from app.engine.store.cleanup import CleanupReport, clean_up, format_bytes, unused_generated
from app.engine.visuals.media_bin import (
    BinItem,
    project_media,
    prune_links,
    readable_link,
    thumbnail,
)
from app.engine.visuals.versions import lock, pick
from app.ui import workers
from app.ui.media.model import BinFilter, ItemRole, MediaBinModel, describe, summarise
from app.ui.timeline.media import rgba_to_qimage

RELOAD_MS = 400
ORIGINS = (("All", ""), ("Your media", "media"), ("Visuals", "visual"), ("Voices", "voice"))
Context = Callable[[], tuple[str | None, Script | None]]


def thumb_key(item: BinItem) -> str:
    """What a thumbnail is cached under: the file and its size and time (a replaced file
    gets a new one)."""
    return f"{item.key}|{item.size}|{item.created_at}"


def links_folder() -> Path:
    """Where the bin keeps readable names for the files it offers to drag."""
    return paths.cache_dir() / "bin-links"


@dataclass
class Loaded:
    """What a worker found for the bin."""

    items: list[BinItem]
    thumbs: dict[str, np.ndarray] = field(default_factory=dict)
    links: dict[str, Path] = field(default_factory=dict)
    unused_count: int = 0
    unused_bytes: int = 0


def load_bin(
    store: Store, project_id: str | None, script: Script | None, known: set[str]
) -> Loaded:
    """The bin's items, thumbnails for those not drawn yet, readable drag names, unused size."""
    items = project_media(store, project_id, script)
    thumbs = {thumb_key(i): thumbnail(i.path, i.kind) for i in items if thumb_key(i) not in known}
    links_dir = links_folder()
    links: dict[str, Path] = {}
    for item in items:
        try:
            links[item.key] = readable_link(item, links_dir)
        except OSError:
            links[item.key] = item.path  # a hash-named copy is still the right file
    unused = unused_generated(store)
    return Loaded(items, thumbs, links, len(unused), sum(a.size for a in unused))


class MediaBinPanel(QWidget):
    """``versions_changed`` after a pick, a lock or a clean-up changed what lines use;
    ``regenerate_requested(origin, line)`` asks the window for a new take of a line."""

    message = Signal(str)
    versions_changed = Signal()
    regenerate_requested = Signal(str, int)

    def __init__(
        self,
        store: Store,
        context: Context,
        busy: Callable[[], bool] = lambda: False,
        cap: Callable[[], int | None] = lambda: None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mediaBin")
        self.store = store
        self._context = context
        self._busy = busy
        self._cap = cap
        self.loaded: Loaded | None = None
        self.requests = workers.LatestOnly(self)
        self.requests.result.connect(self._loaded)
        self.requests.failed.connect(lambda _rid, m: self.message.emit(f"Media bin: {m}"))
        self._pixmaps: dict[str, QPixmap] = {}
        self.model = MediaBinModel()
        self.proxy = BinFilter()
        self.proxy.setSourceModel(self.model)
        self.search = QLineEdit()
        self.search.setObjectName("mediaSearch")
        self.search.setPlaceholderText("Search by name, prompt or tag")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self.proxy.set_query)
        self.origin = QComboBox()
        for label, origin in ORIGINS:
            self.origin.addItem(label, origin)
        self.origin.currentIndexChanged.connect(
            lambda _i: self.proxy.set_origin(str(self.origin.currentData()))
        )
        self.view = QTableView()
        self.view.setObjectName("mediaBinView")
        self.view.setModel(self.proxy)
        self.view.setIconSize(QSize(80, 45))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(50)
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.details = QLabel("")
        self.details.setObjectName("mediaDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.use_version = QPushButton("Use this version")
        self.use_version.setToolTip("Make this take the one its line uses (the render uses it)")
        self.use_version.clicked.connect(self.use_selected)
        self.lock = QPushButton("Lock")
        self.lock.setCheckable(True)
        self.lock.setToolTip("A locked line keeps this take: runs never make it again")
        self.lock.clicked.connect(self.lock_selected)
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setObjectName("binRegenerate")
        self.regenerate.setToolTip("Make a new take of this line (charged to the budget)")
        self.regenerate.clicked.connect(self.regenerate_selected)
        self.clean = QPushButton("Clean up")
        self.clean.setObjectName("cleanUp")
        self.clean.setToolTip(
            "Remove generated files no project uses (old takes, stale cache entries)"
        )
        self.clean.clicked.connect(self.clean_up)
        self.summary = QLabel("")
        self.summary.setObjectName("mediaSummary")
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.origin)
        buttons = QHBoxLayout()
        buttons.addWidget(self.use_version)
        buttons.addWidget(self.lock)
        buttons.addWidget(self.regenerate)
        buttons.addStretch(1)
        buttons.addWidget(self.summary)
        buttons.addWidget(self.clean)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        lay.addWidget(self.details)
        lay.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(RELOAD_MS)
        self._timer.timeout.connect(self.reload)
        self._selected()

    # -- loading ---------------------------------------------------------------------
    def reload_soon(self) -> None:
        """Reload after a quiet spell (the script is being typed)."""
        self._timer.start()

    def reload(self) -> int:
        """List the project's files again in a worker; returns the request id."""
        self._timer.stop()
        project_id, script = self._context()
        known = set(self._pixmaps)
        store = self.store
        return self.requests.request(lambda: load_bin(store, project_id, script, known))

    def _loaded(self, _rid: int, loaded: Loaded) -> None:
        keep = {i.key for i in self.selected_items()}
        for key, picture in loaded.thumbs.items():
            self._pixmaps[key] = QPixmap.fromImage(rgba_to_qimage(picture))
        self.loaded = loaded
        self.model.links = loaded.links
        if loaded.items != self.model.items:  # nothing moves under the user when nothing changed
            self.model.thumbs = {i.key: QIcon(self._pixmaps[thumb_key(i)]) for i in loaded.items}
            self.model.set_items(loaded.items)
            self._reselect(keep)
        total = sum(i.size for i in loaded.items)
        self.summary.setText(
            f"{len(loaded.items)} files, {format_bytes(total)}"
            + (f"; {format_bytes(loaded.unused_bytes)} unused" if loaded.unused_count else "")
        )
        self.clean.setEnabled(loaded.unused_count > 0)
        self._selected()

    def _reselect(self, keys: set[str]) -> None:
        selection = self.view.selectionModel()
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            item = index.data(ItemRole)
            if isinstance(item, BinItem) and item.key in keys:
                selection.select(
                    index,
                    QItemSelectionModel.SelectionFlag.Select
                    | QItemSelectionModel.SelectionFlag.Rows,
                )

    # -- selection -------------------------------------------------------------------
    def selected_items(self) -> list[BinItem]:
        rows = self.view.selectionModel().selectedRows() if self.view.selectionModel() else []
        items = [r.data(ItemRole) for r in rows]
        return [i for i in items if isinstance(i, BinItem)]

    def select(self, item: BinItem) -> None:
        """Select the row of ``item`` (by its version or file)."""
        self.view.clearSelection()
        self._reselect({item.key})

    def _selected(self) -> None:
        items = self.selected_items()
        one = items[0] if len(items) == 1 else None
        self.details.setText(summarise(one) if one is not None else "")
        self.details.setToolTip(describe(one) if one is not None else "")
        versioned = one is not None and one.version_id is not None
        self.use_version.setEnabled(versioned and one is not None and not one.chosen)
        self.lock.setEnabled(versioned)
        self.lock.setChecked(bool(one is not None and one.locked))
        self.regenerate.setEnabled(
            versioned and one is not None and not one.locked and one.line is not None
        )

    def regenerate_selected(self) -> None:
        """Ask for a new take of the selected item's line (the window runs it as a job)."""
        items = self.selected_items()
        if len(items) == 1 and items[0].version_id is not None and items[0].line is not None:
            self.regenerate_requested.emit(items[0].origin, items[0].line)

    # -- versions --------------------------------------------------------------------
    def use_selected(self) -> None:
        """Make the selected take its line's chosen version."""
        items = self.selected_items()
        if len(items) != 1 or items[0].version_id is None:
            return
        version_id, store = items[0].version_id, self.store
        self._change(lambda: pick(store, version_id), "Now using this version")

    def lock_selected(self, locked: bool) -> None:
        """Lock (or unlock) the selected take's line on it."""
        items = self.selected_items()
        if len(items) != 1 or items[0].version_id is None:
            return
        version_id, store = items[0].version_id, self.store

        def work() -> object:
            version = store.get_version(version_id)
            if version is None:
                raise LookupError("this version is gone (cleaned up); reload the bin")
            return lock(store, version, locked)

        self._change(work, "Locked: runs keep this take" if locked else "Unlocked")

    def _change(self, work: Callable[[], object], done: str) -> None:
        def finished(_result: object) -> None:
            self.message.emit(done)
            self.versions_changed.emit()
            self.reload()

        workers.submit(work, finished, lambda m: self.message.emit(m), owner=self)

    # -- clean-up --------------------------------------------------------------------
    def clean_up(self) -> bool:
        """Remove every unused generated file (not while jobs might be making files)."""
        return self._clean(None)

    def enforce_cap(self) -> bool:
        """Hold the cache under Settings' cap, removing the oldest unused files first."""
        cap = self._cap()
        return cap is not None and self._clean(cap)

    def _clean(self, cap: int | None) -> bool:
        if self._busy():
            self.message.emit("Clean up waits for the running jobs: they may be making files")
            return False
        store = self.store

        def finished(report: CleanupReport) -> None:
            if report.removed or cap is None:
                self.message.emit(f"Clean up: {report.describe()}")
            self.versions_changed.emit()
            self.reload()

        def work() -> CleanupReport:
            report = clean_up(store, cap_bytes=cap)
            prune_links(links_folder())
            return report

        workers.submit(
            work,
            finished,
            lambda m: self.message.emit(f"Clean up failed: {m}"),
            owner=self,
        )
        return True
