"""The script engine: a Markdown script in, a Script model with diagnostics out.

``parse_file`` and ``parse_text`` never raise; every problem is a Diagnostic.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.engine.model.diagnostic import Diagnostic, Severity
from app.engine.model.script import Script
from app.engine.script.export import script_to_json
from app.engine.script.parser import NARRATOR, parse_markdown
from app.engine.script.reading import read_script

log = logging.getLogger(__name__)

__all__ = [
    "NARRATOR",
    "ScriptHasErrors",
    "parse_file",
    "parse_file_checked",
    "parse_text",
    "script_to_json",
]

MAX_ERRORS_SHOWN = 10


class ScriptHasErrors(Exception):
    """A script that cannot be voiced or rendered until its errors are fixed.

    The message lists the errors in the compilers' form so a writer can jump to them.
    """

    def __init__(self, path: str, errors: list[Diagnostic], purpose: str) -> None:
        self.path = path
        self.errors = errors
        if not Path(path).exists():
            super().__init__(f"{path}: no such script file")
            return
        shown = "\n".join(d.format(path) for d in errors[:MAX_ERRORS_SHOWN])
        more = len(errors) - MAX_ERRORS_SHOWN
        tail = f"\n... and {more} more" if more > 0 else ""
        super().__init__(f"{path} has errors to fix before {purpose}:\n{shown}{tail}")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while tokens pile up.

    A parse allocates hundreds of thousands of small objects and no cycles worth
    collecting midway; the collector's repeated full passes over them cost a third of
    the time. It is switched back on (only if it was on) as soon as the parse ends.
    """
    was_enabled = gc.isenabled()
    if was_enabled:
        gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _failed(path: str | None, diagnostics: list[Diagnostic], title: str = "Untitled") -> Script:
    return Script(path=path, title=title, diagnostics=diagnostics)


def parse_text(text: str, *, path: str | None = None, base_dir: Path | None = None) -> Script:
    """Parse script text. Media paths resolve against ``base_dir`` (else the path's folder).

    With neither, media paths are checked for shape only: nothing can say whether they exist.
    """
    if base_dir is None and path is not None:
        base_dir = Path(path).parent
    try:
        with _collector_paused():
            return parse_markdown(text.replace("\r\n", "\n").replace("\r", "\n"), path, base_dir)
    except Exception as exc:  # the promise: never raise on any input
        log.debug("script parser failed", exc_info=True)  # details only with --verbose
        return _failed(
            path,
            [
                Diagnostic(
                    line=1,
                    column=1,
                    severity=Severity.ERROR,
                    file=path,
                    message=f"Castline could not read this script ({type(exc).__name__}: {exc}); "
                    "please report it with the script attached.",
                )
            ],
        )


def parse_file(path: str | os.PathLike[str]) -> Script:
    """Read and parse a script file; a missing, binary or unreadable file is a diagnostic."""
    p = Path(path)
    name = os.fspath(path)
    result = read_script(p)
    if result.text is None:
        return _failed(name, result.diagnostics, p.stem or "Untitled")
    script = parse_text(result.text, path=name, base_dir=p.parent)
    if result.diagnostics:
        merged = sorted(
            [*result.diagnostics, *script.diagnostics], key=lambda d: (d.line, d.column)
        )
        script = script.model_copy(update={"diagnostics": merged})
    return script


def parse_file_checked(path: str | os.PathLike[str], purpose: str) -> Script:
    """Parse a script that work is about to start on; raise :class:`ScriptHasErrors` if it has errors.

    ``purpose`` finishes the sentence "errors to fix before ..." (``"rendering"``).
    """
    script = parse_file(path)
    errors = [d for d in script.diagnostics if d.is_error]
    if errors:
        raise ScriptHasErrors(os.fspath(path), errors, purpose)
    return script
