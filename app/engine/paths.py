"""Where Castline keeps its files: platformdirs folders, overridable for tests and servers.

``CASTLINE_DATA_DIR`` (project database, assets, voices), ``CASTLINE_CACHE_DIR``
(regenerable caches) and ``CASTLINE_CONFIG_DIR`` (settings) replace the platform defaults;
``CASTLINE_ASSETS_DIR`` puts the content-addressed assets elsewhere (a worker's shared folder).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import PlatformDirs

_DIRS = PlatformDirs(appname="Castline", appauthor=False)


def _dir(env: str, default: str) -> Path:
    path = Path(os.environ.get(env) or default)
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_dir() -> Path:
    """Projects database, content-addressed assets, user voices."""
    return _dir("CASTLINE_DATA_DIR", _DIRS.user_data_dir)


def cache_dir() -> Path:
    """Caches that can be rebuilt (preview frames, glyph atlases)."""
    return _dir("CASTLINE_CACHE_DIR", _DIRS.user_cache_dir)


def config_dir() -> Path:
    """Settings (never secrets: those live in the OS keyring)."""
    return _dir("CASTLINE_CONFIG_DIR", _DIRS.user_config_dir)


def assets_dir() -> Path:
    """Content-addressed media files, named by their sha256 (shareable between machines)."""
    override = os.environ.get("CASTLINE_ASSETS_DIR")
    path = Path(override) if override else data_dir() / "assets"
    path.mkdir(parents=True, exist_ok=True)
    return path


def voices_dir() -> Path:
    """Extra Piper ``.onnx`` voices the user dropped in."""
    path = data_dir() / "voices"
    path.mkdir(parents=True, exist_ok=True)
    return path


def resources_dir() -> Path:
    """The read-only resources shipped with the app (fonts, themes, examples).

    Beside ``app/`` in the source tree; in a PyInstaller bundle, in the folder it unpacks
    its data to (``sys._MEIPASS``), wherever the bundle was installed.
    """
    if getattr(sys, "frozen", False):
        bundle = getattr(sys, "_MEIPASS", None) or Path(sys.executable).resolve().parent
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"
