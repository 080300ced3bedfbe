"""The language model as co-writer: a topic becomes a complete, valid Castline script.

The model's draft goes through Castline's own parser; while it has errors the model is
shown the diagnostics (line and message) and asked again, a bounded number of times.
Warnings are kept (the writer will see them in the studio); only errors send it back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.engine.jobs.progress import Progress
from app.engine.llm.client import ChatClient, LLMError, Message
from app.engine.llm.prompts import draft_messages, fix_message
from app.engine.llm.schemas import DraftScript
from app.engine.model.diagnostic import Diagnostic
from app.engine.script import parse_text

DEFAULT_TRIES = 4


class DraftFailed(LLMError):
    """The model did not produce a valid script within its tries; ``diagnostics`` says why."""

    def __init__(self, message: str, diagnostics: list[str]) -> None:
        super().__init__(message)
        self.diagnostics = diagnostics


@dataclass
class Draft:
    """A script that parses without errors, and what it took."""

    text: str
    tries: int
    warnings: list[str] = field(default_factory=list)
    tokens: int = 0
    cost_usd: float = 0.0


def _describe(d: Diagnostic) -> str:
    return f"line {d.line}: {d.severity}: {d.message}"


def draft_script(
    topic: str,
    client: ChatClient,
    *,
    audience: str | None = None,
    minutes: float | None = None,
    characters: list[str] | None = None,
    max_tries: int = DEFAULT_TRIES,
    progress: Progress | None = None,
) -> Draft:
    """Ask ``client`` for a script about ``topic`` until it parses cleanly (or raise :class:`DraftFailed`)."""
    topic = " ".join(topic.split())
    if not topic:
        raise LLMError("give a topic to write about")
    messages: list[Message] = draft_messages(
        topic, audience=audience, minutes=minutes, characters=characters or []
    )
    tokens = 0
    cost = 0.0
    problems: list[str] = []
    for attempt in range(1, max_tries + 1):
        if progress is not None:
            progress.check()
            progress.update(attempt - 1, message=f"draft {attempt}")
        reply = client.ask(messages, DraftScript, name="castline_script", progress=progress)
        tokens += reply.usage.prompt_tokens + reply.usage.completion_tokens
        cost += client.cost_usd(reply.usage)
        text = reply.value.script.replace("\r\n", "\n").strip() + "\n"
        parsed = parse_text(text)
        errors = [d for d in parsed.diagnostics if d.severity == "error"]
        if not errors and parsed.scenes:
            warnings = [_describe(d) for d in parsed.diagnostics]
            return Draft(text=text, tries=attempt, warnings=warnings, tokens=tokens, cost_usd=cost)
        problems = [_describe(d) for d in errors] or [
            "the script has no scenes: add `## Scene` headings"
        ]
        messages = [
            *messages,
            {"role": "assistant", "content": text[:12000]},
            fix_message(problems),
        ]
    raise DraftFailed(
        f"{client.model} did not write a valid script in {max_tries} tries; the last one had: "
        + "; ".join(problems[:5]),
        problems,
    )
