"""The video's YouTube details, checked against YouTube's rules before any request.

Defaults come from the rendered file itself (the title, the description with its
chapters and the tags that ``render`` writes into the MP4), so ``publish OUT.mp4`` needs
nothing else. Every rule that fails is reported at once, each in its own sentence.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import av

from app.engine.publish.errors import MetadataError, PublishError

TITLE_MAX_CHARS = 100
DESCRIPTION_MAX_BYTES = 5000
TAGS_MAX_CHARS = 500
PRIVACY = ("private", "unlisted", "public")
FIELDS = ("title", "description", "tags", "category_id", "privacy", "publish_at")
"""The details a problem can be about, in the order a form shows them."""
CATEGORIES: dict[str, str] = {
    "1": "Film & Animation",
    "2": "Autos & Vehicles",
    "10": "Music",
    "15": "Pets & Animals",
    "17": "Sports",
    "19": "Travel & Events",
    "20": "Gaming",
    "22": "People & Blogs",
    "23": "Comedy",
    "24": "Entertainment",
    "25": "News & Politics",
    "26": "Howto & Style",
    "27": "Education",
    "28": "Science & Technology",
    "29": "Nonprofits & Activism",
}
"""The categories YouTube lets an upload choose (videoCategories, assignable ones)."""
CHAPTERS_HEADING = "Chapters:"
"""The line ``render`` puts above the chapter times in the description."""


@dataclass
class VideoMetadata:
    """What YouTube shows, and who may see it."""

    title: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    category_id: str = "28"
    privacy: str = "private"
    made_for_kids: bool = False
    synthetic_media: bool = True
    """The AI disclosure: Castline's voices are synthetic, so it is on unless turned off."""
    publish_at: datetime | None = None
    language: str | None = None

    def problems_by_field(self, *, now: datetime | None = None) -> dict[str, list[str]]:
        """Every rule YouTube would refuse, keyed by the field to fix (one of :data:`FIELDS`).

        The studio marks each field as the user types; :meth:`problems` lists them all.
        """
        found: dict[str, list[str]] = {name: [] for name in FIELDS}
        title = self.title.strip()
        if not title:
            found["title"].append("the title is empty; YouTube needs one")
        if len(title) > TITLE_MAX_CHARS:
            found["title"].append(
                f"the title is {len(title)} characters; YouTube allows at most {TITLE_MAX_CHARS}"
            )
        size = len(self.description.encode("utf-8"))
        if size > DESCRIPTION_MAX_BYTES:
            found["description"].append(
                f"the description is {size:,} bytes; YouTube allows at most {DESCRIPTION_MAX_BYTES:,} (shorten it)"
            )
        for name, text in (("title", title), ("description", self.description)):
            bad = sorted({c for c in text if c in "<>"})
            if bad:
                found[name].append(
                    f"the {name} contains {' and '.join(repr(c) for c in bad)}, which YouTube does not allow; remove them"
                )
        empty = [i + 1 for i, tag in enumerate(self.tags) if not tag.strip()]
        if empty:
            found["tags"].append(f"tag {', '.join(map(str, empty))} is empty")
        bad_tags = [tag for tag in self.tags if "<" in tag or ">" in tag]
        if bad_tags:
            found["tags"].append(
                f"the tags {', '.join(repr(t) for t in bad_tags)} contain '<' or '>', which YouTube does not allow"
            )
        used = tags_length(self.tags)
        if used > TAGS_MAX_CHARS:
            found["tags"].append(
                f"the tags take {used} characters (a tag with spaces counts its quotes, and the commas count); "
                f"YouTube allows at most {TAGS_MAX_CHARS}: drop some"
            )
        if not isinstance(self.category_id, str) or not self.category_id.strip().isdigit():
            found["category_id"].append(
                f'the category id must be a number written as a string, such as "28", not {self.category_id!r}'
            )
        if self.privacy not in PRIVACY:
            found["privacy"].append(f"privacy {self.privacy!r} is not one of {', '.join(PRIVACY)}")
        if self.publish_at is not None:
            if self.privacy != "private":
                found["publish_at"].append(
                    f"a scheduled publish time needs privacy 'private' (it is {self.privacy!r}); YouTube makes it public at that time"
                )
            if self.publish_at.tzinfo is None:
                found["publish_at"].append(
                    "the publish time has no time zone; add one such as Z or +02:00"
                )
            elif self.publish_at <= (now or datetime.now(UTC)):
                found["publish_at"].append(
                    f"the publish time {self.publish_at.isoformat()} is in the past"
                )
        return {name: problems for name, problems in found.items() if problems}

    def problems(self, *, now: datetime | None = None) -> list[str]:
        """Every rule YouTube would refuse, as sentences that say how to fix them."""
        return [p for problems in self.problems_by_field(now=now).values() for p in problems]

    def validate(self, *, now: datetime | None = None) -> None:
        """Raise :class:`MetadataError` listing every problem, or return quietly."""
        found = self.problems(now=now)
        if found:
            raise MetadataError(found)

    def resource(self) -> dict[str, Any]:
        """The ``videos.insert`` body (parts ``snippet`` and ``status``)."""
        snippet: dict[str, Any] = {
            "title": self.title.strip(),
            "description": self.description,
            "categoryId": self.category_id.strip(),
        }
        if self.tags:
            snippet["tags"] = [tag.strip() for tag in self.tags]
        if self.language:
            snippet["defaultLanguage"] = self.language
            snippet["defaultAudioLanguage"] = self.language
        status: dict[str, Any] = {
            "privacyStatus": self.privacy,
            "selfDeclaredMadeForKids": self.made_for_kids,
            "containsSyntheticMedia": self.synthetic_media,
        }
        if self.publish_at is not None:
            status["publishAt"] = self.publish_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"snippet": snippet, "status": status}

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON, so an unfinished upload's details can be kept in the project."""
        data = asdict(self)
        data["publish_at"] = self.publish_at.isoformat() if self.publish_at else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VideoMetadata:
        """The inverse of :meth:`as_dict` (unknown keys are ignored)."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        when = values.get("publish_at")
        values["publish_at"] = datetime.fromisoformat(when) if isinstance(when, str) else None
        values["tags"] = [str(t) for t in values.get("tags") or []]
        return cls(**values)


def tags_length(tags: list[str]) -> int:
    """How YouTube counts the 500: each tag, quotes round a tag with spaces, a comma between."""
    cleaned = [tag.strip() for tag in tags]
    return sum(len(t) + (2 if " " in t else 0) for t in cleaned) + max(0, len(cleaned) - 1)


def parse_publish_at(text: str) -> datetime:
    """An ISO 8601 time; one without a zone is taken as this computer's local time."""
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise PublishError(
            f"--publish-at {text!r} is not an ISO time such as 2026-12-01T09:00:00+01:00"
        ) from exc
    return when if when.tzinfo is not None else when.astimezone()


def split_tags(text: str) -> list[str]:
    return [tag.strip() for tag in text.split(",") if tag.strip()]


def metadata_from_video(path: Path, *, category_id: str = "28") -> VideoMetadata:
    """The details ``render`` wrote into the MP4; the file name stands in for a missing title."""
    try:
        with av.open(str(path)) as container:
            tags = dict(container.metadata)
    except (av.error.FFmpegError, OSError) as exc:
        raise PublishError(f"{path}: cannot be read as a video ({exc})") from exc
    title = (tags.get("title") or "").strip() or path.stem.replace("_", " ").replace("-", " ")
    description = tags.get("description") or tags.get("comment") or ""
    if not description:
        chapters = chapters_path(path)
        if chapters.is_file():
            text = chapters.read_text(encoding="utf-8", errors="replace")
            if not text.startswith("No chapters"):
                description = text.strip()
    return VideoMetadata(
        title=title,
        description=description.strip(),
        tags=split_tags(tags.get("keywords") or ""),
        category_id=category_id,
    )


def chapters_path(video: Path) -> Path:
    """``OUT.chapters.txt`` beside ``OUT.mp4``, as ``render`` writes it."""
    return Path(f"{video.with_suffix('')}.chapters.txt")


def chapters_block(text: str) -> str:
    """The ``Chapters:`` heading and the times below it at the end of ``text``, or ``""``."""
    lines = text.rstrip().splitlines()
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].strip() == CHAPTERS_HEADING:
            return "\n".join(line.rstrip() for line in lines[i:])
    return ""


def rendered_chapters(video: Path) -> str:
    """The chapters block of the render that wrote ``video`` (``""`` when it made none).

    Chapter times come from the rendered timeline, so they are only final once the
    voices are spoken: the studio takes them from here after its render.
    """
    try:
        text = chapters_path(video).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "" if text.startswith("No chapters") else chapters_block(text)


def with_chapters(description: str, chapters: str) -> str:
    """The writer's description, then the chapters block, joined as ``render`` joins them."""
    parts = [part for part in (description.strip(), chapters.strip()) if part]
    return "\n\n".join(parts)
