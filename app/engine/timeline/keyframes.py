"""Keyframed properties and easing: how a clip's position, scale and opacity change over time.

Keyframe frames are *source* frames (see ``model.py``), values are floats or pairs; only
the eased fraction between two integer frames is a float.
"""

from __future__ import annotations

from bisect import bisect_right
from enum import StrEnum
from fractions import Fraction

from pydantic import BaseModel, ConfigDict


class Easing(StrEnum):
    """How a keyframed value travels from one keyframe to the next."""

    LINEAR = "linear"
    EASE_IN = "ease-in"
    EASE_OUT = "ease-out"
    EASE_IN_OUT = "ease-in-out"
    HOLD = "hold"


def ease(easing: Easing, t: float) -> float:
    """The eased fraction for a linear fraction ``t`` in [0, 1]."""
    t = min(1.0, max(0.0, t))
    if easing is Easing.LINEAR:
        return t
    if easing is Easing.EASE_IN:
        return t * t * t
    if easing is Easing.EASE_OUT:
        u = 1.0 - t
        return 1.0 - u * u * u
    if easing is Easing.EASE_IN_OUT:
        return 4 * t * t * t if t < 0.5 else 1.0 - (-2.0 * t + 2.0) ** 3 / 2.0
    return 0.0  # HOLD: keep the earlier keyframe's value until the next keyframe


Value = float | tuple[float, float]
"""A keyframed value: a number (scale, opacity) or a pair (position)."""

PROPERTY_DEFAULTS: dict[str, Value] = {
    "position": (0.5, 0.5),
    "scale": 1.0,
    "opacity": 1.0,
}
"""Keyframable properties and their values when a clip has no keyframes for them.

``position`` is the centre of the clip's picture as a fraction of the frame's width and
height; ``scale`` multiplies the picture's fitted size; ``opacity`` is 0..1.
"""


class Keyframe(BaseModel):
    """A property's value at a source frame; ``easing`` shapes the way to the next one."""

    model_config = ConfigDict(frozen=True)

    frame: int
    value: Value
    easing: Easing = Easing.LINEAR


def interpolate(keyframes: list[Keyframe], frame: int, default: Value) -> Value:
    """The value at ``frame`` (a source frame) from keyframes sorted by frame."""
    if not keyframes:
        return default
    if frame <= keyframes[0].frame:
        return keyframes[0].value
    if frame >= keyframes[-1].frame:
        return keyframes[-1].value
    i = bisect_right([k.frame for k in keyframes], frame) - 1
    a, b = keyframes[i], keyframes[i + 1]
    if frame == a.frame:
        return a.value
    t = ease(a.easing, float(Fraction(frame - a.frame, b.frame - a.frame)))
    return _mix(a.value, b.value, t)


def _mix(a: Value, b: Value, t: float) -> Value:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)
    if isinstance(a, tuple) or isinstance(b, tuple):
        return a if t < 1.0 else b
    return a + (b - a) * t
