"""The clip cache and the line versions: each clip is paid for once and kept.

A clip's key hashes provider, voice, settings, model and text (and the pipeline's
version), so a changed line or voice is spoken again and nothing else is. Every clip is
kept as a version of its line (``app.engine.store.versions``); a locked line is spoken by
its chosen take. The run's audit entry is written here too.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.engine.audio.io import wav_bytes
from app.engine.hashing import cache_key
from app.engine.model.speech import SpokenLine, SynthesisResult, WordTiming
from app.engine.model.time import SAMPLE_RATE, samples_to_ms
from app.engine.model.voice import VoiceRef
from app.engine.voice.base import ProviderAudio, SynthesisRequest, VoiceProvider
from app.engine.voice.casting import Job
from app.engine.voice.clip import finish_clip

if TYPE_CHECKING:
    from app.engine.store import LineVersion, Store

PIPELINE_VERSION = 1
"""Bumped when clip processing changes, so old cache entries are not reused."""


def clip_key(provider: VoiceProvider, request: SynthesisRequest) -> str:
    return cache_key(
        "audio",
        provider=provider.name,
        voice=request.voice_id,
        settings=request.settings.model_dump(mode="json"),
        model=provider.model_id(request),
        text=request.text,
        pipeline=PIPELINE_VERSION,
    )


def spoken(
    job: Job,
    provider: str,
    voice: str,
    path: Path,
    num_samples: int,
    words: list[WordTiming],
    failures: list[str],
) -> SpokenLine:
    """A line spoken by a clip already kept (from the cache or a locked take)."""
    beat = job.beat
    return SpokenLine(
        beat.line,
        beat.speaker,
        beat.text,
        beat.caption,
        provider,
        voice,
        path,
        num_samples,
        words,
        cached=True,
        failures=failures,
    )


class Clips:
    """The store's clips and versions for one project (or none)."""

    def __init__(self, store: Store, project_id: str | None = None) -> None:
        self.store = store
        self.project_id = project_id

    def is_cached(self, key: str) -> bool:
        return self.store.audio_cache_get(key) is not None

    def cached(self, job: Job, ref: VoiceRef, key: str, failures: list[str]) -> SpokenLine | None:
        """The line from the cache (kept as its version), or None."""
        hit = None if job.fresh else self.store.audio_cache_get(key)
        if hit is None:
            return None
        meta = {**hit.meta, "cache_key": key, "voice": ref.voice, "num_samples": hit.num_samples}
        self.version(
            job, hit.asset_sha256, hit.provider, float(hit.meta.get("cost_usd") or 0.0), meta
        )
        words = [WordTiming.from_dict(w) for w in hit.meta.get("words", [])]
        return spoken(job, hit.provider, ref.voice, hit.path, hit.num_samples, words, failures)

    def locked(self, job: Job, version: LineVersion) -> SpokenLine:
        """A locked line is spoken by its chosen take, whatever its voice is now."""
        meta = version.meta
        words = [WordTiming.from_dict(w) for w in meta.get("words", [])]
        voice, samples = str(meta.get("voice") or ""), int(meta.get("num_samples") or 0)
        return spoken(job, version.provider, voice, version.path, samples, words, [])

    def version(
        self, job: Job, sha256: str, provider: str, cost_usd: float, meta: dict[str, Any]
    ) -> None:
        """Keep a clip as a version of its line; the run's clip becomes the chosen one."""
        if self.project_id is None or not job.slot:
            return
        self.store.add_version(
            self.project_id,
            "voice",
            job.slot,
            sha256,
            line=job.beat.line,
            provider=provider,
            cost_usd=cost_usd,
            meta={**meta, "speaker": job.beat.speaker, "text": job.beat.text},
            choose=True,
        )

    def keep(
        self,
        job: Job,
        ref: VoiceRef,
        provider: VoiceProvider,
        key: str,
        raw: ProviderAudio,
        failures: list[str],
    ) -> SpokenLine:
        """Finish a fresh answer into a clip, cache it, version it and ledger its cost."""
        beat = job.beat
        clip = finish_clip(raw, beat.text)
        words = [w.to_dict() for w in clip.words]
        provenance: dict[str, Any] = {
            "provider": provider.name,
            "voice": ref.voice,
            "model": raw.model,
            "request_id": raw.request_id,
            "text": beat.text,
        }
        asset = self.store.add_asset(
            wav_bytes(clip.samples),
            "audio",
            suffix=".wav",
            provenance=provenance,
            duration_ms=samples_to_ms(clip.num_samples),
        )
        cache_meta = {
            "words": words,
            "model": raw.model,
            "cost_usd": raw.cost_usd,
            "billed_units": raw.billed_units,
            "request_id": raw.request_id,
            "sample_rate": SAMPLE_RATE,
        }
        entry = self.store.audio_cache_put(
            key,
            asset.sha256,
            provider=provider.name,
            voice=ref.voice,
            num_samples=clip.num_samples,
            meta=cache_meta,
        )
        meta = {**cache_meta, "cache_key": key, "voice": ref.voice, "num_samples": clip.num_samples}
        self.version(job, asset.sha256, provider.name, raw.cost_usd, meta)
        if raw.cost_usd > 0:
            self.store.record_cost(
                provider.name,
                raw.billed_units,
                raw.cost_usd,
                project_id=self.project_id,
                description=f"line {beat.line} {beat.speaker} via {ref}"
                + (f" (request {raw.request_id})" if raw.request_id else ""),
            )
        return SpokenLine(
            beat.line,
            beat.speaker,
            beat.text,
            beat.caption,
            provider.name,
            ref.voice,
            entry.path,
            clip.num_samples,
            clip.words,
            cached=False,
            cost_usd=raw.cost_usd,
            failures=failures,
        )

    def audit(self, result: SynthesisResult) -> None:
        """Record the run in the project's audit log; mark its clips as in use."""
        if self.project_id is None:
            return
        self.store.set_asset_uses(
            self.project_id, "voice", [s.audio_path.stem for s in result.lines.values()]
        )
        fallbacks = {
            str(line): s.failures for line, s in result.lines.items() if s.failures and not s.cached
        }
        self.store.audit(
            self.project_id,
            "voices.synthesized",
            {
                "synthesized": result.synthesized,
                "cache_hits": result.cache_hits,
                "providers": result.providers_used,
                "cost_usd": round(result.cost_usd, 6),
                "fallbacks": fallbacks,
                "failed": {str(k): v for k, v in result.failed.items()},
            },
        )
