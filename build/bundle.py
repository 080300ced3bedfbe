"""What build/castline.spec puts in the bundle and what it leaves out, each rule with its reason.

The spec stays a short list of PyInstaller steps; the decisions live here as functions:
which modules are imported by name at run time (so PyInstaller cannot see them), which
distributions' metadata (licence texts) ride along, which Qt plugins a desktop video
tool never loads, which libraries only those plugins needed, and which binaries can lose
their symbol tables without breaking.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import shutil
import struct
import subprocess
import sys
import tomllib
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]

TocEntry = tuple[str, str, str]
"""PyInstaller's (name in the bundle, source path or link target, type code)."""

EXCLUDES = [
    # Other Qt bindings and Tk: the studio is PySide6 only.
    "tkinter",
    "_tkinter",
    "PyQt5",
    "PyQt6",
    "PySide2",
    # Qt modules the app never imports; the hooks pull them in because every PySide6
    # extension links libQt6Network/DBus (the libraries themselves still come along).
    # Without them no TLS or network-information plugins are collected.
    "PySide6.QtNetwork",
    "PySide6.QtDBus",
    # Development tools that reach the graph only through optional plugins:
    # pydantic.mypy (mypy, ast_serialize), pydantic.v1's hypothesis plugin,
    # scipy's and anyio's test helpers (pytest), httpx's command line (click, rich).
    "mypy",
    "ast_serialize",
    "hypothesis",
    "pytest",
    "_pytest",
    "py",
    "click",
    "rich",
    "IPython",
    "matplotlib",
    # PostgreSQL drivers are for the test suite's server store; the app keeps SQLite.
    "psycopg",
    "psycopg_binary",
    "psycopg_c",
    "psycopg2",
    # Packaging tools.
    "pip",
    "setuptools",
    "pkg_resources",
    "distutils",
]

QT_PLUGIN_TYPES_UNUSED = {
    "egldeviceintegrations",  # full-screen EGL on bare hardware (no window system)
    "generic",  # evdev/tuio input without a window system
    "networkinformation",  # QtNetwork only
    "tls",  # QtNetwork only; HTTP goes through httpx
    "wayland-decoration-client",  # the wayland platform plugin is not shipped:
    "wayland-graphics-integration-client",  # Qt falls back to xcb (XWayland) on
    "wayland-shell-integration",  # Wayland desktops
    "webview",
    "sqldrivers",
}
QT_PLATFORMS_UNUSED = ("eglfs", "linuxfb", "minimalegl", "vkkhrdisplay", "vnc", "wayland")
"""Platform plugins for kiosks and remote frame buffers; offscreen, xcb, windows, cocoa stay."""
QT_THEMES_UNUSED = ("gtk3",)
"""The GTK theme plugin would load the system's GTK against bundled pango/cairo; the studio
draws its own dark theme (app/ui/theme.py)."""


def registry_packages(app_dir: Path = ROOT / "app") -> list[str]:
    """Packages whose ``__init__`` imports its own modules by name: through
    ``app.engine.plugins.Submodules(__name__, __path__)`` or ``pkgutil.iter_modules(__path__)``.

    Visual providers, on-screen elements and backgrounds register this way; PyInstaller's
    import graph never sees those modules, so each such package is bundled whole. Found
    by reading the source, so a new registry package needs no change here.
    """
    found = []
    for init in sorted(app_dir.rglob("__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"), str(init))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = (
                node.func.attr
                if isinstance(node.func, ast.Attribute)
                else node.func.id
                if isinstance(node.func, ast.Name)
                else ""
            )
            takes_path = any(isinstance(a, ast.Name) and a.id == "__path__" for a in node.args)
            if name in ("iter_modules", "walk_packages", "Submodules") and takes_path:
                rel = init.parent.relative_to(app_dir.parent)
                found.append(".".join(rel.parts))
                break
    return found


def runtime_distributions(pyproject: Path = ROOT / "pyproject.toml") -> list[str]:
    """Every installed distribution the app's dependencies need, extras and markers honoured.

    Read from pyproject.toml (the one list of dependencies) and followed through each
    distribution's own requirements, so the bundle carries every licence text it ships.
    """
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    todo = [Requirement(r) for r in project["dependencies"]]
    extras_seen: dict[str, set[str]] = {}
    while todo:
        req = todo.pop()
        key = canonicalize_name(req.name)
        wanted = {""} | set(req.extras)
        new = wanted - extras_seen.get(key, set())
        if not new:
            continue
        try:
            dist = importlib.metadata.distribution(req.name)
        except importlib.metadata.PackageNotFoundError:
            continue  # a dependency for another platform
        extras_seen.setdefault(key, set()).update(new)
        for text in dist.requires or []:
            sub = Requirement(text)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in new):
                todo.append(sub)
    return sorted(extras_seen)


def _unused_qt(dest: str) -> bool:
    """True for a Qt plugin or translation (under PySide6/) that the app never loads."""
    parts = Path(dest).parts
    if not parts or parts[0] != "PySide6":
        return False
    if "translations" in parts:
        return True  # Qt's own dialog strings; the studio is English
    if "plugins" not in parts or len(parts) < parts.index("plugins") + 3:
        return False
    kind, name = parts[parts.index("plugins") + 1], parts[-1].lower()
    if kind in QT_PLUGIN_TYPES_UNUSED:
        return True
    if kind == "platforms":
        return any(p in name for p in QT_PLATFORMS_UNUSED)
    if kind == "platformthemes":
        return any(p in name for p in QT_THEMES_UNUSED)
    return False


def _imports(path: str) -> set[str]:
    """The resolved paths of the shared libraries ``path`` links against."""
    from PyInstaller.depend import bindepend

    return {os.path.realpath(p) for _, p in bindepend.get_imports(path) if p}


def _closure(start: Iterable[str], within: set[str]) -> set[str]:
    """Every library in ``within`` reachable from ``start`` through link-time imports."""
    seen: set[str] = set()
    todo = list(start)
    while todo:
        path = todo.pop()
        for dep in _imports(path) & within:
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return seen


def trim_qt(
    binaries: list[TocEntry], datas: list[TocEntry]
) -> tuple[list[TocEntry], list[TocEntry], list[str]]:
    """Drop unused Qt plugins and translations, then the libraries only they linked.

    A library is dropped only if a dropped plugin linked it and nothing kept links it
    (directly or through other libraries), so libraries loaded with dlopen, which no
    plugin links, are never touched. Symbolic links to dropped files go too.
    """
    dropped = [e for e in binaries if _unused_qt(e[0])]
    kept = [e for e in binaries if not _unused_qt(e[0])]
    by_path = {os.path.realpath(e[1]): e for e in kept}
    candidates = _closure((e[1] for e in dropped), set(by_path))
    roots = [e[1] for e in kept if os.path.realpath(e[1]) not in candidates]
    still_needed = _closure(roots, candidates)
    orphans = candidates - still_needed
    binaries = [e for e in kept if os.path.realpath(e[1]) not in orphans]
    datas = [e for e in datas if not _unused_qt(e[0])]
    names = {e[0] for e in binaries} | {e[0] for e in datas if e[2] != "SYMLINK"}
    datas = [
        e
        for e in datas
        if e[2] != "SYMLINK" or os.path.normpath(os.path.join(os.path.dirname(e[0]), e[1])) in names
    ]
    removed = sorted({e[0] for e in dropped} | {by_path[p][0] for p in orphans})
    return binaries, datas, removed


def _elf_loadable(path: Path) -> bool:
    """True when every PT_LOAD segment keeps offset and address congruent modulo its alignment.

    ``strip`` rewrites files that patchelf (auditwheel) edited into layouts the dynamic
    loader refuses ("ELF load command address/offset not page-aligned"): those keep
    their symbols.
    """
    with path.open("rb") as f:
        header = f.read(64)
        if header[:4] != b"\x7fELF" or header[4] != 2 or header[5] != 1:
            return False  # only 64-bit little-endian ELF is checked (and stripped)
        (phoff,) = struct.unpack_from("<Q", header, 32)
        phentsize, phnum = struct.unpack_from("<HH", header, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type, _, offset, vaddr, _, _, _, align = struct.unpack_from(
            "<IIQQQQQQ", table, i * phentsize
        )
        if p_type == 1 and align > 1 and (offset - vaddr) % align:
            return False
    return True


def _stripped(src: str, out: Path) -> str:
    """``out``, a stripped copy of ``src`` (made once per source change), or ``src`` if unsafe."""
    refused = out.with_name(out.name + ".keep-symbols")
    mtime = os.stat(src).st_mtime
    if out.exists() and out.stat().st_mtime >= mtime:
        return str(out)
    if refused.exists() and refused.stat().st_mtime >= mtime:
        return src
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, out)
    done = subprocess.run(["strip", "--strip-all", str(out)], capture_output=True)
    if done.returncode == 0 and _elf_loadable(out):
        return str(out)
    out.unlink()
    refused.touch()
    return src


def strip_symbols(binaries: list[TocEntry], workdir: Path) -> list[TocEntry]:
    """Linux: replace each binary with a copy without symbol tables, where that stays loadable.

    PyInstaller's own ``strip=True`` strips everything, which breaks numpy's and scipy's
    patched OpenBLAS; this checks each result and keeps the original where it would.
    macOS (code signatures) and Windows (PE files) are left as they are.
    """
    if not sys.platform.startswith("linux") or shutil.which("strip") is None:
        return binaries

    def one(entry: TocEntry) -> TocEntry:
        dest, src, typecode = entry
        if typecode not in ("BINARY", "EXTENSION"):
            return entry
        return dest, _stripped(src, workdir / "stripped" / dest), typecode

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        return list(pool.map(one, binaries))
