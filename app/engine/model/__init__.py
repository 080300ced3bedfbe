"""Pydantic data shared by every part of the engine."""

from app.engine.model.diagnostic import Diagnostic, Severity, has_errors
from app.engine.model.script import (
    Beat,
    BlockOptions,
    CodeBeat,
    MediaBeat,
    PauseBeat,
    Scene,
    Script,
    ScriptSettings,
    SpeechBeat,
    TerminalBeat,
    TerminalLine,
    VisualBeat,
)
from app.engine.model.voice import (
    DEFAULT_VOICE,
    KNOWN_PROVIDERS,
    Character,
    VoiceRef,
    VoiceSettings,
)

__all__ = [
    "DEFAULT_VOICE",
    "KNOWN_PROVIDERS",
    "Beat",
    "BlockOptions",
    "Character",
    "CodeBeat",
    "Diagnostic",
    "MediaBeat",
    "PauseBeat",
    "Scene",
    "Script",
    "ScriptSettings",
    "Severity",
    "SpeechBeat",
    "TerminalBeat",
    "TerminalLine",
    "VisualBeat",
    "VoiceRef",
    "VoiceSettings",
    "has_errors",
]
