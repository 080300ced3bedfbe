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

__all__ = ["NARRATOR", "parse_file", "parse_text", "script_to_json"]


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
        return _failed(path, [Diagnostic(
            line=1, column=1, severity=Severity.ERROR, file=path,
            message=f"Castline could not read this script ({type(exc).__name__}: {exc}); "
            "please report it with the script attached.",
        )])


def parse_file(path: str | os.PathLike[str]) -> Script:
    """Read and parse a script file; a missing, binary or unreadable file is a diagnostic."""
    p = Path(path)
    name = os.fspath(path)
    result = read_script(p)
    if result.text is None:
        return _failed(name, result.diagnostics, p.stem or "Untitled")
    script = parse_text(result.text, path=name, base_dir=p.parent)
    if result.diagnostics:
        merged = sorted([*result.diagnostics, *script.diagnostics], key=lambda d: (d.line, d.column))
        script = script.model_copy(update={"diagnostics": merged})
    return script
