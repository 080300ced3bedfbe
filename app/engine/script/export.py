"""The `parse --json` shape: the spec's field names, plus extra fields the studio uses.

Beats are their model fields as JSON: ``table`` and ``callout`` beats come with their
cells and text, and speech beats carry ``shown`` (``null`` when the line is only spoken)
and ``emphasis``.
"""

from __future__ import annotations

from typing import Any

from app.engine.model.script import PauseBeat, Script


def _round_s(ms: int) -> float:
    return round(ms / 1000, 1)


def script_to_json(script: Script) -> dict[str, Any]:
    """A JSON-ready dict following docs/script-format.md (``kind``, ``line``, ...)."""
    scenes = []
    for scene in script.scenes:
        beats = []
        for beat in scene.beats:
            data = beat.model_dump(mode="json")
            if isinstance(beat, PauseBeat):
                data["seconds"] = beat.seconds
            beats.append(data)
        scenes.append(
            {
                "title": scene.title,
                "line": scene.line,
                "intro": scene.intro,
                "estimated_s": _round_s(scene.estimated_ms),
                "beats": beats,
            }
        )
    return {
        "title": script.title,
        "path": script.path,
        "estimated_duration_s": _round_s(script.estimated_ms),
        "settings": script.settings.model_dump(mode="json"),
        "characters": [
            {
                "name": c.name,
                "voice": str(c.voice),
                "fallback": [str(f) for f in c.fallback],
                "settings": c.settings.model_dump(mode="json"),
                "declared": c.declared,
                "line": c.line,
                "color": c.color,
                "avatar": c.avatar,
                "avatar_resolved": c.avatar_resolved,
            }
            for c in script.characters
        ],
        "scenes": scenes,
        "diagnostics": [
            {
                "file": d.file,
                "line": d.line,
                "column": d.column,
                "severity": d.severity.value,
                "message": d.message,
            }
            for d in script.diagnostics
        ],
    }
