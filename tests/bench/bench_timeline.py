"""Timeline speed: auto-layout of a long script, edit commands on a big timeline, JSON round-trip.

Baselines measured in the same run:
- layout beside parsing the same script (the step just before it; layout should not dominate);
- ``is_valid``/``apply``+``revert`` beside a bare clip replacement with no checks (the price
  of validation and exact undo);
- a pydantic round-trip beside ``json.dumps``/``loads`` of the same dict.
"""

from __future__ import annotations

import json
import time
from bisect import insort

from app.engine.script import parse_text
from app.engine.timeline import MoveClip, Timeline, TrimClip, auto_layout
from tests.bench.common import Figure, time_call

SCENES = 30
LINES_PER_SCENE = 20


def long_script() -> str:
    """About 600 spoken lines in 30 scenes, with visuals, pauses and terminal blocks."""
    parts = [
        "---\ntitle: Bench\nfps: 30\ncharacters:\n  ALICE: { voice: local/joe }\n---\n\n# Bench\n"
    ]
    for s in range(SCENES):
        parts.append(f"## Scene {s}\n\n> visual: a landscape number {s}\n")
        for i in range(LINES_PER_SCENE):
            speaker = "ALICE: " if i % 3 == 0 else ""
            parts.append(
                f"{speaker}Line {i} of scene {s} says a few words about the topic at hand.\n"
            )
            if i == 7:
                parts.append("[pause 700ms]\n")
            if i == 10:
                parts.append("```terminal\n$ ls -la\ntotal 0\n```\n")
            if i == 14:
                parts.append(f"![still](images/missing-{s}.png)\n")
    return "\n".join(parts)


def run() -> list[Figure]:
    text = long_script()
    parse_s = time_call(lambda: parse_text(text), repeat=3)
    script = parse_text(text)
    layout_s = time_call(lambda: auto_layout(script, None), repeat=3)
    tl = auto_layout(script, None)
    clips = sum(len(t.clips) for t in tl.tracks)

    # Edit commands on the big timeline: a drag of the last voice clip, step by step.
    voice_track = tl.tracks_of("voice")[0]
    target = voice_track.clips[-1]
    steps = 300
    t0 = time.perf_counter()
    for k in range(steps):
        MoveClip(target.id, target.start + 1 + k % 5, merge_id="drag").is_valid(tl)
    valid_ms = (time.perf_counter() - t0) / steps * 1000

    t0 = time.perf_counter()
    for k in range(steps):
        cmd = TrimClip(target.id, "end", target.end - 1 - k % 5)
        cmd.apply(tl)
        cmd.revert(tl)
    edit_ms = (time.perf_counter() - t0) / steps * 1000

    def bare_edit() -> None:
        clips_list = voice_track.clips
        i = next(j for j, c in enumerate(clips_list) if c.id == target.id)
        old = clips_list.pop(i)
        insort(clips_list, old.model_copy(update={"length": old.length - 1}), key=lambda c: c.start)
        clips_list.pop(i)
        insort(clips_list, old, key=lambda c: c.start)

    t0 = time.perf_counter()
    for _ in range(steps):
        bare_edit()
    bare_ms = (time.perf_counter() - t0) / steps * 1000

    data = tl.model_dump(mode="json")
    raw = json.dumps(data)
    roundtrip_s = time_call(lambda: Timeline.model_validate_json(tl.model_dump_json()), repeat=3)
    json_s = time_call(lambda: json.loads(json.dumps(data)), repeat=3)

    t0 = time.perf_counter()
    for f in range(0, tl.duration, 30):
        tl.frame_key(f)
    key_us = (time.perf_counter() - t0) / max(1, len(range(0, tl.duration, 30))) * 1e6

    return [
        Figure(
            f"auto-layout, {len(script.beats())} beats -> {clips} clips",
            layout_s * 1000,
            "ms",
            baseline=parse_s * 1000,
            baseline_label="parsing the same script",
        ),
        Figure(
            "is_valid during a drag (one step)",
            valid_ms,
            "ms",
            goal="well under a 16 ms display frame",
        ),
        Figure(
            "trim apply + revert (validated, exact undo)",
            edit_ms,
            "ms",
            baseline=bare_ms,
            baseline_label="bare list replace, no checks",
        ),
        Figure(
            f"timeline JSON round-trip ({len(raw) // 1024} KiB)",
            roundtrip_s * 1000,
            "ms",
            baseline=json_s * 1000,
            baseline_label="json.dumps+loads of the same dict",
        ),
        Figure("frame_key per frame", key_us, "us", goal="far below a frame's render time"),
    ]
