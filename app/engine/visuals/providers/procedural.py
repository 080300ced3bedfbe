"""The offline default: a background the renderer draws from the prompt and the style.

It makes no file: the compositor draws the picture at render time at the output size
(:mod:`app.engine.visuals.procedural`), exactly as Castline always has. It ends every
chain, so a visual never goes missing, with no key and no network.
"""

from __future__ import annotations

from app.engine.visuals.providers.base import (
    Call,
    VisualOutput,
    VisualProvider,
    VisualRequest,
    register,
)


@register
class ProceduralProvider(VisualProvider):
    """Procedural backgrounds drawn by the renderer; free, offline, always available."""

    name = "procedural"
    kinds = frozenset({"still", "clip"})
    offline = True
    default_rank = 1000
    description = "backgrounds drawn offline from the prompt (the default)"

    def concurrency(self) -> int:
        return 8

    def generate(self, request: VisualRequest, call: Call) -> VisualOutput:
        return VisualOutput(
            kind="still",
            model="procedural",
            prompt_sent=request.prompt,
            seed=request.seed,
            live=True,
        )
