"""Publishing to YouTube: Google sign-in, checked metadata, a resumable upload, extras."""

from app.engine.publish.errors import MetadataError, NotLoggedIn, PublishError, QuotaExceeded
from app.engine.publish.metadata import VideoMetadata, metadata_from_video, parse_publish_at
from app.engine.publish.oauth import Credentials, Tokens, delete_tokens, load_tokens, login
from app.engine.publish.service import PublishOptions, PublishResult, channel_title, publish_video
from app.engine.publish.settings import PublishSettings, SettingsError, load_settings
from app.engine.publish.upload import UploadCheckpoint

__all__ = [
    "Credentials",
    "MetadataError",
    "NotLoggedIn",
    "PublishError",
    "PublishOptions",
    "PublishResult",
    "PublishSettings",
    "QuotaExceeded",
    "SettingsError",
    "Tokens",
    "UploadCheckpoint",
    "VideoMetadata",
    "channel_title",
    "delete_tokens",
    "load_settings",
    "load_tokens",
    "login",
    "metadata_from_video",
    "parse_publish_at",
    "publish_video",
]
