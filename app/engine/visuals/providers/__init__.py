"""Visual providers: one module each, registered on import.

Importing this package imports every module beside it, so a new provider is one new
file with a ``@register`` class; every list of provider names (the parser's check, the
default chain, the command line's choices) is derived from the registry.
"""

from __future__ import annotations

from app.engine.plugins import Submodules
from app.engine.visuals.providers.base import (
    KINDS,
    Call,
    Kind,
    NoResults,
    PermanentProviderError,
    ProviderSettings,
    SafetyRefused,
    Target,
    TransientProviderError,
    UnusableMedia,
    VisualOutput,
    VisualProvider,
    VisualProviderError,
    VisualRequest,
    register,
    registered,
)

_SUPPORT = {"base", "http", "stock"}
"""Modules here that hold shared code, not a provider."""

Submodules(__name__, __path__, skip=_SUPPORT)()


def provider_names() -> list[str]:
    """Every provider's name, sorted."""
    return sorted(registered())


def default_chain() -> list[str]:
    """The chain used when a script names none: providers with a ``default_rank``, in rank order."""
    ranked = [
        (cls.default_rank, name)
        for name, cls in registered().items()
        if cls.default_rank is not None
    ]
    return [name for _rank, name in sorted(ranked)]


def build_visual_providers(settings: ProviderSettings | None = None) -> dict[str, VisualProvider]:
    """One instance of every registered provider, keyed by its name."""
    settings = settings or ProviderSettings()
    return {name: cls(settings) for name, cls in sorted(registered().items())}


__all__ = [
    "KINDS",
    "Call",
    "Kind",
    "NoResults",
    "PermanentProviderError",
    "ProviderSettings",
    "SafetyRefused",
    "Target",
    "TransientProviderError",
    "UnusableMedia",
    "VisualOutput",
    "VisualProvider",
    "VisualProviderError",
    "VisualRequest",
    "build_visual_providers",
    "default_chain",
    "provider_names",
    "register",
    "registered",
]
