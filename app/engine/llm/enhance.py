"""The language model as art director: a provider-ready prompt and stock terms per visual.

Each answer is stored in the project store keyed by a hash of everything it was asked
from (the visual note, the narration, the style, the frame, the model and the prompt
version), so an unchanged visual is never asked again and an edited one is asked once.
The prompt always carries the video's ``style:`` (appended if the model dropped it);
the terms are kept to 1 to 3 and put in narration order. When the model cannot answer,
the offline writer's prompt and terms are used and the reason is noted.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from app.engine.hashing import cache_key
from app.engine.llm.client import ChatClient, LLMError
from app.engine.llm.keywords import stem, words
from app.engine.llm.prompts import PROMPT_VERSION, enhance_messages
from app.engine.llm.schemas import VisualPrompt
from app.engine.llm.settings import load_llm_settings
from app.engine.llm.writer import Brief, OfflineWriter, PromptWriter, Written, offline_terms

if TYPE_CHECKING:
    from app.engine.store import Store

log = logging.getLogger(__name__)


def in_narration_order(terms: list[str], narration: str) -> list[str]:
    """``terms`` sorted by where their first word is first said; unsaid ones keep their order, last."""
    spoken = [stem(w) for w in words(narration)]

    def position(term: str) -> int:
        first = [stem(w) for w in words(term)]
        for i, word in enumerate(spoken):
            if word in first:
                return i
        return len(spoken)

    return sorted(terms, key=position)


def carry_style(prompt: str, style: str) -> str:
    """``prompt`` ending with the video's style (added when the model left it out)."""
    style = style.strip()
    if not style or style.lower() in prompt.lower():
        return prompt
    return f"{prompt.rstrip(' .,;')}, {style}"


class LLMWriter:
    """Prompts and terms written by a chat model, stored so each is asked once."""

    def __init__(self, client: ChatClient, store: Store, *, project_id: str | None = None) -> None:
        self.client = client
        self.store = store
        self.project_id = project_id
        self.name = f"llm:{client.model}"
        self._fallback = OfflineWriter()

    def close(self) -> None:
        """Close the chat client (built for this writer by :func:`writer_from_settings`)."""
        self.client.close()

    def key(self, brief: Brief) -> str:
        return cache_key(
            "llm-visual",
            model=self.client.model,
            base_url=self.client.settings.base_url,
            version=PROMPT_VERSION,
            prompt=brief.prompt,
            narration=brief.narration,
            style=brief.style,
            scene=brief.scene_title,
            aspect=brief.aspect,
        )

    def stored(self, brief: Brief) -> Written | None:
        """The stored answer for ``brief``, asking nobody (estimates use this)."""
        hit = self.store.visual_cache_get(self.key(brief))
        if hit is None:
            return None
        return Written(str(hit.meta["prompt"]), tuple(hit.meta["terms"]), writer=self.name)

    def write(self, brief: Brief) -> Written:
        stored = self.stored(brief)
        if stored is not None:
            return stored
        key = self.key(brief)
        try:
            reply = self.client.ask(enhance_messages(brief), VisualPrompt, name="visual_prompt")
        except LLMError as exc:
            log.warning("visual line %d: %s; the prompt is used as written", brief.line, exc)
            offline = self._fallback.write(brief)
            return Written(
                offline.prompt, offline.terms, writer="offline", notes=[f"{self.name}: {exc}"]
            )
        terms = [" ".join(t.split()) for t in reply.value.terms if t.strip()][:3] or list(
            offline_terms(brief)
        )
        written = Written(
            prompt=carry_style(" ".join(reply.value.prompt.split()), brief.style),
            terms=tuple(in_narration_order(terms, brief.narration)),
            writer=self.name,
        )
        answer = {
            "prompt": written.prompt,
            "terms": list(written.terms),
            "model": reply.model,
            "asked": reply.asked,
        }
        asset = self.store.add_asset(
            json.dumps(answer, ensure_ascii=False).encode("utf-8"),
            "text",
            suffix=".json",
            provenance={
                "provider": "llm",
                "model": reply.model,
                "base_url": self.client.settings.base_url,
                "visual_note": brief.prompt,
                "prompt_version": PROMPT_VERSION,
            },
        )
        self.store.visual_cache_put(key, asset.sha256, provider="llm", meta=answer)
        cost = self.client.cost_usd(reply.usage)
        if cost > 0:
            self.store.record_cost(
                "llm",
                reply.usage.prompt_tokens + reply.usage.completion_tokens,
                cost,
                project_id=self.project_id,
                description=f"visual line {brief.line}: prompt and terms by {reply.model}",
            )
        return written


def writer_from_settings(store: Store, *, project_id: str | None = None) -> PromptWriter:
    """The language model's writer when one is configured (``llm.json`` or the environment), else offline."""
    settings = load_llm_settings()
    if not settings.configured:
        return OfflineWriter()
    return LLMWriter(ChatClient(settings), store, project_id=project_id)
