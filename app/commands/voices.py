"""``voices``, ``speak`` and ``synth``: the voice engine from the command line."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from app.cli import UserError
from app.engine.audio.io import write_wav
from app.engine.audio.playback import PlaybackUnavailable, play
from app.engine.model.voice import VoiceRef, VoiceSettings
from app.engine.secrets import install_redaction
from app.engine.voice.base import SynthesisRequest, VoiceError
from app.engine.voice.clip import finish_clip
from app.engine.voice.registry import build_providers


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    voices = subparsers.add_parser("voices", help="list every voice provider and its voices")
    voices.add_argument("--provider", help="only this provider (local, elevenlabs, google)")
    voices.set_defaults(func=cmd_voices)

    speak = subparsers.add_parser("speak", help="speak a line of text with one voice")
    speak.add_argument("text", help="the text to speak")
    speak.add_argument("--voice", default="local/joe", help="provider/voice (default local/joe)")
    speak.add_argument("-o", "--output", type=Path, help="write a 48 kHz WAV here")
    speak.add_argument("--play", action="store_true", help="play it on the default audio device")
    speak.add_argument("--speed", type=float, default=1.0, help="speaking rate (1.0 is normal)")
    speak.add_argument("--pitch", type=float, default=0.0, help="pitch shift in semitones")
    speak.set_defaults(func=cmd_speak)


def cmd_voices(args: argparse.Namespace) -> int:
    install_redaction()
    providers = build_providers()
    wanted = args.provider
    if wanted and wanted not in providers:
        raise UserError(f"unknown provider {wanted!r}; known: {', '.join(providers)}")
    for name, provider in providers.items():
        if wanted and name != wanted:
            continue
        print(f"{name}: {provider.status()}")
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
    text = " ".join(args.text.split())
    if not text:
        raise UserError("there is no text to speak")
    ref = VoiceRef.parse(args.voice)
    providers = build_providers()
    provider = providers.get(ref.provider)
    if provider is None:
        raise UserError(f"unknown voice provider {ref.provider!r} in {args.voice!r}; known: {', '.join(providers)}")
    settings = VoiceSettings(speed=args.speed, pitch=args.pitch)
    try:
        raw = provider.synthesize(SynthesisRequest(ref.voice, text, settings))
    except VoiceError as exc:
        raise UserError(f"{ref}: {exc}") from exc
    clip = finish_clip(raw, text)
    seconds = clip.num_samples / 48_000
    if args.output is not None:
        if args.output.suffix.lower() != ".wav":
            raise UserError(f"{args.output}: only .wav output is supported; name the file something.wav")
        write_wav(args.output, clip.samples)
        print(f"wrote {args.output} ({seconds:.2f} s, {len(clip.words)} words, voice {ref})")
    if args.play:
        try:
            play(clip.samples)
        except PlaybackUnavailable as exc:
            logging.getLogger(__name__).debug("playback failed", exc_info=True)
            print(f"castline: cannot play audio here: {exc}")
    return 0
