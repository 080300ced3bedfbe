"""One client for the OpenAI-compatible chat API, with answers checked against a schema.

``POST {base}/chat/completions`` with ``response_format`` = ``json_schema`` (strict).
Some servers ignore the schema, wrap the JSON in a code fence or add prose, so every
answer is parsed and validated against the pydantic model the schema came from; an
invalid answer is re-asked once with what was wrong, and a second one is an error the
caller can act on. A server that rejects ``json_schema`` (an older local server) is
asked again with the schema in the instructions instead. Transient faults (429 with
Retry-After, 5xx, dropped connections) are retried with backoff.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from app.engine.jobs.progress import Progress
from app.engine.llm.schemas import strict_schema
from app.engine.llm.settings import LLMSettings, llm_key
from app.engine.net.http import LazyClient, error_body, error_message, make_client, send
from app.engine.net.retry import Backoff, RetryPolicy, Sleep

M = TypeVar("M", bound=BaseModel)
Message = dict[str, str]

_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.S)


class LLMError(Exception):
    """The model could not give a usable answer; the message says why."""


class LLMBackoff(Backoff):
    def give_up(self, reason: str) -> Exception:
        return LLMError(
            f"{self.what} failed {self.failures} times in a row (last: {reason}); try again later"
        )


@dataclass(frozen=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass(frozen=True)
class Reply(Generic[M]):
    """A validated answer and what it took."""

    value: M
    usage: Usage
    model: str
    asked: int
    """Requests made: 1, or 2 when the first answer was invalid and re-asked."""


def parse_answer(content: str, answer: type[M]) -> M:
    """The JSON in ``content`` (a code fence or surrounding prose tolerated), validated."""
    text = content.strip()
    fenced = _FENCE.match(text)
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end <= start:
            raise
        data = json.loads(text[start : end + 1])
    return answer.model_validate(data)


class ChatClient:
    """Asks one model for schema-checked JSON answers."""

    def __init__(
        self,
        settings: LLMSettings,
        *,
        key: Callable[[], str | None] = llm_key,
        retry: RetryPolicy | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        if not settings.model:
            raise LLMError(
                "no language model is set: set CASTLINE_LLM_MODEL (and CASTLINE_LLM_URL), or llm.json"
            )
        self.settings = settings
        self.model: str = settings.model
        self._key = key
        self._retry = retry or RetryPolicy(attempts=4, base_delay_s=1.0)
        self._sleep = sleep
        self._client = LazyClient(lambda: make_client("", self.settings.timeout_s))
        self._schema_supported = True

    @property
    def client(self) -> httpx.Client:
        return self._client.get()

    def close(self) -> None:
        self._client.close()

    def _headers(self) -> dict[str, str]:
        key = self._key()
        headers = {"Content-Type": "application/json"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def ask(
        self,
        messages: list[Message],
        answer: type[M],
        *,
        name: str,
        progress: Progress | None = None,
    ) -> Reply[M]:
        """Ask until the answer validates against ``answer`` (at most twice); :class:`LLMError` otherwise."""
        conversation = list(messages)
        usage = Usage()
        for asked in (1, 2):
            content, used = self._complete(conversation, answer, name, progress)
            usage = Usage(
                usage.prompt_tokens + used.prompt_tokens,
                usage.completion_tokens + used.completion_tokens,
            )
            try:
                return Reply(parse_answer(content, answer), usage, self.model, asked)
            except (json.JSONDecodeError, ValidationError) as exc:
                problem = _problem(exc)
                if asked == 2:
                    raise LLMError(
                        f"{self.model} answered twice with invalid {name} JSON ({problem})"
                    ) from exc
                conversation += [
                    {"role": "assistant", "content": content[:4000]},
                    {
                        "role": "user",
                        "content": f"That answer is not valid: {problem}. Answer again with only a JSON object "
                        f"matching this schema: {json.dumps(strict_schema(answer))}",
                    },
                ]
        raise AssertionError("unreachable")

    def _complete(
        self, messages: list[Message], answer: type[M], name: str, progress: Progress | None
    ) -> tuple[str, Usage]:
        schema = strict_schema(answer)
        body: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "temperature": self.settings.temperature,
        }
        if self._schema_supported:
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {"name": name, "strict": True, "schema": schema},
            }
        else:
            body["messages"] = [
                {
                    "role": "system",
                    "content": f"Answer with only a JSON object matching this schema: {json.dumps(schema)}",
                },
                *messages,
            ]
        url = f"{self.settings.base_url}/chat/completions"
        backoff = LLMBackoff(f"asking {self.model}", self._retry, self._sleep, progress)
        try:
            response = send(self.client, "POST", url, backoff, headers=self._headers, json=body)
        except httpx.HTTPError as exc:
            raise LLMError(
                f"the language model at {self.settings.base_url} could not be reached: {exc}"
            ) from exc
        if (
            response.status_code == 400
            and self._schema_supported
            and "response_format" in response.text
        ):
            self._schema_supported = False  # an older server: the schema goes into the instructions
            return self._complete(messages, answer, name, progress)
        if response.status_code >= 400:
            message = error_message(error_body(response))
            hint = (
                " (check CASTLINE_LLM_KEY or the key in Settings)"
                if response.status_code in (401, 403)
                else ""
            )
            raise LLMError(
                f"{self.model} refused the request: HTTP {response.status_code}: {message}{hint}"
            )
        try:
            data = response.json()
            choice = data["choices"][0]
            message = choice["message"]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise LLMError(
                f"{self.model} answered in a shape that is not a chat completion"
            ) from exc
        if message.get("refusal"):
            raise LLMError(f"{self.model} refused: {str(message['refusal'])[:200]}")
        raw_usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        used = Usage(
            int(raw_usage.get("prompt_tokens") or 0), int(raw_usage.get("completion_tokens") or 0)
        )
        return str(message.get("content") or ""), used

    def cost_usd(self, usage: Usage) -> float:
        """What ``usage`` cost at the configured rates (0 for a local model)."""
        s = self.settings
        return (
            usage.prompt_tokens / 1000 * s.usd_per_1k_prompt_tokens
            + usage.completion_tokens / 1000 * s.usd_per_1k_completion_tokens
        )


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "the answer"
        return f"{where}: {first.get('msg', 'invalid')}"
    return f"not JSON ({exc})"
