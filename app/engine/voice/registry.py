"""Which voice providers exist: each provider module registers a :class:`ProviderSpec`.

A spec is everything the rest of the program needs to know about a provider without
talking to it: its name and label, how big one request may be (characters or UTF-8
bytes), which key it needs, what it charges, where it lives and how to build it. The
script parser's request chunks, ``KNOWN_PROVIDERS``, the Settings dialog's key rows and
the ``voices`` listing are all read from here. Adding a provider is adding one module
under :mod:`app.engine.voice.providers` (or naming one in ``CASTLINE_PLUGINS``) that
calls :func:`register`. Base URLs come from settings or the provider's environment
variable (``CASTLINE_GOOGLE_TTS_URL``...) so tests point the real clients at local fakes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.engine.model.voice import DEFAULT_VOICE, RequestLimit, VoiceRef
from app.engine.plugins import Submodules
from app.engine.secrets import env_var, get_api_key
from app.engine.voice.base import VoiceProvider


@dataclass(frozen=True)
class ProviderContext:
    """What a provider's factory is built from."""

    url: str
    timeout_s: float
    key: Callable[[], str | None]
    options: Mapping[str, Any] = field(default_factory=dict)
    """Provider-specific settings (``ProviderConfig.options[name]``)."""


@dataclass(frozen=True)
class ProviderSpec:
    """One provider as the registry knows it."""

    name: str
    label: str
    """The name as people write it (``ElevenLabs``), for Settings."""
    factory: Callable[[ProviderContext], VoiceProvider]
    limit: RequestLimit
    """How much text one request may carry."""
    key_name: str | None = None
    """The keyring name of the provider's API key; None: it needs none."""
    usd_per_million: Mapping[str, float] = field(default_factory=lambda: {"": 0.0})
    """List price per million characters, by voice family; ``""`` is every other voice."""
    default_url: str = ""
    url_env: str = ""
    """The environment variable that overrides ``default_url`` (tests' fakes)."""
    offline: bool = False
    """Free, local and always there: the voice every chain can end with."""

    @property
    def key_env(self) -> str | None:
        """The environment variable read for the key where no keyring exists."""
        return env_var(self.key_name) if self.key_name else None

    def price(self, family: str = "") -> float:
        """Dollars per million characters for a voice family."""
        return self.usd_per_million.get(family, self.usd_per_million.get("", 0.0))


@dataclass
class ProviderConfig:
    """Endpoints and options for the providers; every field has a working default."""

    timeout_s: float = 60.0
    urls: dict[str, str] = field(default_factory=dict)
    """Base URL by provider name; unset: the provider's environment variable, else its default."""
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Provider-specific settings by provider name (see each provider's factory)."""

    def url(self, spec: ProviderSpec) -> str:
        if spec.name in self.urls:
            return self.urls[spec.name]
        return os.environ.get(spec.url_env, spec.default_url) if spec.url_env else spec.default_url


_REGISTRY: dict[str, ProviderSpec] = {}
_lock = threading.Lock()
_load = Submodules("app.engine.voice.providers", [str(Path(__file__).with_name("providers"))])
"""Imports every provider module once (and any named in ``CASTLINE_PLUGINS``)."""


def register(spec: ProviderSpec) -> ProviderSpec:
    """Make a provider known by its name (called by the provider's own module)."""
    if not spec.name or "/" in spec.name:
        raise ValueError(f"a voice provider needs a name without '/', not {spec.name!r}")
    with _lock:
        _REGISTRY[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    """Forget a provider (a plugin taken away)."""
    with _lock:
        _REGISTRY.pop(name, None)


def specs() -> dict[str, ProviderSpec]:
    """Every registered provider, offline ones first, then in the order they registered."""
    _load()
    with _lock:
        found = list(_REGISTRY.values())
    return {s.name: s for s in sorted(found, key=lambda s: not s.offline)}


def spec(name: str) -> ProviderSpec | None:
    return specs().get(name)


def provider_names() -> list[str]:
    """Every registered provider's name (``KNOWN_PROVIDERS`` reads this)."""
    return list(specs())


def request_limit(provider: str) -> RequestLimit | None:
    """How much text one request to ``provider`` may carry; None for an unknown provider."""
    found = spec(provider)
    return found.limit if found else None


def offline_default() -> VoiceRef:
    """The voice a chain ends with: the default voice if its provider is offline, else the
    first offline provider's voice of the same name."""
    default = VoiceRef.parse(DEFAULT_VOICE)
    offline = [s for s in specs().values() if s.offline]
    if not offline or any(s.name == default.provider for s in offline):
        return default
    return VoiceRef(provider=offline[0].name, voice=default.voice)


def build_provider(
    name: str,
    config: ProviderConfig | None = None,
    *,
    key: Callable[[], str | None] | None = None,
) -> VoiceProvider:
    """One provider's client; ``key`` overrides where its key is read (a key typed in Settings)."""
    found = spec(name)
    if found is None:
        raise KeyError(name)
    config = config or ProviderConfig()
    key_name = found.key_name
    context = ProviderContext(
        url=config.url(found),
        timeout_s=config.timeout_s,
        key=key or (lambda: get_api_key(key_name) if key_name else None),
        options=config.options.get(name, {}),
    )
    return found.factory(context)


def build_providers(config: ProviderConfig | None = None) -> dict[str, VoiceProvider]:
    """One instance of every provider, keyed by its name."""
    return {name: build_provider(name, config) for name in specs()}
