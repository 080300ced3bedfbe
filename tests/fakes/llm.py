"""A fake OpenAI-compatible chat API on 127.0.0.1 (``POST /v1/chat/completions``).

It answers like a small, obedient model. For ``visual_prompt`` it rewrites the visual
note with the style and picks concrete words from the narration as terms (listed in the
reverse of narration order, so the client's reordering shows). For ``castline_script``
it hands out the scripts queued in ``drafts``, in turn. Faults: ``invalid_next`` answers
that many times with text that is not JSON; ``wrong_shape_next`` with JSON missing a
field; ``schema_unsupported`` refuses ``response_format`` as an older local server does;
``refuse_next`` sets ``refusal``. ``require_key`` makes it check ``Authorization``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.fakes.server import FakeServer, Recorded, Reply

STOP = {
    "the",
    "and",
    "with",
    "from",
    "that",
    "this",
    "into",
    "over",
    "their",
    "there",
    "every",
    "while",
    "about",
}

VALID_DRAFT = """\
---
title: How Tides Work
description: The moon, the sun and the sea.
tags: [tides, moon, ocean]
style: cinematic, soft light
characters:
  NARRATOR: { voice: local/joe }
---

# How Tides Work

## The pull

> visual: the moon rising over a calm ocean

Twice a day the ocean climbs the beach and falls back.

## The bulge

> visual: a globe with water bulging toward the moon

The moon pulls the water nearest to it a little harder than the rest.
"""


def concrete_words(text: str) -> list[str]:
    seen: list[str] = []
    for word in re.findall(r"[a-z]+", text.lower()):
        if len(word) >= 5 and word not in STOP and word not in seen:
            seen.append(word)
    return seen


class FakeChat(FakeServer):
    serves = "llm"

    def __init__(self, *, model: str = "fake-llama", require_key: str | None = None) -> None:
        super().__init__()
        self.model = model
        self.require_key = require_key
        self.drafts: list[str] = []
        self.invalid_next = 0
        self.wrong_shape_next = 0
        self.refuse_next = 0
        self.schema_unsupported = False

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def completions(self) -> list[Recorded]:
        return self.requests_to("/v1/chat/completions")

    def handle(self, request: Recorded) -> Reply:
        if request.method != "POST" or request.path != "/v1/chat/completions":
            return Reply.json(404, {"error": {"message": "not found"}})
        if (
            self.require_key
            and request.headers.get("authorization") != f"Bearer {self.require_key}"
        ):
            return Reply.json(
                401, {"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}
            )
        body = request.body if isinstance(request.body, dict) else {}
        if body.get("model") != self.model:
            return Reply.json(404, {"error": {"message": f"model {body.get('model')!r} not found"}})
        messages = body.get("messages") or []
        fmt = body.get("response_format")
        if fmt is not None and self.schema_unsupported:
            return Reply.json(
                400, {"error": {"message": "response_format of type json_schema is not supported"}}
            )
        name = (
            fmt["json_schema"]["name"]
            if isinstance(fmt, dict) and fmt.get("type") == "json_schema"
            else None
        )
        if name is None:  # schema in the instructions: tell the tasks apart by them
            system = " ".join(m["content"] for m in messages if m.get("role") == "system")
            name = (
                "castline_script"
                if "Castline" in system and "whole file" in system
                else "visual_prompt"
            )
        if self.refuse_next:
            self.refuse_next -= 1
            return self._reply(None, refusal="I can't help with that.")
        if self.invalid_next:
            self.invalid_next -= 1
            return self._reply("Sure! Here is the answer: {prompt: oops")
        if self.wrong_shape_next:
            self.wrong_shape_next -= 1
            return self._reply(json.dumps({"prompt": "only a prompt"}))
        if name == "visual_prompt":
            return self._reply(json.dumps(self._visual(messages)))
        if name == "castline_script":
            script = self.drafts.pop(0) if self.drafts else VALID_DRAFT
            return self._reply("```json\n" + json.dumps({"script": script}) + "\n```")
        return Reply.json(400, {"error": {"message": f"unknown schema {name}"}})

    def _visual(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        brief = json.loads(
            next(
                m["content"]
                for m in reversed(messages)
                if m.get("role") == "user" and m["content"].startswith("{")
            )
        )
        terms = (
            concrete_words(brief["narration"])[:2][::-1] or concrete_words(brief["visual_note"])[:1]
        )
        return {
            "prompt": f"{brief['visual_note']}, wide shot, dramatic light, {brief['style']}".strip(
                ", "
            ),
            "terms": terms,
        }

    def _reply(self, content: str | None, *, refusal: str | None = None) -> Reply:
        return Reply.json(
            200,
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": self.model,
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content, "refusal": refusal},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 120, "completion_tokens": 40, "total_tokens": 160},
            },
        )
