"""What the model is told: one place for every instruction Castline sends.

``PROMPT_VERSION`` is part of every cached answer's key, so changing an instruction
asks again instead of serving answers to the old one.
"""

from __future__ import annotations

import json

from app.engine.llm.client import Message
from app.engine.llm.writer import Brief

PROMPT_VERSION = 1

ENHANCE_SYSTEM = """\
You are the art director of a narrated explainer video. For one scene you get the
writer's visual note, the narration spoken over it and the video's style. Write:

- "prompt": one image-generation prompt, at most 80 words, for a single striking frame:
  a concrete subject, its setting, the composition and the light, as a photographer
  would brief it. Keep the writer's intent. End it with the video's style, word for word,
  so every scene shares one look. No text, letters or logos in the picture.
- "terms": 1 to 3 concrete English search terms for stock footage (things a camera can
  film: "rocket launch", "server rack"), one or two words each, taken from the
  narration and listed in the order the narration says them. No abstract words.

Answer with JSON only."""

DRAFT_SYSTEM = """\
You write complete scripts for Castline, which turns Markdown into a narrated video.
Follow the format exactly:

---
title: The video's title
description: One or two sentences for YouTube.
tags: [three, to, six, tags]
style: a short visual style for every picture (e.g. cinematic, teal and orange)
characters:
  NARRATOR: { voice: local/joe }
---

# The video's title

## A scene heading (each `##` is a chapter)

> visual: a concrete picture for this scene (one per scene, before its narration)

Narration paragraphs are spoken by NARRATOR. Keep sentences short and spoken.

ALICE: A line of dialogue by a character declared under `characters:`.

[pause 1s]

Rules: every speaker must be declared under characters with voice local/joe (or
local/joe:bright, local/joe:deep for more voices); use `## ` scene headings; every scene
starts with a `> visual:` line followed by narration; fenced terminal blocks use
```terminal with commands starting "$ ". Answer with JSON: {"script": "<the whole file>"}."""


def enhance_messages(brief: Brief) -> list[Message]:
    """The messages asking for one visual's prompt and stock terms."""
    scene = {
        "scene": brief.scene_title,
        "visual_note": brief.prompt,
        "narration": brief.narration,
        "style": brief.style,
        "frame": "portrait 9:16" if brief.aspect == "9:16" else "landscape 16:9",
    }
    return [
        {"role": "system", "content": ENHANCE_SYSTEM},
        {"role": "user", "content": json.dumps(scene, ensure_ascii=False)},
    ]


def draft_messages(
    topic: str, *, audience: str | None, minutes: float | None, characters: list[str]
) -> list[Message]:
    """The messages asking for a whole script about ``topic``."""
    ask = [f"Topic: {topic}"]
    if audience:
        ask.append(f"Audience: {audience}")
    if minutes:
        words = round(minutes * 150)
        ask.append(
            f"Length: about {minutes:g} minutes of narration (about {words} words), in 3 to 8 scenes"
        )
    if characters:
        ask.append("Characters besides the narrator, each with dialogue: " + ", ".join(characters))
    return [
        {"role": "system", "content": DRAFT_SYSTEM},
        {"role": "user", "content": "\n".join(ask)},
    ]


def fix_message(diagnostics: list[str]) -> Message:
    """Asks the model to correct the problems Castline's parser found in its draft."""
    listed = "\n".join(f"- {d}" for d in diagnostics[:20])
    return {
        "role": "user",
        "content": f"Castline's parser found these problems in that script:\n{listed}\n"
        'Fix them and answer with the whole corrected script as JSON: {"script": "..."}.',
    }
