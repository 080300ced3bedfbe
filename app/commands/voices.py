"""``voices``, ``speak`` and ``synth``: the voice engine from the command line."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np

from app.cli import UserError, open_store
from app.commands.progressbar import ProgressBar
from app.engine.audio.io import read_wav, write_wav
from app.engine.audio.playback import PlaybackUnavailable, play
from app.engine.jobs.progress import Progress
from app.engine.model.time import SAMPLE_RATE
from app.engine.model.voice import DEFAULT_VOICE, VoiceRef, VoiceSettings
from app.engine.secrets import install_redaction
from app.engine.voice.base import VoiceError, VoiceProvider
from app.engine.voice.registry import build_providers, provider_names
from app.engine.voice.service import BudgetExceeded, SynthesisOptions, SynthesisService


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    voices = subparsers.add_parser("voices", help="list every voice provider and its voices")
    voices.add_argument("--provider", help=f"only this provider ({', '.join(provider_names())})")
    voices.set_defaults(func=cmd_voices)

    speak = subparsers.add_parser("speak", help="speak a line of text with one voice")
    speak.add_argument("text", help="the text to speak")
    speak.add_argument(
        "--voice", default=DEFAULT_VOICE, help=f"provider/voice (default {DEFAULT_VOICE})"
    )
    speak.add_argument("-o", "--output", type=Path, help="write a 48 kHz WAV here")
    speak.add_argument("--play", action="store_true", help="play it on the default audio device")
    speak.add_argument("--speed", type=float, default=1.0, help="speaking rate (1.0 is normal)")
    speak.add_argument("--pitch", type=float, default=0.0, help="pitch shift in semitones")
    speak.set_defaults(func=cmd_speak)

    synth = subparsers.add_parser("synth", help="synthesize every speech line of a script (cached)")
    synth.add_argument("script", type=Path, help="the Markdown script")
    synth.add_argument(
        "--budget",
        type=float,
        help="dollars this project may spend in all (default: the project's, $10)",
    )
    synth.add_argument(
        "--lines", dest="verbose_lines", action="store_true", help="list every line and its voice"
    )
    synth.set_defaults(func=cmd_synth)


def cmd_voices(args: argparse.Namespace) -> int:
    install_redaction()
    providers = build_providers()
    try:
        return _print_voices(providers, args.provider)
    finally:
        for provider in providers.values():
            provider.close()


def _print_voices(providers: dict[str, VoiceProvider], wanted: str | None) -> int:
    """Each provider's status and voices (``wanted``: only that one)."""
    if wanted and wanted not in providers:
        raise UserError(f"unknown provider {wanted!r}; known: {', '.join(providers)}")
    for name, provider in providers.items():
        if wanted and name != wanted:
            continue
        status = provider.status()
        if provider.is_configured() and provider.requires_key:
            try:
                usage = provider.usage()
            except VoiceError as exc:
                usage = None
                status += f"; usage unavailable ({exc})"
            if usage is not None:
                limit = f" of {usage.limit:,}" if usage.limit is not None else ""
                status += f"; {usage.used:,}{limit} {usage.unit} used" + (
                    f" ({usage.tier} plan)" if usage.tier else ""
                )
        print(f"{name}: {status}")
        if not provider.is_configured():
            continue
        try:
            voices = provider.list_voices()
        except VoiceError as exc:
            print(f"  (could not list voices: {exc})")
            continue
        for voice in voices:
            detail = f"  {voice.description}" if voice.description else ""
            print(f"  {voice.ref:<40} {voice.name}{detail}")
    return 0


def cmd_speak(args: argparse.Namespace) -> int:
    install_redaction()
    if args.output is None and not args.play:
        raise UserError("give -o FILE.wav to save the speech, or --play to hear it")
    if args.output is not None and args.output.suffix.lower() != ".wav":
        raise UserError(
            f"{args.output}: only .wav output is supported; name the file something.wav"
        )
    text = " ".join(args.text.split())
    if not text:
        raise UserError("there is no text to speak")
    ref = VoiceRef.parse(args.voice)
    settings = VoiceSettings(speed=args.speed, pitch=args.pitch)
    store = open_store()
    try:
        with SynthesisService(store) as service:
            if ref.provider not in service.providers:
                raise UserError(
                    f"unknown voice provider {ref.provider!r} in {args.voice!r}; known: {', '.join(service.providers)}"
                )
            try:
                spoken = service.speak(text, ref, settings)
            except VoiceError as exc:
                raise UserError(str(exc)) from exc
        audio, _rate = read_wav(spoken.audio_path)
    finally:
        store.close()
    seconds = spoken.num_samples / SAMPLE_RATE
    if args.output is not None:
        write_wav(args.output, audio)
        how = "from the cache" if spoken.cached else f"by {spoken.voice_ref}"
        print(f"wrote {args.output} ({seconds:.2f} s, {len(spoken.words)} words, spoken {how})")
    if args.play:
        _play(audio)
    return 0


def _play(audio: np.ndarray) -> None:
    try:
        play(audio)
    except PlaybackUnavailable as exc:
        logging.getLogger(__name__).debug("playback failed", exc_info=True)
        print(f"castline: cannot play audio here: {exc}")


def cmd_synth(args: argparse.Namespace) -> int:
    install_redaction()
    from app.engine.script import ScriptHasErrors, parse_file_checked

    path: Path = args.script
    try:
        script = parse_file_checked(path, "synthesizing")
    except ScriptHasErrors as exc:
        raise UserError(str(exc)) from None
    if args.budget is not None and args.budget < 0:
        raise UserError("--budget cannot be negative")
    store = open_store()
    try:
        progress = Progress()
        bar = ProgressBar(progress, "voices")
        try:
            with SynthesisService(store, SynthesisOptions(budget_usd=args.budget)) as service:
                result = service.synthesize_script(script, progress)
        except BudgetExceeded as exc:
            raise UserError(f"{path}: nothing was synthesized: {exc}") from exc
        finally:
            bar.close(progress.state())
        spent = store.project_spend(result.project_id) if result.project_id else result.cost_usd
        budget = store.get_project(result.project_id).budget_usd if result.project_id else None  # type: ignore[union-attr]
    finally:
        store.close()
    total = len(result.lines) + len(result.failed)
    providers = (
        ", ".join(f"{name} {count}" for name, count in sorted(result.providers_used.items()))
        or "none"
    )
    print(f"{path}: {total} speech lines")
    print(f"  synthesized: {result.synthesized}")
    print(f"  cache hits:  {result.cache_hits}")
    print(
        f"  providers:   {providers}"
        + (f" ({result.fallbacks} lines fell back)" if result.fallbacks else "")
    )
    budget_text = (
        f" of a ${args.budget if args.budget is not None else budget:.2f} budget"
        if budget is not None
        else ""
    )
    print(
        f"  cost:        ${result.cost_usd:.4f} this run, ${spent:.4f} spent on the project{budget_text}"
    )
    if result.over_budget:
        print(
            f"  budget:      {result.over_budget} lines use a free voice: the budget cannot pay "
            "for their cloud voices (raise it with --budget, or budget: in the front matter)"
        )
    if args.verbose_lines:
        for line, spoken in sorted(result.lines.items()):
            note = " (cached)" if spoken.cached else ""
            print(
                f"  line {line:>4} {spoken.speaker:<12} {spoken.voice_ref:<28} {spoken.duration_ms / 1000:6.2f} s{note}"
            )
    for line, reason in sorted(result.failed.items()):
        print(f"{path}:{line}: {reason}", file=sys.stderr)
    return 1 if result.failed else 0
