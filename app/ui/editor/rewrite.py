"""Small, targeted rewrites of the script text made by the panels.

The voice panel rewrites one character's entry in the front matter, the terminal panel
one fence's info string; everything else in the file (comments, spacing, other keys)
stays exactly as the writer left it.
"""

from __future__ import annotations

import re
from typing import Any

_FENCE = re.compile(r"^(\s*)(```+|~~~+)\s*(\S*)(.*)$")
_OPTION = re.compile(r"(\w+)=(\"[^\"]*\"|\S+)")
_SAFE = re.compile(r"^[\w./:+@-]+$")


TUNED = ("speed", "pitch", "stability")
"""The delivery settings the voice panel edits (other keys of an entry are kept as written)."""


def _yaml_scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_yaml_scalar(v) for v in value) + "]"
    text = str(value)
    return text if _SAFE.match(text) else '"' + text.replace('"', '\\"') + '"'


def character_entry(
    name: str,
    voice: str,
    fallback: list[str],
    settings: dict[str, float],
    written: dict[str, Any] | None = None,
) -> str:
    """``  NAME: { voice: x, fallback: [y], speed: 1.1 }`` (one line, flow style).

    ``written`` is the entry as the script has it: its other keys (colour, avatar,
    similarity boost...) and their order are kept; only voice, fallback and the
    ``TUNED`` settings are replaced.
    """
    entry: dict[str, Any] = {"voice": voice}
    for key, value in (written or {}).items():
        if key != "voice":
            entry[str(key)] = value
    if fallback:
        entry["fallback"] = fallback[0] if len(fallback) == 1 else list(fallback)
    else:
        entry.pop("fallback", None)
    for key in TUNED:
        if key in settings:
            entry[key] = settings[key]
        else:
            entry.pop(key, None)
    parts = [f"{key}: {_yaml_scalar(value)}" for key, value in entry.items() if value is not None]
    return f"  {name}: {{ {', '.join(parts)} }}"


def written_characters(text: str) -> dict[str, dict[str, Any]]:
    """Each character's entry as written in the front matter (``voice: x`` alone becomes
    ``{"voice": "x"}``); empty when there is no readable front matter."""
    from app.engine.script.frontmatter import load_front_matter

    lines = text.split("\n")
    end = _front_matter_end(lines)
    if end is None:
        return {}
    data = load_front_matter("\n".join(lines[1:end])).data
    characters = data.get("characters") if isinstance(data, dict) else None
    if not isinstance(characters, dict):
        return {}
    out: dict[str, dict[str, Any]] = {}
    for name, spec in characters.items():
        if isinstance(spec, dict):
            out[str(name)] = dict(spec)
        elif isinstance(spec, str):
            out[str(name)] = {"voice": spec}
    return out


def _front_matter_end(lines: list[str]) -> int | None:
    """Index of the closing ``---`` of the front matter, or None without one."""
    if not lines or lines[0].strip() != "---":
        return None
    for i in range(1, len(lines)):
        if lines[i].strip() in ("---", "..."):
            return i
    return None


def set_character(text: str, name: str, entry: str) -> str:
    """Replace (or add) ``name``'s entry under ``characters:`` in the front matter."""
    lines = text.split("\n")
    end = _front_matter_end(lines)
    if end is None:
        return "\n".join(["---", "characters:", entry, "---", "", *lines])
    chars = next((i for i in range(1, end) if re.match(r"^characters\s*:", lines[i])), None)
    if chars is None:
        lines[end:end] = ["characters:", entry]
        return "\n".join(lines)
    key = re.compile(rf"^(\s+)[\"']?{re.escape(name)}[\"']?\s*:")
    i = chars + 1
    while i < end and (not lines[i].strip() or lines[i][:1].isspace()):
        m = key.match(lines[i])
        if m:
            indent = len(m.group(1))
            j = i + 1
            while j < end and lines[j].strip() and len(lines[j]) - len(lines[j].lstrip()) > indent:
                j += 1
            lines[i:j] = [entry]
            return "\n".join(lines)
        i += 1
    lines.insert(i, entry)
    return "\n".join(lines)


def block_options(info_line: str) -> dict[str, str]:
    """The ``key=value`` options of a fence line, in order."""
    m = _FENCE.match(info_line)
    if not m:
        return {}
    return {k: v.strip('"') for k, v in _OPTION.findall(m.group(4))}


def set_block_options(text: str, line: int, options: dict[str, str | None]) -> str:
    """Set (or remove, with ``None``) options on the fence opening at 1-based ``line``."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        raise ValueError(f"line {line} is outside the script")
    m = _FENCE.match(lines[line - 1])
    if not m:
        raise ValueError(f"line {line} is not the start of a fenced block")
    indent, fence, lang, rest = m.groups()
    current = {k: v for k, v in _OPTION.findall(rest)}
    words = [w for w in _OPTION.sub("", rest).split() if w]
    for key, value in options.items():
        if value is None or value == "":
            current.pop(key, None)
        else:
            current[key] = value if " " not in value else f'"{value}"'
    tail = " ".join([*words, *(f"{k}={v}" for k, v in current.items())])
    lines[line - 1] = f"{indent}{fence}{lang}" + (f" {tail}" if tail else "")
    return "\n".join(lines)
