"""``publish``: put a rendered video on YouTube, or connect/disconnect the YouTube account.

``python main.py publish OUT.mp4 [--privacy private|unlisted|public] [--title T]
[--publish-at ISO] [--no-captions] [--no-thumbnail]`` reads the title, description and
tags that ``render`` wrote into the file, so nothing else is needed. ``--login`` opens
the browser for Google's consent page (the address is printed too), ``--logout`` forgets
the tokens on this machine. Progress shows on stderr; Ctrl+C stops the upload cleanly.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import webbrowser
from pathlib import Path

from app.cli import UsageError, UserError
from app.commands.progressbar import ProgressBar
from app.engine.jobs.progress import Cancelled, Progress
from app.engine.publish.metadata import PRIVACY


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "publish",
        help="upload a rendered video to YouTube (or --login / --logout)",
        description="Upload a video made by `render` to YouTube with its title, description (with chapters), "
        "tags, thumbnail and captions. Connect the account once with --login.",
    )
    parser.add_argument("video", type=Path, nargs="?", help="the .mp4 that `render` wrote")
    parser.add_argument(
        "--login", action="store_true", help="connect a YouTube account in the browser"
    )
    parser.add_argument(
        "--logout", action="store_true", help="forget the YouTube login on this machine"
    )
    parser.add_argument(
        "--privacy", choices=PRIVACY, default="private", help="who may watch it (default private)"
    )
    parser.add_argument("--title", help="the title (default: the one in the file)")
    parser.add_argument(
        "--description", help="the description (default: the one in the file, with chapters)"
    )
    parser.add_argument("--tags", help="comma-separated tags (default: the ones in the file)")
    parser.add_argument("--category", help="YouTube category id (default 28, Science & Technology)")
    parser.add_argument(
        "--publish-at", help="make it public at this ISO time (needs --privacy private)"
    )
    parser.add_argument(
        "--made-for-kids", action="store_true", help="declare the video made for children"
    )
    parser.add_argument(
        "--no-synthetic-disclosure",
        dest="synthetic",
        action="store_false",
        help="do not declare altered or synthetic content (Castline's voices are synthetic, so it is declared by default)",
    )
    parser.add_argument("--no-captions", action="store_true", help="do not upload VIDEO.srt")
    parser.add_argument(
        "--caption-language", default="en", help="the captions' language code (default en)"
    )
    parser.add_argument(
        "--no-thumbnail", action="store_true", help="do not set VIDEO.jpg as the thumbnail"
    )
    parser.set_defaults(func=cmd_publish)


def _open_browser(url: str) -> None:
    print(
        "Open this address to connect your YouTube account (opening your browser):", file=sys.stderr
    )
    print(url, file=sys.stderr)
    with contextlib.suppress(webbrowser.Error):  # the printed address is enough
        webbrowser.open(url)


def cmd_publish(args: argparse.Namespace) -> int:
    from app.engine.publish import (
        Credentials,
        PublishError,
        PublishOptions,
        SettingsError,
        channel_title,
        delete_tokens,
        load_settings,
        login,
        metadata_from_video,
        parse_publish_at,
        publish_video,
    )
    from app.engine.secrets import KeyringUnavailable, install_redaction

    install_redaction()
    if sum(bool(x) for x in (args.login, args.logout, args.video)) != 1:
        raise UsageError("give a video to publish, or --login, or --logout (one of them)")
    try:
        settings = load_settings()
        if args.logout:
            try:
                removed = delete_tokens()
            except KeyringUnavailable as exc:
                raise UserError(str(exc)) from exc
            print(
                "YouTube login forgotten on this machine"
                if removed
                else "no YouTube login was stored"
            )
            return 0
        if args.login:
            tokens = login(settings, _open_browser)
            name = channel_title(settings, Credentials(settings, tokens))
            print(
                f"connected to YouTube{f' as {name}' if name else ''}; the login is kept in the OS keyring"
            )
            return 0
        video: Path = args.video
        if not video.is_file():
            raise UserError(
                f"{video}: no such file; render one first with `castline render SCRIPT.md -o {video}`"
            )
        metadata = metadata_from_video(video, category_id=args.category or settings.category_id)
        if args.title is not None:
            metadata.title = args.title
        if args.description is not None:
            metadata.description = args.description
        if args.tags is not None:
            metadata.tags = [t.strip() for t in args.tags.split(",") if t.strip()]
        metadata.privacy = args.privacy
        metadata.made_for_kids = args.made_for_kids
        metadata.synthetic_media = args.synthetic
        if args.publish_at:
            metadata.publish_at = parse_publish_at(args.publish_at)
        options = PublishOptions(
            thumbnail=not args.no_thumbnail,
            captions=not args.no_captions,
            caption_language=args.caption_language,
        )
        progress = Progress(message="uploading")
        bar = ProgressBar(progress, "upload")
        try:
            result = publish_video(video, metadata, settings, options=options, progress=progress)
        finally:
            state = progress.state()
            bar.close(state if state.total else None)
    except (Cancelled, KeyboardInterrupt):
        what = (
            "sign-in stopped; nothing was stored"
            if args.login
            else "publishing stopped; YouTube discards an unfinished upload"
        )
        print(f"castline: {what}", file=sys.stderr)
        return 130
    except (PublishError, SettingsError) as exc:
        raise UserError(str(exc)) from exc
    print(f"published {video.name}: {result.url} ({result.privacy})")
    print(f"  edit:      {result.studio_url}")
    print(f"  title:     {metadata.title}")
    if metadata.publish_at is not None:
        print(f"  goes public at {metadata.publish_at.isoformat()}")
    print(f"  thumbnail: {result.thumbnail or 'not set'}")
    print(f"  captions:  {result.captions or 'not uploaded'}")
    print(
        f"  quota:     about {result.quota_units:,} of the {settings.daily_quota_units:,} units a Google project gets each day"
    )
    if result.faults or result.restarts:
        faults = f"{result.faults} fault{'s' if result.faults != 1 else ''} recovered"
        print(
            f"  network:   {faults}, {result.restarts} session{'s' if result.restarts != 1 else ''} restarted"
        )
    for note in result.notes:
        print(f"  note: {note}")
    return 0
