"""Terminal and code block info strings: ``terminal theme=dracula speed=25 sync=next``."""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass, field

from app.engine.model.script import BlockOptions
from app.engine.script.limits import LIMITS

TERMINAL_INFOS = ("terminal", "console", "shell-session")
"""Info strings that make a fenced block an animated terminal."""
ANIMATION_OPTIONS = (
    "cursor",
    "reveal",
    "effects",
    "cols",
    "rows",
    "delay",
    "line_delay",
    "blink",
    "chrome",
)
"""Options the terminal animation engine reads from ``BlockOptions.extra``; known, so not warned."""
KNOWN_OPTIONS = ("theme", "speed", "prompt", "title", "sync", *ANIMATION_OPTIONS)


@dataclass
class ParsedInfo:
    """The first word (language or ``terminal``), the options, and complaints with columns."""

    language: str
    options: BlockOptions
    problems: list[tuple[int, str]] = field(default_factory=list)
    """(0-based column within the info string, message) for each problem."""


def _split(rest: str) -> tuple[list[str], str | None]:
    if '"' not in rest and "'" not in rest and "\\" not in rest:
        return rest.split(), None  # the common case; shlex is slow
    try:
        return shlex.split(rest, posix=True), None
    except ValueError:
        return rest.split(), "an opening quote in the options is never closed"


def parse_info(info: str) -> ParsedInfo:
    """Split the info string into a language word and ``key=value`` options."""
    info = info.strip()
    first, _, rest = info.partition(" ")
    if not first:
        return ParsedInfo("", BlockOptions())
    language = first.strip().lower()
    # ``{.python}`` / ``{python}`` attribute styles: keep the name.
    language = language.strip("{}.")
    words, quote_problem = _split(rest)
    problems: list[tuple[int, str]] = []
    if quote_problem:
        problems.append((len(first) + 1, quote_problem + "; close it with the same quote mark."))
    opts = BlockOptions()
    extra: dict[str, str] = {}
    for word in words:
        col = max(0, info.find(word.split("=", 1)[0], len(first)))
        if "=" not in word:
            problems.append(
                (
                    col,
                    f"the block option `{word}` has no value; write options as key=value "
                    "(for example theme=dracula).",
                ),
            )
            continue
        key, value = word.split("=", 1)
        key = key.strip().lower()
        raw_value = value
        value = value.strip()
        if key == "theme":
            opts.theme = value or None
        elif key == "speed":
            try:
                speed = float(value)
            except ValueError:
                speed = math.nan
            if not math.isfinite(speed) or speed <= 0 or speed > LIMITS.typing_cps:
                problems.append(
                    (
                        col,
                        f"speed={value} is not a typing speed; give characters per second "
                        f"between 1 and {LIMITS.typing_cps:.0f} (for example speed=25). The default is used.",
                    ),
                )
            else:
                opts.speed = speed
        elif key == "prompt":
            opts.prompt = raw_value  # a prompt's trailing space is part of it
        elif key == "title":
            opts.title = value
        elif key == "sync":
            if value.lower() == "next":
                opts.sync_next = True
            else:
                problems.append(
                    (
                        col,
                        f"sync={value} is not understood; the only value is sync=next "
                        "(animate during the next speech).",
                    ),
                )
        elif key in ANIMATION_OPTIONS:
            extra[key] = value
        else:
            extra[key] = value
            problems.append(
                (
                    col,
                    f"unknown block option `{key}`; it is ignored. Known options: "
                    f"{', '.join(KNOWN_OPTIONS)}.",
                ),
            )
    opts.extra = extra
    return ParsedInfo(language, opts, problems)
