"""Publishing failures, each a sentence a writer can act on."""

from __future__ import annotations


class PublishError(Exception):
    """Publishing stopped; the message says why and what to do."""


class NotLoggedIn(PublishError):
    """No YouTube account is connected, or Google no longer accepts the stored login."""


class MetadataError(PublishError):
    """The title, description, tags or status would be refused by YouTube."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            "the video's details would be refused by YouTube:\n  " + "\n  ".join(self.problems)
        )


class QuotaExceeded(PublishError):
    """The Google project's daily API quota is spent; retrying today does not help."""
