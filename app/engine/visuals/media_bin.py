"""The media bin's contents: every file a project uses or made, with what it is and cost.

Three origins: the user's own media (files the script shows, and anything in the
project's ``assets/`` folder), the voice lines' audio and the visual lines' stills and
clips (every version the runs kept, the chosen one marked). Each item says its size,
duration, picture size, provenance and cost, and can be searched by name, prompt and tag.
Thumbnails are small RGB arrays drawn here (a still, a clip's first picture, a voice's
waveform), so the studio only has to show them.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import av
import cv2
import numpy as np

from app.engine.audio.io import decode_audio
from app.engine.files import replacing
from app.engine.model.script import MediaBeat, Script, SpeechBeat
from app.engine.store import LineVersion
from app.engine.store.assets import is_sha256
from app.engine.store.versions import speech_slots

if TYPE_CHECKING:
    from app.engine.store import Store

Origin = Literal["media", "voice", "visual"]
MediaKind = Literal["image", "video", "audio"]

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp"})
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"})
AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".flac", ".ogg", ".m4a", ".aac", ".opus"})
THUMB_SIZE = (160, 90)


def kind_of(path: Path) -> MediaKind | None:
    """What a file is by its extension (None for anything the bin does not show)."""
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return "image"
    if suffix in VIDEO_SUFFIXES:
        return "video"
    if suffix in AUDIO_SUFFIXES:
        return "audio"
    return None


@dataclass(frozen=True)
class BinItem:
    """One file in the bin."""

    path: Path
    name: str
    origin: Origin
    kind: MediaKind
    size: int
    duration_ms: int | None = None
    width: int | None = None
    height: int | None = None
    provider: str = ""
    model: str = ""
    prompt: str = ""
    """The visual's prompt as written, or the voice line's text."""
    prompt_sent: str = ""
    """What the provider was given (the enhanced prompt, the stock terms, the voice)."""
    tags: tuple[str, ...] = ()
    cost_usd: float = 0.0
    line: int | None = None
    """The script line it was made for (or that shows it)."""
    version_id: int | None = None
    slot: str | None = None
    chosen: bool = False
    locked: bool = False
    candidate: bool = False
    created_at: datetime | None = None
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """What identifies the item across reloads (a version, else the file)."""
        return f"version:{self.version_id}" if self.version_id is not None else str(self.path)

    def matches(self, query: str) -> bool:
        """True when every word of ``query`` is in its name, prompt, tags or provider."""
        haystack = " ".join(
            [self.name, self.prompt, self.prompt_sent, self.provider, self.model, *self.tags]
        ).lower()
        return all(word in haystack for word in query.lower().split())

    def link_name(self) -> str:
        """A readable file name for the item (what a copy dragged into a project is called)."""
        if self.origin == "media":
            return self.path.name
        stem = self.prompt if self.origin == "visual" else f"line {self.line} {self.name}"
        slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:60].rstrip("-")
        return f"{slug or self.origin}{self.path.suffix}"


def _version_item(version: LineVersion) -> BinItem | None:
    kind = kind_of(version.path)
    if kind is None:
        return None
    meta = version.meta
    asset = version.asset
    if version.kind == "voice":
        speaker = str(meta.get("speaker") or "")
        name = f"{speaker.title() or 'Voice'}: {str(meta.get('text') or '')[:60]}"
        prompt = str(meta.get("text") or "")
        sent = f"{version.provider}/{meta.get('voice') or ''}"
        tags: tuple[str, ...] = (speaker,) if speaker else ()
    else:
        prompt = str(meta.get("prompt") or "")
        name = prompt or asset.path.name
        sent = str(meta.get("prompt_sent") or "")
        tags = tuple(str(t) for t in meta.get("tags") or ())
    return BinItem(
        path=version.path,
        name=name,
        origin="voice" if version.kind == "voice" else "visual",
        kind=kind,
        size=asset.size,
        duration_ms=asset.duration_ms,
        width=asset.width,
        height=asset.height,
        provider=version.provider,
        model=str(meta.get("model") or ""),
        prompt=prompt,
        prompt_sent=sent,
        tags=tags,
        cost_usd=version.cost_usd,
        line=version.line,
        version_id=version.id,
        slot=version.slot,
        chosen=version.chosen,
        locked=version.locked,
        candidate=version.candidate,
        created_at=version.created_at,
        provenance={**asset.provenance, **{k: v for k, v in meta.items() if k != "words"}},
    )


def _media_files(script: Script) -> list[tuple[Path, int | None, str]]:
    """The user's files: what the script shows (with its line and caption), its music and
    thumbnail, then anything in ``assets/``."""
    found: dict[Path, tuple[int | None, str]] = {}
    for beat in script.beats():
        if isinstance(beat, MediaBeat) and beat.resolved:
            path = Path(beat.resolved)
            if path.is_file() and kind_of(path) is not None:
                found.setdefault(path.resolve(), (beat.line, beat.caption))
    for extra in (script.settings.music_resolved, script.settings.thumbnail_resolved):
        if extra and Path(extra).is_file() and kind_of(Path(extra)) is not None:
            found.setdefault(Path(extra).resolve(), (None, ""))
    if script.path:
        folder = Path(script.path).parent / "assets"
        if folder.is_dir():
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith(".") and kind_of(path) is not None:
                    found.setdefault(path.resolve(), (None, ""))
    return [(p, line, caption) for p, (line, caption) in found.items()]


def _media_item(path: Path, line: int | None, caption: str) -> BinItem:
    kind = kind_of(path)
    assert kind is not None
    stat = path.stat()
    width, height, duration = _dimensions(str(path), kind, stat.st_size, stat.st_mtime_ns)
    return BinItem(
        path=path,
        name=path.name,
        origin="media",
        kind=kind,
        size=stat.st_size,
        duration_ms=duration,
        width=width,
        height=height,
        provider="your media",
        prompt=caption,
        tags=tuple(w for w in re.split(r"[-_ .]+", path.stem.lower()) if w),
        line=line,
        created_at=datetime.fromtimestamp(stat.st_mtime).astimezone(),
    )


@functools.lru_cache(maxsize=512)
def _dimensions(
    path: str, kind: MediaKind, _size: int, _mtime_ns: int
) -> tuple[int | None, int | None, int | None]:
    """A file's picture size and length (cached while its size and time stay the same:
    the bin lists the project again after each edit of the script)."""
    try:
        return _probe(path, kind)
    except Exception:  # a file that does not decode is still listed
        return None, None, None


def _probe(path: str, kind: MediaKind) -> tuple[int | None, int | None, int | None]:
    if kind == "image":
        picture = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if picture is None:
            return None, None, None
        return int(picture.shape[1]), int(picture.shape[0]), None
    with av.open(path) as container:
        duration = int(container.duration * 1000 / av.time_base) if container.duration else None
        if kind == "video" and container.streams.video:
            stream = container.streams.video[0]
            return stream.width, stream.height, duration
        return None, None, duration


def project_media(store: Store, project_id: str | None, script: Script | None) -> list[BinItem]:
    """Everything in the project's bin: the user's media, then voices and visuals by line.

    Generated items are every version the project kept whose file still exists (the
    chosen ones marked); the user's media are the files the script shows and those in
    its ``assets/`` folder.
    """
    items: list[BinItem] = []
    if script is not None:
        items += [_media_item(p, line, caption) for p, line, caption in _media_files(script)]
    if project_id is not None:
        current = _current_lines(script)
        versions = [v for v in store.line_versions(project_id) if v.path.is_file()]
        for version in versions:
            item = _version_item(version)
            if item is not None:
                line = current.get((version.kind, version.slot), version.line)
                items.append(_with(item, line=line))
    order = {"media": 0, "visual": 1, "voice": 2}
    return sorted(
        items, key=lambda i: (order[i.origin], i.line is None, i.line or 0, i.version_id or 0)
    )


def _current_lines(script: Script | None) -> dict[tuple[str, str], int]:
    """Where each slot's line is in the script now (lines move as the script is edited)."""
    if script is None:
        return {}
    from app.engine.visuals.plan import visual_slots

    out = {("visual", slot): line for line, slot in visual_slots(script).items()}
    speech = [b for b in script.beats() if isinstance(b, SpeechBeat)]
    out.update({("voice", slot): line for line, slot in speech_slots(speech).items()})
    return out


def _with(item: BinItem, **changes: Any) -> BinItem:
    from dataclasses import replace

    return replace(item, **changes)


def search(items: list[BinItem], query: str) -> list[BinItem]:
    """The items whose name, prompt or tags hold every word of ``query``."""
    return [i for i in items if i.matches(query)] if query.strip() else list(items)


# ---------------------------------------------------------------------- thumbnails


def thumbnail(path: Path, kind: MediaKind, size: tuple[int, int] = THUMB_SIZE) -> np.ndarray:
    """A ``size`` RGB picture of the file: the still, a clip's first picture, a waveform.

    The picture is fitted inside ``size`` (letterboxed on the bin's dark grey), never
    stretched; a file that does not decode gives a plain tile with its kind's colour.
    """
    width, height = size
    canvas = np.empty((height, width, 3), np.uint8)
    canvas[:] = (38, 40, 46)
    try:
        if kind == "audio":
            return _waveform(path, canvas)
        picture = _first_picture(path, kind)
    except Exception:
        picture = None
    if picture is None:
        canvas[:] = {"image": (60, 90, 140), "video": (120, 70, 140), "audio": (60, 120, 90)}[kind]
        return canvas
    h, w = picture.shape[:2]
    scale = min(width / w, height / h)
    fitted = cv2.resize(
        picture, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA
    )
    y = (height - fitted.shape[0]) // 2
    x = (width - fitted.shape[1]) // 2
    canvas[y : y + fitted.shape[0], x : x + fitted.shape[1]] = fitted
    return canvas


def _first_picture(path: Path, kind: MediaKind) -> np.ndarray | None:
    if kind == "image":
        bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
        return None if bgr is None else cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    with av.open(str(path)) as container:
        if not container.streams.video:
            return None
        frame = next(container.decode(video=0), None)
        return None if frame is None else frame.to_ndarray(format="rgb24")


def _waveform(path: Path, canvas: np.ndarray) -> np.ndarray:
    """The voice's loudness across its length, drawn as bars."""
    audio, _rate = decode_audio(path)
    mono = np.abs(audio if audio.ndim == 1 else audio.mean(axis=1))
    height, width = canvas.shape[:2]
    if mono.size == 0:
        return canvas
    usable = mono.size - mono.size % width if mono.size >= width else mono.size
    columns = (
        mono[:usable].reshape(width, -1).max(axis=1)
        if mono.size >= width
        else np.resize(mono, width)
    )
    peak = float(columns.max()) or 1.0
    middle = height // 2
    for x, value in enumerate(columns):
        half = max(1, round(value / peak * (height * 0.45)))
        canvas[middle - half : middle + half, x] = (110, 200, 140)
    return canvas


# ---------------------------------------------------------------------- drag names


def readable_link(item: BinItem, folder: Path) -> Path:
    """A file under ``folder`` named for ``item`` (a link to it, else a copy).

    Generated files are named by their content's hash; a file dragged into a project
    is copied under its own name and its caption is made from that name, so the drag
    offers this readable name instead. The user's own media already have theirs.
    """
    if item.origin == "media":
        return item.path
    stem = item.path.stem
    target = folder / (stem[:16] if is_sha256(stem) else stem) / item.link_name()
    if target.exists():
        return target
    if target.is_symlink():
        target.unlink()  # left by a clean-up: never write through it into the asset folder
    target.parent.mkdir(parents=True, exist_ok=True)
    for make in (os.symlink, os.link):
        try:
            make(item.path, target)
            return target
        except OSError:
            continue
    with replacing(target) as tmp:
        shutil.copyfile(item.path, tmp)
    return target


def prune_links(folder: Path) -> int:
    """Remove readable names whose asset a clean-up removed; returns how many went."""
    if not folder.is_dir():
        return 0
    removed = 0
    for link in folder.glob("*/*"):
        if link.is_symlink() and not link.exists():
            link.unlink()
            removed += 1
    for sub in folder.iterdir():
        if sub.is_dir() and not any(sub.iterdir()):
            sub.rmdir()
    return removed
