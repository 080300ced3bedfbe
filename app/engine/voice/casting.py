"""Who speaks each line: characters, their voice chains, and the jobs of a run.

The studio's voice choices (kept in the store) win over the script's; every chain ends
with the registry's offline voice, so a line can always be spoken; characters sharing a
voice that can take several shapes (the local voice's profiles) get one each.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.engine.model.script import Script, SpeechBeat
from app.engine.model.voice import Character, VoiceRef, VoiceSettings
from app.engine.store.versions import speech_slots
from app.engine.voice.base import VoiceProvider
from app.engine.voice.registry import offline_default

if TYPE_CHECKING:
    from app.engine.store import LineVersion, Store

log = logging.getLogger(__name__)


@dataclass
class Job:
    """One line to speak, with everything its speaking needs."""

    beat: SpeechBeat
    chain: list[VoiceRef]
    settings: VoiceSettings
    previous_text: str | None = None
    next_text: str | None = None
    slot: str = ""
    """The line's name for its versions (speaker, text, which repeat of them)."""
    locked: LineVersion | None = None
    fresh: bool = False
    """Regenerating: past the cache."""
    free_only: bool = False
    """The budget cannot pay for this line's cloud voices: its free fallback speaks it."""


def spoken_beats(script: Script) -> list[SpeechBeat]:
    """The script's speech lines that have something to say."""
    return [b for b in script.beats() if isinstance(b, SpeechBeat) and b.text.strip()]


def chain_of(voice: VoiceRef, fallback: list[VoiceRef]) -> list[VoiceRef]:
    """A voice, its fallbacks, and the offline default at the end."""
    chain = [voice, *fallback]
    default = offline_default()
    if default not in chain:
        chain.append(default)
    return chain


def characters(
    store: Store, project_id: str | None, script: Script, beats: list[SpeechBeat]
) -> dict[str, Character]:
    """The script's characters, with voices chosen in the studio (kept in the store) winning."""
    found = {c.name: c for c in script.characters}
    if project_id is not None:
        for record in store.characters(project_id):
            try:
                found[record.name] = Character(
                    name=record.name,
                    voice=VoiceRef.parse(record.voice),
                    fallback=[VoiceRef.parse(f) for f in record.fallback],
                    settings=VoiceSettings.model_validate(record.settings),
                )
            except ValueError as exc:  # a damaged row: keep the script's choice
                log.warning("ignoring the stored voice for %s: %s", record.name, exc)
    for beat in beats:
        if beat.speaker not in found:
            found[beat.speaker] = Character(name=beat.speaker, declared=False)
    return found


def profiled_chains(
    cast: dict[str, Character], providers: Mapping[str, VoiceProvider], auto_profiles: bool
) -> dict[str, list[VoiceRef]]:
    """Each character's chain, with shared voices given a shape per character.

    Characters sharing a voice are handed the provider's shapes in script order, the
    narrator first (for the local voice: ``plain``, ``bright``, ``deep``...).
    """
    order = list(cast)
    names = sorted(cast, key=lambda n: (n != "NARRATOR", order.index(n)))
    per_voice: dict[VoiceRef, int] = {}
    chains: dict[str, list[VoiceRef]] = {}
    for name in names:
        assigned: dict[VoiceRef, VoiceRef] = {}
        chain: list[VoiceRef] = []
        for ref in chain_of(cast[name].voice, cast[name].fallback):
            provider = providers.get(ref.provider)
            if auto_profiles and provider is not None:
                if ref not in assigned:
                    index = per_voice.get(ref, 0)
                    per_voice[ref] = index + 1
                    voice = provider.profiled(ref.voice, index)
                    assigned[ref] = VoiceRef(provider=ref.provider, voice=voice)
                ref = assigned[ref]
            if ref not in chain:
                chain.append(ref)
        chains[name] = chain
    return chains


def make_jobs(
    cast: dict[str, Character], chains: dict[str, list[VoiceRef]], beats: list[SpeechBeat]
) -> list[Job]:
    """One job a line, with the same character's neighbouring lines for prosody.

    Only the speaker's own lines are sent as context: another character's words (maybe
    voiced locally, maybe private) never go to a cloud provider with this one's request.
    """
    slots = speech_slots(beats)
    previous: list[str | None] = []
    last: dict[str, str] = {}
    for beat in beats:
        previous.append(last.get(beat.speaker))
        last[beat.speaker] = beat.text
    following: list[str | None] = [None] * len(beats)
    upcoming: dict[str, str] = {}
    for i in range(len(beats) - 1, -1, -1):
        following[i] = upcoming.get(beats[i].speaker)
        upcoming[beats[i].speaker] = beats[i].text
    return [
        Job(
            beat,
            chains[beat.speaker],
            cast[beat.speaker].settings,
            previous_text=previous[i],
            next_text=following[i],
            slot=slots[beat.line],
        )
        for i, beat in enumerate(beats)
    ]


def lock_jobs(store: Store, project_id: str | None, jobs: list[Job]) -> list[Job]:
    """Lines locked on a version keep it: nothing is asked or spent for them."""
    if project_id is None:
        return jobs
    picks = store.chosen_versions(project_id, "voice")
    for job in jobs:
        pick = picks.get(job.slot)
        if pick is not None and pick.locked and pick.path.is_file():
            job.locked = pick
    return jobs
