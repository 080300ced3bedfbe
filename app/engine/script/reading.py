"""Reading a script file: any bytes in, text (or a clear diagnostic) out."""

from __future__ import annotations

import codecs
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from app.engine.model.diagnostic import Diagnostic, Severity
from app.engine.script.limits import LIMITS

_SNIFF = 8192


@dataclass
class ReadResult:
    text: str | None
    diagnostics: list[Diagnostic] = field(default_factory=list)


def _error(path: str, message: str, line: int = 1) -> Diagnostic:
    return Diagnostic(line=line, column=1, severity=Severity.ERROR, message=message, file=path)


def decode_script(data: bytes, path: str) -> ReadResult:
    """Decode bytes as UTF-8 (BOMs honoured); bad bytes become U+FFFD with a warning."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return ReadResult(data.decode("utf-16"))
        except UnicodeDecodeError:
            pass
    if b"\x00" in data[:_SNIFF]:
        return ReadResult(
            None,
            [
                _error(
                    path,
                    "this looks like a binary file, not a Markdown "
                    "script. Open the .md file you wrote instead.",
                )
            ],
        )
    try:
        return ReadResult(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        text = data.decode("utf-8", errors="replace")
        return ReadResult(
            text,
            [
                Diagnostic(
                    line=line,
                    column=col,
                    severity=Severity.WARNING,
                    file=path,
                    message="this line has bytes that are not UTF-8 text; they are shown as �. "
                    "Save the script as UTF-8 in your editor.",
                )
            ],
        )


def read_script(path: Path) -> ReadResult:
    """Read a script file, turning every way it can fail into a diagnostic."""
    name = os.fspath(path)
    try:
        if path.is_dir():
            return ReadResult(
                None,
                [
                    _error(
                        name,
                        "this is a folder, not a script; give the path of the .md file inside it.",
                    )
                ],
            )
        if not path.exists():
            return ReadResult(
                None,
                [
                    _error(
                        name,
                        "there is no file here; check the path and "
                        "the spelling of the script's name.",
                    )
                ],
            )
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a pipe or device could block or never end
            return ReadResult(
                None,
                [
                    _error(
                        name,
                        "this is not a regular file (it is a device "
                        "or a pipe); save the script as a .md file and "
                        "give its path.",
                    )
                ],
            )
        size = info.st_size
        if size > LIMITS.script_bytes:
            return ReadResult(
                None,
                [
                    _error(
                        name,
                        f"the file is {size // (1024 * 1024)} MB; a "
                        f"script may be at most {LIMITS.script_bytes // (1024 * 1024)} "
                        "MB. Is this the right file?",
                    )
                ],
            )
        with path.open("rb") as fh:
            data = fh.read(LIMITS.script_bytes + 1)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return ReadResult(
            None,
            [
                _error(
                    name,
                    f"the script could not be read ({reason}); check "
                    "that it exists and that you may read it.",
                )
            ],
        )
    except ValueError as exc:  # e.g. an embedded NUL in the path
        return ReadResult(None, [_error(name, f"this is not a usable file path ({exc}).")])
    if len(data) > LIMITS.script_bytes:
        return ReadResult(None, [_error(name, "the file is larger than a script may be.")])
    return decode_script(data, name)
