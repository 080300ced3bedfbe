"""Offline search terms: concrete words from a scene's narration, with no language model.

Stock search needs short, concrete English terms ("rocket", "launch pad"), not the
abstract words narration is full of ("process", "important"). This is a small RAKE
("rapid automatic keyword extraction") over a stop list plus a list of abstract words:
candidate phrases are the runs of words between stop words; each word scores by how
often it occurs and how long the phrases it sits in are; the best one- or two-word
phrases are kept in narration order. Matching for ranking results uses a light stemmer
so "rockets" finds "rocket".
"""

from __future__ import annotations

import re
from collections import Counter

STOP_WORDS = frozenset(
    """
    a about above after again against all almost also although always am among an and another any anyone anything
    are around as at away back be because been before being below between both but by can cannot could did do does
    doing done down during each either else enough even ever every few first for from further get gets getting
    give given gives go goes going gone got had has have having he her here hers herself him himself his how however
    i if in into is it its itself just keep keeps kept know known last least less let lets like likely made make
    makes making many may me might mine more most much must my myself near need needs never new next no nobody none
    nor not nothing now of off often on once one only onto or other others our ours ourselves out over own per
    perhaps put quite rather really right same say says see seem seems seen several shall she should show shows
    since so some someone something sometimes soon still such take takes than that the their theirs them themselves
    then there these they thing things this those though through thus till to today together too toward towards
    two under until up upon us use used uses using very via was way ways we well were what whatever when where
    whether which while who whole whom whose why will with within without would yet you your yours yourself
    yourselves let's it's that's there's here's what's who's don't doesn't didn't isn't aren't wasn't weren't
    can't couldn't won't wouldn't shouldn't i'm you're we're they're i've you've we've they've i'll you'll we'll
    they'll he's she's past beyond across along behind beneath beside inside outside amid
    """.split()  # noqa: SIM905 - a word list reads best as words
)

ABSTRACT_WORDS = frozenset(
    """
    idea ideas concept concepts process processes way ways reason reasons fact facts example examples kind kinds
    type types part parts point points case cases problem problems question questions answer answers result results
    thing things stuff lot lots bit bits number numbers amount level levels step steps time times moment moments
    important different simple simply easy hard good great better best bad real really actually basically
    certain certainly clear clearly possible sure true truly whole entire general specific usually probably
    exactly especially finally simply quickly slowly suddenly begins begin began start starts started end ends
    ended happen happens happened become becomes became seem seems seemed tell tells told ask asks asked call
    calls called want wants wanted try tries tried work works worked mean means meant help helps helped
    turns turn turned come comes came look looks looked feel feels felt think thinks thought find finds found
    first second third last next every each someone everyone everything anything nothing something
    basic main major minor several various own kind lots plenty
    """.split()  # noqa: SIM905 - a word list reads best as words
)

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
_SPLIT = re.compile(r"[.,;:!?()\[\]{}\"“”‘’—–/\\|]+")


def stem(word: str) -> str:
    """A light English stemmer for matching: ``rockets`` -> ``rocket``, ``cities`` -> ``city``."""
    w = word.lower().strip("'-")
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("ches", "shes", "sses", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def words(text: str) -> list[str]:
    """Lower-case words of ``text``."""
    return [w.lower().strip("'-") for w in _WORD.findall(text)]


def content_stems(text: str) -> set[str]:
    """Stems of the words in ``text`` that carry meaning (no stop or abstract words)."""
    return {stem(w) for w in words(text) if _content(w)}


def _content(word: str) -> bool:
    """A word that can name something a camera films: not a stop or abstract word, and not
    shaped like a past participle or an adverb (``generated``, ``quickly``)."""
    if len(word) <= 2 or word in STOP_WORDS or word in ABSTRACT_WORDS:
        return False
    return not (len(word) > 5 and word.endswith(("ed", "ly")))


def _third_person(word: str) -> bool:
    """Shaped like a verb's ``-s`` form (``fires``, ``hums``): ends in s, not ss, us or is."""
    return len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is"))


def _split_verbs(run: list[str]) -> list[list[str]]:
    """``the launch pad shakes`` -> ``launch pad``.

    A run's last word ending in ``-s`` after a singular noun (``pad``) is far more often
    the sentence's verb than a plural noun; after an ``-ing`` or ``-ed`` word or another
    plural (``blinking lights``), or followed by more words (``network cables run``),
    it is a noun and is kept.
    """
    if len(run) > 1:
        word, before = run[-1], run[-2]
        if _third_person(word) and not before.endswith(("ing", "ed")) and not _third_person(before):
            return [run[:-1]]
    return [run]


def _phrases(text: str) -> list[list[str]]:
    """Runs of content words, split at stop words, punctuation and likely verbs, in order.

    A word right after ``to`` is a verb (``to understand``) and is left out.
    """
    out: list[list[str]] = []
    for chunk in _SPLIT.split(text):
        current: list[str] = []
        previous = ""
        for word in words(chunk):
            if _content(word) and previous != "to":
                current.append(word)
            else:
                if current:
                    out.extend(_split_verbs(current))
                current = []
            previous = word
        if current:
            out.extend(_split_verbs(current))
    return out


def extract_terms(text: str, limit: int = 3, *, prefer: str = "") -> list[str]:
    """Up to ``limit`` concrete one- or two-word terms from ``text``, in the order they occur.

    Words also found in ``prefer`` (the visual's own prompt) rank first: the writer has
    already said what the picture should show.
    """
    phrases = [p[i : i + 2] for p in _phrases(text) for i in range(0, len(p), 2)]
    if not phrases:
        return []
    frequency: Counter[str] = Counter()
    degree: Counter[str] = Counter()
    for phrase in phrases:
        for word in phrase:
            frequency[word] += 1
            degree[word] += len(phrase)
    preferred = content_stems(prefer)
    scored: dict[str, tuple[float, int]] = {}
    for position, phrase in enumerate(phrases):
        term = " ".join(phrase)
        score = sum(degree[w] / frequency[w] + frequency[w] for w in phrase)
        score += sum(4.0 for w in phrase if stem(w) in preferred)
        if term not in scored or scored[term][0] < score:
            scored[term] = (score, scored.get(term, (0.0, position))[1])
    best = sorted(scored.items(), key=lambda item: (-item[1][0], item[1][1]))[:limit]
    chosen: list[str] = []
    seen: set[str] = set()
    for term, _ in sorted(best, key=lambda item: item[1][1]):
        key = " ".join(stem(w) for w in term.split())
        if key not in seen:
            seen.add(key)
            chosen.append(term)
    return chosen


def overlap(tags: list[str], text: str) -> int:
    """How many distinct content stems ``tags`` share with ``text``."""
    tag_stems = {stem(w) for tag in tags for w in words(tag) if _content(w)}
    return len(tag_stems & content_stems(text))
