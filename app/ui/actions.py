"""One registry for every command: menus, toolbar and shortcuts are generated from it.

Panels never create their own menu entries; they look actions up by id, so a shortcut
is defined once and shows the same in the menu, the tooltip and the keyboard.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar, QWidget

MENU_ORDER = ("File", "Edit", "Timeline", "Playback", "View", "Help")


@dataclass(frozen=True)
class ActionSpec:
    """What an action is called, where it appears and which keys trigger it."""

    id: str
    text: str
    menu: str
    shortcuts: tuple[str | QKeySequence.StandardKey, ...] = ()
    tip: str = ""
    checkable: bool = False
    separator_before: bool = False


class ActionRegistry(QObject):
    """Owns the QActions of a window, keyed by id, and builds its menu bar."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._actions: dict[str, QAction] = {}
        self._specs: dict[str, ActionSpec] = {}
        self._submenus: dict[str, QMenu] = {}

    def add(self, spec: ActionSpec, handler: Callable[[], object] | None = None) -> QAction:
        """Create the action, attach its shortcuts to the window and connect ``handler``."""
        if spec.id in self._actions:
            raise ValueError(f"action {spec.id!r} registered twice")
        action = QAction(spec.text, self._window)
        action.setObjectName(spec.id)
        keys = [QKeySequence(k) for k in spec.shortcuts]
        action.setShortcuts(keys)
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        tip = spec.tip or spec.text.replace("&", "")
        if keys:
            tip += f" ({keys[0].toString(QKeySequence.SequenceFormat.NativeText)})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.setCheckable(spec.checkable)
        if handler is not None:
            action.triggered.connect(lambda _checked=False: handler())
        self._window.addAction(action)
        self._actions[spec.id] = action
        self._specs[spec.id] = spec
        return action

    def action(self, action_id: str) -> QAction:
        return self._actions[action_id]

    def ids(self) -> list[str]:
        return list(self._actions)

    def specs(self) -> list[ActionSpec]:
        """Every registered action's spec, in registration order (the shortcut list)."""
        return list(self._specs.values())

    def keys(self, action_id: str) -> list[str]:
        """The action's shortcuts as the user types them on this platform."""
        return [
            k.toString(QKeySequence.SequenceFormat.NativeText)
            for k in self._actions[action_id].shortcuts()
        ]

    def trigger(self, action_id: str) -> None:
        self._actions[action_id].trigger()

    def submenu(self, name: str) -> QMenu | None:
        """A menu filled by the window at run time (``File > Recent``)."""
        return self._submenus.get(name)

    def build_menus(
        self, bar: QMenuBar, submenus: dict[str, tuple[str, str]] | None = None
    ) -> None:
        """Fill ``bar`` in MENU_ORDER; ``submenus`` maps a name to (menu, title) for dynamic menus."""
        menus: dict[str, QMenu] = {}
        for name in MENU_ORDER:
            menus[name] = bar.addMenu(f"&{name}")
        for spec in self._specs.values():
            menu = menus.get(spec.menu) or menus.setdefault(spec.menu, bar.addMenu(spec.menu))
            if spec.separator_before:
                menu.addSeparator()
            menu.addAction(self._actions[spec.id])
        for key, (menu_name, title) in (submenus or {}).items():
            self._submenus[key] = menus[menu_name].addMenu(title)
