"""Where Castline keeps its files: platformdirs folders, overridable for tests and servers.

``CASTLINE_DATA_DIR`` (project database, assets, voices), ``CASTLINE_CACHE_DIR``
(regenerable caches) and ``CASTLINE_CONFIG_DIR`` (settings) replace the platform defaults;
``CASTLINE_ASSETS_DIR`` puts the content-addressed assets elsewhere (a worker's shared folder).
"""

from __future__ import annotations

import os
import posixpath
import re
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


class PathRefused(ValueError):
    """A path a script or tape names that Castline will not use; the message says why and the fix."""


_URL_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]+:")
_WINDOWS_DRIVE = re.compile(r"^[a-zA-Z]:[\\/]")


def inside_folder(
    raw: str,
    folder: Path | None,
    what: str,
    *,
    where: str,
    must_exist: bool = True,
    owner: str = "script",
) -> Path | None:
    """The file ``raw`` names, resolved inside ``folder`` (a script's or tape's own folder).

    The one check for every path a script or tape names (media, music, thumbnail, avatar,
    a block's theme file, a tape's ``Output`` and ``Set Theme``): a file elsewhere on the
    machine is never read or written because a shared script said so. Raises
    :class:`PathRefused` for an empty path, a web address, an absolute path, one that
    climbs out (``..`` or a link) or, with ``must_exist``, a missing file. With no
    ``folder`` (text not read from a file) only the spelling is checked and None returned.
    ``what`` names the path in messages ("the music file"), ``where`` how it is written,
    ``owner`` the file that names it ("script", "tape").
    """
    if not raw.strip():
        raise PathRefused(
            f"{what} has no path; write {where} with a path "
            f"relative to the {owner}, like images/diagram.png."
        )
    if _URL_SCHEME.match(raw) and not _WINDOWS_DRIVE.match(raw):
        raise PathRefused(
            f"{what} “{raw}” is a web address; Castline uses "
            f"local files only. Download it into the {owner}'s folder and link it by "
            "a relative path like images/diagram.png."
        )
    normal = raw.replace("\\", "/")
    if normal.startswith("/") or _WINDOWS_DRIVE.match(raw) or normal.startswith("~"):
        raise PathRefused(
            f"{what} “{raw}” is an absolute path; use a path "
            f"relative to the {owner}'s folder (like images/diagram.png) and keep the "
            "file inside that folder."
        )
    normal = posixpath.normpath(normal)
    if normal == ".." or normal.startswith("../"):
        raise PathRefused(
            f"{what} “{raw}” points outside the {owner}'s "
            f"folder; move the file into the {owner}'s folder (or a folder inside it) "
            "and link it from there."
        )
    if folder is None:
        return None
    try:
        base = folder.resolve()
        candidate: Path | None = (base / normal).resolve()
    except (OSError, RuntimeError, ValueError):
        candidate = None
    if candidate is None or not candidate.is_relative_to(base):
        raise PathRefused(
            f"{what} “{raw}” leads outside the {owner}'s folder "
            f"(through a link); copy the file into the {owner}'s folder."
        )
    if not must_exist:
        return candidate
    try:
        exists = candidate.is_file()
    except (OSError, ValueError):
        exists = False
    if not exists:
        raise PathRefused(
            f"{what} “{raw}” does not exist (looked for "
            f"{candidate}). Check the spelling, or put the file there."
        )
    return candidate


def names_a_theme_file(value: str) -> bool:
    """True when a theme option names a JSON file rather than a bundled theme."""
    return value.lower().endswith(".json") or "/" in value or "\\" in value
