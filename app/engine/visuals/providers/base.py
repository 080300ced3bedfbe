"""The one small interface every visual provider implements, its errors and its registry.

A provider turns a prompt and a target (size, still or clip, length) into a still or a
clip and says what that cost; the generation service around it owns the cache, retries,
concurrency, fallback along the chain, the budget and provenance. A provider module
registers its class with :func:`register`, so adding a provider is adding one file.

The error classes tell the service what to do next: a transient error is retried with
backoff, a permanent one moves the visual to the next provider in its chain (``scope``
says whether the whole provider is out for the run), and a safety refusal is never
retried and never charged.
"""

from __future__ import annotations

import abc
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from app.engine.jobs.progress import Progress
from app.engine.net.retry import Deadline, RetryPolicy, Sleep

Kind = Literal["still", "clip"]
KINDS: tuple[Kind, ...] = ("still", "clip")
Scope = Literal["provider", "line"]


@dataclass(frozen=True)
class Target:
    """The frame a visual must fill: the video's size decides its orientation."""

    width: int
    height: int

    @property
    def portrait(self) -> bool:
        return self.height > self.width

    @property
    def orientation(self) -> Literal["landscape", "portrait"]:
        return "portrait" if self.portrait else "landscape"

    @property
    def aspect(self) -> str:
        """``16:9`` or ``9:16`` (what generators call the shape)."""
        return "9:16" if self.portrait else "16:9"

    def matches(self, width: int, height: int) -> bool:
        """True when a picture of ``width`` x ``height`` has this orientation (square fits both)."""
        return width == height or (height > width) == self.portrait


@dataclass(frozen=True)
class VisualRequest:
    """What one provider call is asked to make."""

    prompt: str
    """The prompt as sent: the line's prompt with the video's style (or the model's rewrite)."""
    kind: Kind
    target: Target
    duration_ms: int = 5_000
    """How long the visual is on screen; a clip shorter than this is looped."""
    seed: int | None = None
    terms: tuple[str, ...] = ()
    """Stock search terms, best first (concrete English words from the narration)."""
    narration: str = ""
    """The words spoken over this visual: stock results are ranked against them."""
    references: tuple[Path, ...] = ()
    """Earlier stills of this video, for providers that take style references."""
    exclude: frozenset[str] = frozenset()
    """Stock ids already used in this video (``pexels:123``): never picked again."""
    base_dir: Path | None = None
    """The script's folder (the ``media`` provider looks for the user's files there)."""
    line: int = 0
    candidates: int = 0
    """How many other results to return as ``alternatives`` where a search finds several."""


@dataclass
class VisualOutput:
    """A provider's answer: the file (bytes, or a local path), what made it and what it cost."""

    kind: Kind
    model: str
    data: bytes | None = None
    path: Path | None = None
    """A file that already exists locally (the user's own media); not copied."""
    suffix: str = ""
    """The file extension for ``data`` (``.png``, ``.mp4``)."""
    prompt_sent: str = ""
    seed: int | None = None
    cost_usd: float = 0.0
    billed_units: float = 0.0
    request_id: str | None = None
    stock_id: str | None = None
    """``provider:id`` of a stock item, so it is never used twice in a video."""
    tags: list[str] = field(default_factory=list)
    attribution: str | None = None
    """The credit line for the video's description (stock footage)."""
    source_url: str | None = None
    live: bool = False
    """Nothing to keep: the renderer draws this visual itself at render time (procedural)."""
    reference: str | None = None
    """The sha256 of the style reference that was sent, if any."""
    alternatives: list[VisualOutput] = field(default_factory=list)
    """Other results offered for the same request (the next best stock items), best first."""


@dataclass
class Call:
    """What a provider needs while it works: cancel checks, its deadline, time itself."""

    progress: Progress
    deadline: Deadline
    sleep: Sleep
    clock: Callable[[], float] = time.monotonic

    def check(self) -> None:
        """Raise ``Cancelled`` when the job was cancelled."""
        self.progress.check()


class VisualProviderError(Exception):
    """A provider call that did not produce a visual."""

    def __init__(
        self,
        message: str,
        *,
        provider: str = "",
        code: str = "",
        status: int | None = None,
        cost_usd: float = 0.0,
    ) -> None:
        super().__init__(message)
        self.provider = provider
        self.code = code
        self.status = status
        self.cost_usd = cost_usd
        """Money spent even though no visual came back (a finished task lost in download)."""


class TransientProviderError(VisualProviderError):
    """Worth retrying after a delay: 408, 409, 429, 5xx, dropped connections, timeouts."""

    def __init__(self, message: str, *, retry_after_s: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after_s = retry_after_s


class PermanentProviderError(VisualProviderError):
    """Retrying will not help; ``scope`` ``provider`` takes the provider out for the run."""

    def __init__(self, message: str, *, scope: Scope = "line", **kw: Any) -> None:
        super().__init__(message, **kw)
        self.scope: Scope = scope


class SafetyRefused(PermanentProviderError):
    """The provider's safety filter refused the prompt or its result: not retried, not charged."""


class NoResults(PermanentProviderError):
    """A stock or media search found nothing usable for this visual."""


class UnusableMedia(PermanentProviderError):
    """The file that came back cannot be decoded or shown (a wrong format, a broken file)."""


@dataclass(frozen=True)
class ProviderSettings:
    """Timeouts, polling and time for every provider; tests shorten them with a fake clock."""

    timeout_s: float = 60.0
    poll_s: float = 6.0
    """Seconds between status polls of a remote task (jittered)."""
    task_deadline_s: float = 600.0
    """A remote task not finished after this long is cancelled and given up."""
    download_retry: RetryPolicy = field(default_factory=lambda: RetryPolicy(attempts=4))
    max_download_bytes: int = 300 * 1024 * 1024
    sleep: Sleep = time.sleep
    clock: Callable[[], float] = time.monotonic
    options: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per-provider options by name (``{"runway": {"clip_model": "gen4_turbo"}}``)."""


class VisualProvider(abc.ABC):
    """A source of stills or clips for ``> visual:`` lines."""

    name: ClassVar[str] = ""
    kinds: ClassVar[frozenset[Kind]] = frozenset(KINDS)
    """What it can make."""
    default_kind: ClassVar[Kind] = "still"
    """What it makes when the line does not say (stock: clips; generators: the cheaper still)."""
    stock: ClassVar[bool] = False
    """Finds existing footage by search terms rather than generating from the prompt."""
    offline: ClassVar[bool] = False
    """Works with no network and no key (allowed by ``render --offline``)."""
    default_rank: ClassVar[int | None] = None
    """Its place in the chain used when a script names none (None: only when named)."""
    supports_references: ClassVar[bool] = False
    key_name: ClassVar[str | None] = None
    """The keyring user name (and ``secrets.ENV_VARS`` entry) of its key."""
    url_env: ClassVar[str | None] = None
    default_url: ClassVar[str] = ""
    description: ClassVar[str] = ""

    def __init__(self, settings: ProviderSettings | None = None) -> None:
        self.settings = settings or ProviderSettings()
        self.options: dict[str, Any] = dict(self.settings.options.get(self.name, {}))

    @property
    def base_url(self) -> str:
        """From the provider's environment variable (tests point it at a fake), else its default."""
        if self.url_env and os.environ.get(self.url_env):
            return os.environ[self.url_env].rstrip("/")
        return self.default_url.rstrip("/")

    def is_configured(self) -> bool:
        """True when the provider can be used now (a key is set)."""
        return True

    def status(self) -> str:
        """One line for ``visuals --providers``: ready, or what is missing."""
        return "ready" if self.is_configured() else "not configured"

    def can_make(self, kind: Kind) -> bool:
        return kind in self.kinds

    def model_id(self, request: VisualRequest) -> str:
        """The model that will make ``request``: part of the cache key."""
        return self.name

    def estimate_cost(self, request: VisualRequest) -> float:
        """Dollars the request would cost, before it is sent."""
        return 0.0

    def concurrency(self) -> int:
        """How many requests may be in flight at once."""
        return 2

    @abc.abstractmethod
    def generate(self, request: VisualRequest, call: Call) -> VisualOutput:
        """Make or find the visual; raise Transient/PermanentProviderError on failure."""

    def close(self) -> None:  # noqa: B027 - most providers hold nothing to release
        """Release network clients."""


_REGISTRY: dict[str, type[VisualProvider]] = {}


def register(cls: type[VisualProvider]) -> type[VisualProvider]:
    """Class decorator: make a provider known by its ``name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no provider name")
    _REGISTRY[cls.name] = cls
    return cls


def registered() -> dict[str, type[VisualProvider]]:
    """Every registered provider class by name (import :mod:`app.engine.visuals.providers` first)."""
    return dict(_REGISTRY)
