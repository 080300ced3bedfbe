"""The user's own pictures and videos, found in the script's folder.

``> visual (media): images/rack.png`` uses that file. Any other prompt is matched
against the names of the image and video files under the script's folder (``rack.png``
and ``server-room/rack-01.mp4`` both describe a rack): the file whose name shares the
most words with the prompt and the scene's narration wins, and no file is used twice.
It works offline, with no key.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from app.engine.llm.keywords import overlap, words
from app.engine.script.parser import IMAGE_EXTENSIONS, VIDEO_EXTENSIONS
from app.engine.visuals.providers.base import (
    Call,
    NoResults,
    VisualOutput,
    VisualProvider,
    VisualRequest,
    register,
)

MAX_FILES = 5000
"""Files looked at under the script's folder (a home folder must not be walked whole)."""


def media_files(root: Path) -> list[Path]:
    """Image and video files under ``root`` (hidden folders skipped), sorted for a stable order."""
    found: list[Path] = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if Path(name).suffix.lower() in IMAGE_EXTENSIONS | VIDEO_EXTENSIONS:
                found.append(Path(folder) / name)
                if len(found) >= MAX_FILES:
                    return found
    return found


@register
class MediaProvider(VisualProvider):
    """Pictures and videos the user keeps beside the script."""

    name = "media"
    offline = True
    stock = True
    """A library searched by words, like stock: picked in narration order, never twice."""
    description = "your own images and videos beside the script, matched by file name"

    def concurrency(self) -> int:
        return 4

    def generate(self, request: VisualRequest, call: Call) -> VisualOutput:
        root = request.base_dir
        if root is None or not root.is_dir():
            raise NoResults(
                "the script has no folder to look for media in",
                provider=self.name,
                code="no_folder",
            )
        root = root.resolve()
        named = (root / request.prompt.strip()).resolve()
        if (
            named.is_relative_to(root)
            and named.is_file()
            and named.suffix.lower() in IMAGE_EXTENSIONS | VIDEO_EXTENSIONS
        ):
            return self._output(named, root, request)
        text = f"{request.prompt} {request.narration} {' '.join(request.terms)}"
        best: tuple[int, int, Path] | None = None
        for path in media_files(root):
            call.check()
            rel = path.relative_to(root).as_posix()
            if f"media:{rel}" in request.exclude:
                continue
            score = overlap(_name_words(rel), text)
            is_video = path.suffix.lower() in VIDEO_EXTENSIONS
            kind_fits = 1 if is_video == (request.kind == "clip") else 0
            if score > 0 and (best is None or (score, kind_fits) > best[:2]):
                best = (score, kind_fits, path)
        if best is None:
            raise NoResults(
                f"no image or video under {root} has a name matching “{request.prompt}”",
                provider=self.name,
                code="no_results",
            )
        return self._output(best[2], root, request)

    def _output(self, path: Path, root: Path, request: VisualRequest) -> VisualOutput:
        rel = path.relative_to(root).as_posix()
        return VisualOutput(
            kind="clip" if path.suffix.lower() in VIDEO_EXTENSIONS else "still",
            model="media",
            path=path,
            suffix=path.suffix.lower(),
            prompt_sent=request.prompt,
            stock_id=f"media:{rel}",
            tags=_name_words(rel),
        )


def _name_words(rel: str) -> list[str]:
    """The words of a file's path without its extension: ``clips/server_rack-01.mp4`` -> clips, server, rack."""
    return words(re.sub(r"[^A-Za-z]+", " ", rel.rsplit(".", 1)[0]))
