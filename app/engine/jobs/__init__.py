"""Progress reporting and cancellation for long work, shared by CLI and studio."""

from app.engine.jobs.progress import (
    Cancelled,
    Progress,
    current_job,
    reset_shutdown,
    shut_down,
    shutting_down,
)

__all__ = [
    "Cancelled",
    "Progress",
    "current_job",
    "reset_shutdown",
    "shut_down",
    "shutting_down",
]
