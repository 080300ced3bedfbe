"""The one way Castline writes a file: never half of it under its final name.

Every writer goes through here so that all of them get the same durability: the bytes go
to a temporary file in the target's own folder (a rename across file systems is not
atomic), are flushed and fsynced, the file is renamed over the target with
``os.replace`` and the folder is fsynced so the rename itself survives a power cut. A
failure, a Ctrl+C or a full disk removes the temporary file and leaves any previous
file untouched.

Temporary names are ``.NAME.XXXXXXXX.part`` (plus an optional suffix, for writers such
as the encoder that pick a container by extension), so :func:`part_files` can find what
a killed writer left behind.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import signal
import stat
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

PART = ".part"


def _umask() -> int:
    """The process' umask (read once, at import: setting it is process-wide, not thread-safe)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


UMASK = _umask()


def _mode_for(path: Path) -> int:
    """The permission bits the written file gets: the old file's, else a new file's usual ones."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~UMASK


def temp_beside(path: Path, suffix: str = "") -> Path:
    """Create an empty temporary file for ``path`` in its folder and return its name.

    It already has the permissions the final file will have (``mkstemp`` would make it
    0600). The caller fills it and hands it to :func:`commit`, or unlinks it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path)
    while True:
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}{PART}{suffix}")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:  # pragma: no cover - a 32-bit name collision
            continue
        os.chmod(tmp, mode)
        return tmp


def part_files(path: Path) -> list[Path]:
    """Temporary files :func:`temp_beside` made for ``path`` that are still there."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[a-z0-9_]{{8}}{re.escape(PART)}(\..*)?")
    try:
        names = os.listdir(path.parent)
    except FileNotFoundError:
        return []
    return sorted(path.parent / n for n in names if pattern.fullmatch(n))


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_folder(folder: Path) -> None:
    """Make renames in ``folder`` durable: fsync the folder entry too (POSIX only)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl+C and SIGTERM until the body has finished, then deliver them.

    Only the main thread receives signals in Python; elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = [signal.SIGINT, signal.SIGTERM]
    before = {s: signal.getsignal(s) for s in held}
    for s in held:
        signal.signal(s, lambda signum, _frame: caught.append(signum))
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)
        for signum in caught:
            signal.raise_signal(signum)


def commit(moves: Sequence[tuple[Path, Path]]) -> None:
    """Rename each ``(temporary, final)`` pair into place, in the order given.

    Every temporary file is fsynced before the first rename, so the renames run back to
    back with no disk wait between them, and a Ctrl+C or SIGTERM waits until all are
    done: a set of files (a video and its captions) is published whole or not at all.
    The folders are fsynced after the last rename.
    """
    for tmp, _ in moves:
        _fsync_file(tmp)
    with signals_deferred():
        for tmp, final in moves:
            os.replace(tmp, final)
    for folder in dict.fromkeys(final.parent for _, final in moves):
        sync_folder(folder)


@contextlib.contextmanager
def replacing(path: Path, suffix: str = "") -> Iterator[Path]:
    """A temporary path to write ``path`` through; committed on success, removed on failure."""
    tmp = temp_beside(path, suffix)
    try:
        yield tmp
        commit([(tmp, path)])
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and durably; returns ``path``."""
    with replacing(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return path


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` as UTF-8 with ``\\n`` line ends to ``path`` atomically and durably."""
    return write_bytes(path, text.encode("utf-8"))


def remove(paths: Sequence[Path]) -> None:
    """Unlink each path that exists (cleanup of temporary files)."""
    for p in paths:
        p.unlink(missing_ok=True)


class Busy(Exception):
    """Another live process holds the lock on a file; ``pid`` is that process."""

    def __init__(self, path: Path, pid: int | None) -> None:
        who = f"process {pid}" if pid else "another process"
        super().__init__(f"{who} is already writing {path}")
        self.path = path
        self.pid = pid


def lock_path(path: Path) -> Path:
    """The lock file beside ``path``: ``.NAME.lock``."""
    return path.with_name(f".{path.name}.lock")


def _read_pid(fd: int) -> int | None:
    os.lseek(fd, 0, os.SEEK_SET)
    text = os.read(fd, 32).decode("ascii", "replace").strip()
    return int(text) if text.isdigit() else None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    _LOCK_AT = 1 << 30  # a byte far past the pid, so others can still read who holds it

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _LOCK_AT, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True


def process_alive(pid: int) -> bool:
    """Whether a process with this id is running (a zombie counts as gone)."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import ctypes

        handle = ctypes.windll.kernel32.OpenProcess(0x100000, False, pid)  # SYNCHRONIZE
        if not handle:
            return False
        try:
            return bool(ctypes.windll.kernel32.WaitForSingleObject(handle, 0) == 0x102)  # TIMEOUT
        finally:
            ctypes.windll.kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # Linux: a killed child its parent has not reaped yet is still listed
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


@contextlib.contextmanager
def exclusive(path: Path) -> Iterator[int | None]:
    """Hold the lock file beside ``path`` while the body writes it; raises :class:`Busy`.

    The lock file records the holder's pid, for the message a second writer gets. The
    lock itself is the operating system's (``flock``, or ``msvcrt.locking`` on Windows),
    which dies with its process: a lock file left by a killed process names a pid that
    is no longer running and is taken over. Yields that dead pid when there was one, so
    the caller knows to clean up after it.
    """
    lock = lock_path(path)
    lock.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666 & ~UMASK)
        if not _try_lock(fd):
            pid = _read_pid(fd)
            os.close(fd)
            raise Busy(path, pid)
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(lock))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder removed the file as we opened it: take the new one
    previous = _read_pid(fd)
    stale = previous if previous is not None and not process_alive(previous) else None
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode("ascii"))
    try:
        yield stale
    finally:
        if sys.platform == "win32":  # pragma: no cover - an open file cannot be removed there
            os.close(fd)
            with contextlib.suppress(OSError):
                lock.unlink()
        else:
            lock.unlink(missing_ok=True)
            os.close(fd)
