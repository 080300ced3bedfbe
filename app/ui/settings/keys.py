"""Which API keys the Settings dialog asks for, and the cheap checks behind Test connection.

The list is derived from the registries (voice providers that require a key, visual
providers with a ``key_name``, and the language model), never copied, so a new provider
gets its key field by being registered. Keys are named as :mod:`app.engine.secrets`
names them: the keyring user name is the provider's key name. The checks run in workers
and use the key as typed, before it is saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from app.engine.jobs.progress import Progress
from app.engine.net.retry import Deadline
from app.engine.voice.base import VoiceProvider
from app.engine.voice.registry import ProviderConfig, build_provider, specs

Check = Literal["voices", "stock", "llm"]
LLM_KEY = "llm"
"""The keyring name of the language model's key (see app.engine.llm.settings.llm_key)."""


@dataclass(frozen=True)
class KeyedProvider:
    """One key the studio can store: its keyring name, what it unlocks, how to test it."""

    key_name: str
    label: str
    unlocks: str
    check: Check | None = None
    """A free or near-free call that proves the key works (None: no cheap one exists)."""
    provider: str = ""
    """The registered provider's name (for the check)."""


def keyed_providers() -> list[KeyedProvider]:
    """Every key to ask for: voice providers, then visual providers, then the language model."""
    from app.engine.visuals.providers import registered

    found: dict[str, KeyedProvider] = {}
    for name, spec in specs().items():
        if spec.key_name:
            found.setdefault(
                spec.key_name, KeyedProvider(spec.key_name, spec.label, "voices", "voices", name)
            )
    for name, cls in sorted(registered().items(), key=lambda kv: (not kv[1].stock, kv[0])):
        if cls.key_name:
            label = getattr(cls, "label", "") or name.title()
            what = "stock footage" if cls.stock else "generated visuals"
            check: Check | None = "stock" if cls.stock else None
            found.setdefault(
                cls.key_name, KeyedProvider(cls.key_name, label, what, check, provider=name)
            )
    found.setdefault(
        LLM_KEY, KeyedProvider(LLM_KEY, "Language model", "prompts and drafts", "llm", "llm")
    )
    return list(found.values())


def provider_with_key(provider: str, key: str) -> VoiceProvider:
    """A voice provider client that uses ``key`` (typed, maybe not saved yet) for one test call."""
    try:
        return build_provider(provider, ProviderConfig(timeout_s=15.0), key=lambda: key)
    except KeyError:
        raise ValueError(f"no connection test for the {provider} voices") from None


def check_voices(provider: str, key: str) -> str:
    """List the provider's voices with ``key``."""
    client = provider_with_key(provider, key)
    try:
        voices = client.list_voices()
    finally:
        client.close()
    return f"Connected: {len(voices)} voices available."


def check_stock(provider: str, key: str) -> str:
    """One search of the stock library with ``key`` (stock searches are free)."""
    from app.engine.visuals.providers import Target, VisualRequest, registered
    from app.engine.visuals.providers.base import Call, ProviderSettings
    from app.engine.visuals.providers.stock import StockProvider

    cls = registered()[provider]
    if not issubclass(cls, StockProvider):
        raise ValueError(f"{provider} is not a stock library")

    class WithKey(cls):  # type: ignore[valid-type, misc]
        def key(self) -> str | None:
            return key

    settings = ProviderSettings(timeout_s=15.0)
    client = WithKey(settings)
    try:
        request = VisualRequest(prompt="sky", kind="still", target=Target(1920, 1080))
        found = client.search(
            "sky", request, Call(Progress(), Deadline(30.0), settings.sleep, settings.clock)
        )
    finally:
        client.close()
    return f"Connected: a search for “sky” found {len(found)} photos."


def check_llm(base_url: str, model: str, key: str | None) -> str:
    """Ask the model to brief one tiny visual (a few tokens) with the typed URL, model and key."""
    from app.engine.llm import ChatClient, VisualPrompt, llm_key
    from app.engine.llm.prompts import enhance_messages
    from app.engine.llm.settings import LLMSettings
    from app.engine.llm.writer import Brief
    from app.engine.net.retry import RetryPolicy

    if not model.strip():
        raise ValueError("enter the model's name first (e.g. llama3.1)")
    settings = LLMSettings(base_url=base_url.strip().rstrip("/"), model=model.strip(), timeout_s=30)
    client = ChatClient(settings, key=lambda: key or llm_key(), retry=RetryPolicy(attempts=1))
    try:
        brief = Brief(1, "a calm sea", "a calm sea", "The sea is calm tonight.", "")
        reply = client.ask(enhance_messages(brief), VisualPrompt, name="visual_prompt")
    finally:
        client.close()
    return f"Connected: {reply.model} answered (“{reply.value.prompt[:60]}”)."
