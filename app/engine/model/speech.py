"""What synthesis produces: word timings, spoken lines and a script's result.

These are plain results that the timeline, the studio and the commands read; they live
in the model so that readers need not import the voice service that makes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.engine.model.time import samples_to_ms


@dataclass(frozen=True)
class WordTiming:
    """One spoken word and where it sits in its clip, in samples at 48 kHz."""

    text: str
    start_sample: int
    end_sample: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start_sample, "end": self.end_sample}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WordTiming:
        return cls(str(data["text"]), int(data["start"]), int(data["end"]))

    def shifted(self, samples: int) -> WordTiming:
        """The same word ``samples`` later (joining pieces of one line)."""
        return WordTiming(self.text, self.start_sample + samples, self.end_sample + samples)


@dataclass
class SpokenLine:
    """One speech line as audio: a 48 kHz mono float32 WAV plus word timings."""

    line: int
    speaker: str
    text: str
    caption: str
    provider: str
    voice: str
    audio_path: Path
    num_samples: int
    words: list[WordTiming]
    cached: bool
    cost_usd: float = 0.0
    failures: list[str] = field(default_factory=list)
    """Voices earlier in the chain that could not speak this line, and why."""

    @property
    def duration_ms(self) -> int:
        return samples_to_ms(self.num_samples)

    @property
    def voice_ref(self) -> str:
        return f"{self.provider}/{self.voice}"


@dataclass
class SynthesisResult:
    """Every spoken line of a script, keyed by the speech beat's 1-based line."""

    lines: dict[int, SpokenLine] = field(default_factory=dict)
    synthesized: int = 0
    cache_hits: int = 0
    providers_used: dict[str, int] = field(default_factory=dict)
    """Lines spoken by each provider."""
    cost_usd: float = 0.0
    failed: dict[int, str] = field(default_factory=dict)
    """Lines no voice in the chain could speak, with every reason."""
    project_id: str | None = None
    fallbacks: int = 0
    over_budget: int = 0
    """Lines given a free voice because the budget could not pay for their cloud one."""

    def tally(self, line: int, spoken: SpokenLine | None, error: str | None) -> None:
        """Count one line's outcome."""
        if spoken is None:
            self.failed[line] = error or "failed"
            return
        self.lines[line] = spoken
        if spoken.cached:
            self.cache_hits += 1
        else:
            self.synthesized += 1
            self.cost_usd += spoken.cost_usd
        if spoken.failures:
            self.fallbacks += 1
        self.providers_used[spoken.provider] = self.providers_used.get(spoken.provider, 0) + 1
