"""Reading what the ``terminal`` command animates: a ``.cast``, a ``.tape`` or a script ``.md``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.engine.model import (
    CodeBeat,
    Diagnostic,
    Severity,
    TerminalBeat,
)
from app.engine.script import parse_file
from app.engine.terminal.animation import (
    Animation,
    SequenceAnimation,
    animate_session,
    build_animation,
)
from app.engine.terminal.cast import read_cast
from app.engine.terminal.session import Session
from app.engine.terminal.tape import read_tape
from app.engine.terminal.themes import RGB


@dataclass
class Loaded:
    """An input turned into an animation, with what was found wrong in it."""

    animation: Animation | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)


def script_blocks(path: Path) -> tuple[list[TerminalBeat | CodeBeat], list[Diagnostic]]:
    """The terminal and code blocks of a script, in order, read by the script parser."""
    script = parse_file(path)
    beats = [b for b in script.beats() if isinstance(b, TerminalBeat | CodeBeat)]
    return beats, list(script.diagnostics)


def load_input(
    path: Path, *, width: int, height: int, theme: str | None = None, seed: int = 0, chrome: bool = True,
    transparent: bool = False, effects: str | None = None, speed: float = 1.0, idle_limit_s: float | None = None,
    margin_color: RGB | None = None,
) -> Loaded:  # fmt: skip
    """The animation for a ``.cast``, ``.tape`` or ``.md`` file; ``theme`` overrides the input's own."""
    suffix = path.suffix.lower()
    if suffix in (".cast", ".tape"):
        session: Session = (
            read_cast(path, idle_limit_s=idle_limit_s, speed=speed)
            if suffix == ".cast"
            else read_tape(path, seed=seed)
        )
        if any(d.is_error for d in session.diagnostics) and not session.events:
            return Loaded(None, session.diagnostics, session.settings)
        if theme:
            session.theme = theme
        anim = animate_session(
            session, width=width, height=height, seed=seed, chrome=chrome, transparent=transparent,
            effects=effects, margin_color=margin_color,
        )  # fmt: skip
        return Loaded(anim, anim.diagnostics, session.settings)
    if suffix in (".md", ".markdown"):
        beats, diags = script_blocks(path)
        if not beats:
            diags.append(
                Diagnostic(
                    line=1,
                    severity=Severity.ERROR,
                    message="no terminal or code blocks to animate",
                    file=str(path),
                )
            )
            return Loaded(None, diags)
        parts: list[Animation] = []
        for i, beat in enumerate(beats):
            if theme:
                beat = beat.model_copy(
                    update={"options": beat.options.model_copy(update={"theme": theme})}
                )
            if effects:
                extra = {
                    **beat.options.extra,
                    "effects": ",".join(filter(None, [beat.options.extra.get("effects"), effects])),
                }
                beat = beat.model_copy(
                    update={"options": beat.options.model_copy(update={"extra": extra})}
                )
            anim = build_animation(
                beat, width=width, height=height, seed=seed + i, chrome=chrome, transparent=transparent,
                margin_color=margin_color,
            )  # fmt: skip
            diags.extend(d.model_copy(update={"file": str(path)}) for d in anim.diagnostics)
            parts.append(anim)
        whole: Animation = parts[0] if len(parts) == 1 else SequenceAnimation(parts, seed=seed)
        return Loaded(whole, diags)
    return Loaded(
        None,
        [
            Diagnostic(
                line=1,
                severity=Severity.ERROR,
                message=f"unknown input type {suffix!r}: use a .cast, .tape or .md file",
                file=str(path),
            )
        ],
    )
