"""A fake YouTube Data API v3 on 127.0.0.1 following docs/api-contracts.md (publishing).

Resumable uploads keep every session's received bytes, answer ``308`` with
``Range: bytes=0-N`` (none when nothing arrived), check that every chunk but the last is
a multiple of 256 KiB and starts where the previous one ended, and create the video when
the last byte arrives. Faults a real upload meets can be armed per data chunk (counted
from 1 over the whole server): a status such as 503 (the chunk is not kept), or a
connection dropped after part of the chunk was read (that part is kept, as Google does).
``expire_next`` answers the next session request with 404 and forgets the session.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import socket
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.server import FakeServer, Recorded, Reply

UPLOAD_SCOPE = "https://www.googleapis.com/auth/youtube.upload"
FORCE_SSL_SCOPE = "https://www.googleapis.com/auth/youtube.force-ssl"
UNIT = 256 * 1024
PREFIX = "/upload/youtube/v3"


def yt_error(status: int, reason: str, message: str) -> Reply:
    return Reply.json(
        status,
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"reason": reason, "message": message, "domain": "youtube"}],
            }
        },
    )


@dataclass
class Session:
    total: int
    content_type: str
    resource: dict[str, Any]
    received: bytearray = field(default_factory=bytearray)


class FakeYouTube(FakeServer):
    serves = "youtube"

    def __init__(self, access_tokens: dict[str, set[str]] | None = None) -> None:
        super().__init__()
        self.access_tokens: dict[str, set[str]] = access_tokens if access_tokens is not None else {}
        self.sessions: dict[str, Session] = {}
        self.videos: dict[str, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.thumbnails: dict[str, tuple[str, bytes]] = {}
        self.captions: dict[str, tuple[dict[str, Any], bytes]] = {}
        self.chunk_statuses: dict[int, Reply] = {}
        """data chunk number -> the answer given instead (the chunk is not kept)"""
        self.drop_chunks: dict[int, int] = {}
        """data chunk number -> bytes read and kept before the connection is cut"""
        self.expire_next = False
        self.chunks_seen = 0

    # -- faults on the raw connection ----------------------------------------------------
    def _dispatch(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("content-length") or 0)
        if handler.command == "PUT" and length > 0:
            with self._lock:
                self.chunks_seen += 1
                number = self.chunks_seen
                keep = self.drop_chunks.pop(number, None)
                instead = self.chunk_statuses.pop(number, None)
            if keep is not None:
                self._drop(handler, keep)
                return
            if instead is not None:
                self._record(handler, handler.rfile.read(length))
                self._send(handler, instead, drop=False)
                return
        super()._dispatch(handler)

    def _record(self, handler: BaseHTTPRequestHandler, data: bytes) -> Recorded:
        split = urlsplit(handler.path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        headers = {k.lower(): v for k, v in handler.headers.items()}
        request = Recorded(
            handler.command, split.path, query, headers, None, data, time.monotonic()
        )
        with self._lock:
            self.requests.append(request)
        return request

    def _drop(self, handler: BaseHTTPRequestHandler, keep: int) -> None:
        """Read ``keep`` bytes of the chunk, keep them, then cut the connection."""
        data = handler.rfile.read(keep)
        session = self.sessions.get(self._record(handler, data).query.get("upload_id", ""))
        match = re.match(r"bytes (\d+)-(\d+)/(\d+)", handler.headers.get("content-range", ""))
        if session is not None and match and int(match.group(1)) == len(session.received):
            session.received.extend(data)
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)

    # -- the API ---------------------------------------------------------------------------
    def _scopes(self, request: Recorded) -> set[str] | None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        return self.access_tokens.get(token)

    def handle(self, request: Recorded) -> Reply:
        path = request.path
        if request.method == "PUT" and path == f"{PREFIX}/videos" and "upload_id" in request.query:
            return self._chunk(request)
        scopes = self._scopes(request)
        if scopes is None:
            return yt_error(401, "authError", "Request had invalid authentication credentials.")
        if request.method == "POST" and path == f"{PREFIX}/videos":
            return self._start(request, scopes)
        if request.method == "POST" and path == f"{PREFIX}/thumbnails/set":
            return self._thumbnail(request)
        if request.method == "POST" and path == f"{PREFIX}/captions":
            return self._caption(request, scopes)
        if request.method == "GET" and path == "/youtube/v3/channels":
            return Reply.json(
                200, {"items": [{"id": "UCfake", "snippet": {"title": "Castline Test Channel"}}]}
            )
        return yt_error(404, "notFound", f"no such method {request.method} {path}")

    def _start(self, request: Recorded, scopes: set[str]) -> Reply:
        if UPLOAD_SCOPE not in scopes and FORCE_SSL_SCOPE not in scopes:
            return yt_error(
                403, "insufficientPermissions", "Request had insufficient authentication scopes."
            )
        if request.query.get("uploadType") != "resumable":
            return yt_error(400, "invalidParameter", "uploadType must be resumable")
        parts = set(request.query.get("part", "").split(","))
        body = request.body if isinstance(request.body, dict) else {}
        total = request.headers.get("x-upload-content-length", "")
        kind = request.headers.get("x-upload-content-type", "")
        if not total.isdigit() or not kind.startswith("video/"):
            return yt_error(
                400,
                "invalidParameter",
                "X-Upload-Content-Length and X-Upload-Content-Type are required",
            )
        if not {"snippet", "status"} <= parts:
            return yt_error(400, "invalidPart", "part must name snippet and status")
        snippet, status = body.get("snippet") or {}, body.get("status") or {}
        title = snippet.get("title", "")
        if not title or len(title) > 100 or "<" in title or ">" in title:
            return yt_error(
                400, "invalidTitle", "The request metadata specifies an invalid video title."
            )
        description = snippet.get("description", "")
        if len(description.encode()) > 5000 or "<" in description or ">" in description:
            return yt_error(
                400,
                "invalidDescription",
                "The request metadata specifies an invalid video description.",
            )
        if not isinstance(snippet.get("categoryId"), str):
            return yt_error(400, "invalidCategoryId", "categoryId must be a string")
        if status.get("privacyStatus") not in ("private", "unlisted", "public"):
            return yt_error(400, "invalidVideoMetadata", "privacyStatus is invalid")
        if status.get("publishAt") and status.get("privacyStatus") != "private":
            return yt_error(400, "invalidPublishAt", "publishAt needs privacyStatus private")
        upload_id = secrets.token_urlsafe(16)
        self.sessions[upload_id] = Session(int(total), kind, body)
        return Reply(
            200,
            headers={
                "Location": f"{self.url}{PREFIX}/videos?uploadType=resumable&upload_id={upload_id}"
            },
        )

    def _chunk(self, request: Recorded) -> Reply:
        upload_id = request.query["upload_id"]
        session = self.sessions.get(upload_id)
        if self.expire_next:
            self.expire_next = False
            self.sessions.pop(upload_id, None)
            session = None
        if session is None:
            return yt_error(404, "notFound", "The upload session was not found or has expired.")
        content_range = request.headers.get("content-range", "")
        status_query = re.fullmatch(r"bytes \*/(\d+)", content_range)
        if status_query:
            return self._progress(upload_id, session)
        match = re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", content_range)
        if not match:
            return yt_error(400, "badRequest", f"bad Content-Range {content_range!r}")
        first, last, total = (int(g) for g in match.groups())
        data = request.raw_body
        if total != session.total or last - first + 1 != len(data):
            return yt_error(
                400, "badRequest", "Content-Range does not match the body or the announced length"
            )
        if first != len(session.received):
            return yt_error(
                400,
                "badRequest",
                f"chunk starts at {first} but {len(session.received)} bytes are held",
            )
        if last + 1 < total and len(data) % UNIT:
            return yt_error(
                400, "badRequest", "chunks other than the last must be multiples of 256 KiB"
            )
        session.received.extend(data)
        return self._progress(upload_id, session)

    def _progress(self, upload_id: str, session: Session) -> Reply:
        held = len(session.received)
        if held < session.total:
            return Reply(308, headers={"Range": f"bytes=0-{held - 1}"} if held else {})
        video_id = "vid" + upload_id[:8]
        if video_id not in self.videos:
            self.videos[video_id] = {"kind": "youtube#video", "id": video_id, **session.resource}
            self.files[video_id] = bytes(session.received)
        return Reply.json(200, self.videos[video_id])

    def _thumbnail(self, request: Recorded) -> Reply:
        video_id = request.query.get("videoId", "")
        if video_id not in self.videos:
            return yt_error(
                404, "videoNotFound", "The video that you are trying to update cannot be found."
            )
        kind = request.headers.get("content-type", "")
        if kind not in ("image/jpeg", "image/png"):
            return yt_error(400, "mediaBodyRequired", "a JPEG or PNG body is required")
        if len(request.raw_body) > 2 * 1024 * 1024:
            return yt_error(400, "mediaBodyTooLarge", "thumbnails must be under 2 MB")
        self.thumbnails[video_id] = (kind, request.raw_body)
        return Reply.json(
            200,
            {
                "kind": "youtube#thumbnailSetResponse",
                "items": [{"default": {"url": f"https://i.ytimg.com/vi/{video_id}/default.jpg"}}],
            },
        )

    def _caption(self, request: Recorded, scopes: set[str]) -> Reply:
        if FORCE_SSL_SCOPE not in scopes:
            return yt_error(
                403, "insufficientPermissions", "Request had insufficient authentication scopes."
            )
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {request.headers.get('content-type', '')}\r\n\r\n".encode()
            + request.raw_body
        )
        parts = list(message.iter_parts()) if message.is_multipart() else []
        if request.query.get("uploadType") != "multipart" or len(parts) != 2:
            return yt_error(
                400,
                "invalidParameter",
                "a multipart/related body with metadata and the track is required",
            )
        head, track = parts[0].get_payload(decode=True), parts[1].get_payload(decode=True)
        if not isinstance(head, bytes) or not isinstance(track, bytes):
            return yt_error(400, "invalidParameter", "the parts could not be read")
        meta = json.loads(head or b"{}")
        snippet = meta.get("snippet") or {}
        video_id = snippet.get("videoId", "")
        if video_id not in self.videos:
            return yt_error(404, "videoNotFound", "The video could not be found.")
        caption_id = "cap" + secrets.token_urlsafe(6)
        self.captions[caption_id] = (snippet, bytes(track))
        return Reply.json(200, {"kind": "youtube#caption", "id": caption_id, "snippet": snippet})
