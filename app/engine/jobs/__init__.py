"""Progress reporting and cancellation for long work, shared by CLI and studio."""

from app.engine.jobs.progress import Cancelled, Progress

__all__ = ["Cancelled", "Progress"]
