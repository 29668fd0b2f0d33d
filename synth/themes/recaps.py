"""The facilitator's recap: the room's own names for its priorities.

Near the end of a convening the facilitator reads the flip chart back and the room confirms it:
"One. Workforce housing. Both seasonal beds and year-round apartments..." / "Two: growing your
current people into foremen and superintendents." / "I'm hearing five things again and again.
Hiring. Training and apprenticeships. Childcare and housing. Permits." Those names are the ones
a facilitator keeps, in the words the room agreed to, so a theme that a recap item clearly sums
up is named by it (verbatim, first letter capitalised) instead of by its most specific words.

Three shapes are read, all only from the facilitator's talk:

* a numbered item: a sentence opening with an ordinal ("One.", "Two:", "Third,", "And five:")
  names what follows it, up to the end of that clause;
* a spoken list: three or more short sentences in a row made only of nouns ("Hiring.",
  "Childcare and housing.", "And the supply chain."), or a list announced with its count and
  written with commas ("I'm hearing five things again and again, hiring, training and
  apprenticeships, childcare and housing, permits, and the supply chain");
* lists under headings, with commas ("Existing: the supervision pool, the tech and peer
  pipeline, and Medicaid rates and billing. New: burnout and secondary trauma, and bilingual
  and culturally matched staff.").

Which theme an item names is decided by meaning, with the statements' own embedder: an item
names the closest theme that no other item has named, when it lies closer to it than a quarter
of that theme's own statements do (the bar the read-backs use); the items most clearly closer
to one theme than to any other choose first. An item left over still names a theme when the two
are each other's closest, past the bar or not (Whisper's fragments are less alike than typed
sentences, and their bars too high). The rest of the themes keep their generated labels, and a
meeting without a recap is labelled as before.

Two items that both lie closest to one theme, past its bar, are two priorities the room read
back separately and the clustering joined: the theme is split between them, each statement
going to the item it is closest to, when every part is as large as a candidate may be
(:func:`split_shared`, before labels; figures in ``candidates._apply_recap``).

Measured with ``pipelines/evaluate_convenings.py``'s proxy (the best-matching candidate's label
is nearest its own gold name), seeds 0 / 1: 77% -> 80% / 77% -> 87% on the six dev meetings,
75% / 85% unchanged on the four check meetings and 82% -> 91% / 82% -> 91% on two further
meetings (a theme taking only its closest item: 83/83%, 75/85%, 82/91%); the recap names read
far more like the room's ("The licensing bottleneck" for "Testing site", "Food safety and
audit readiness" for "Shift leads", "Power, water, land" for "Space and facilities to grow
(water deal)"). A name lands on the wrong theme where the clustering mixed two priorities (a
housing item on a theme mostly about seasonal jobs), as the generated label there did.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from synth.records import Statement
from synth.text.statements import BACKCHANNEL_WORDS, SIGN_UP
from synth.text.stop_words import STOP_WORDS
from synth.themes.clustering import normalise
from synth.themes.labels import FILLERS, Embed, singular
from synth.themes.read_backs import closeness_bars

# A numbered item longer than this is cut at its first comma ("keeping people while the fab
# hires, pay ladders, that kind of thing" -> "keeping people while the fab hires"); one still
# longer than MAX_ITEM_WORDS is the facilitator talking on, not a name.
CUT_ITEM_WORDS = 6
MAX_ITEM_WORDS = 10
MAX_LIST_WORDS = 4  # a sentence of a spoken list ("Training and apprenticeships.")
MIN_LIST_ITEMS = 3

_ORDINAL = (r"one|two|three|four|five|six|seven|eight|first|second|third|fourth|fifth|sixth|"
            r"seventh|eighth|[1-8]")
# An ordinal that opens a sentence, then the item up to the end of its clause.
_NUMBERED = re.compile(
    rf"(?:^|(?<=[.!?;)]\s))(?:and\s+|new,?\s+)?(?:(?:priority|number)\s+)?(?:{_ORDINAL})\s*"
    r"[.,:)]\s+(?P<item>[^.!?;:]+)", re.IGNORECASE)
_SENTENCE = re.compile(r"[^.!?;:]+[.!?;:]*")
# A list announced with its count ("five things again and again, hiring, ..."), to the end of
# the sentence; its pieces are separated by commas.
_COUNTED = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|[2-8])\s+(?:\w+\s+)?(?:things|priorities|"
    r"themes|buckets|issues|areas|topics)\b[^,:.!?;]*[,:]\s*(?P<list>[^.!?;]+)", re.IGNORECASE)
# A list under a heading of a word or two, with commas: "Existing: the supervision pool, the tech
# and peer pipeline, and Medicaid rates and billing. New: burnout and secondary trauma, and ..."
_HEADED = re.compile(r"(?:^|(?<=[.!?]\s))(?P<head>[A-Z][\w'-]*(?:\s+[\w'-]+)?):\s*"
                     r"(?P<list>[^.!?;:]+)")
MIN_HEADED_ITEMS = 2  # under one heading ("New: burnout ..., and bilingual ... staff.")
_PIECE = re.compile(r"[^,]+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
# An item that opens like a clause is the facilitator talking, not a name ("Second, and this
# is related...", "And five, which nobody really named...", "First, I heard a lot about...").
_NOT_A_NAME = frozenset(
    "and but so or which who that this it i we you they he she there here let".split())
_LEADING = frozenset("and the".split())
_JOINING = frozenset("and or of the for in on".split())  # may join a list item's words
# What the facilitator calls an item they described: "I'd call it work readiness", "I'm going to
# write 'knowledge transfer from the retiring workforce'".
_COINED = re.compile(
    r"\b(?:I'd|I would|I'm going to|I'll|let's|we'll)\s+(?:call|write|name)\s+"
    r"(?:(?:it|this|this one|that)\s+)?[\"“']?(?P<name>[^.!?;:\"”]+)", re.IGNORECASE)

@dataclass(frozen=True, slots=True)
class RecapItem:
    """One name the facilitator read back, with what they said about it."""

    # verbatim words of the facilitator, first letter capitalised; empty for an item described
    # rather than named (:func:`recap_items`)
    name: str
    said: str  # the name with the facilitator's words about it, up to the next item
    statement_id: str
    # for an item described rather than named, what the facilitator calls it after describing it
    # ("I'd call it work readiness"): it names a theme only as its closest item both ways
    coined: str = ""


def recap_items(facilitator: Sequence[Statement], avoid: frozenset[str] = frozenset()
                ) -> list[RecapItem]:
    """The numbered items and spoken lists in the facilitator's statements, in order. No name
    holds a word of ``avoid`` (people's names, lower case): such an item is cut before it or
    left out ("Maintenance and refrigeration techs, the Dale problem").

    A numbered item that opens like a clause ("And fifth, and nobody quite named this one, but
    it came up over and over. Losing people to remote jobs, ...") is a priority the room read
    back all the same, described rather than named. It is kept with an empty name: it names no
    theme, but it tells :func:`split_shared` that the room counted one more priority. Only
    beside named items: without them it is talk that starts like an item ("First, I want to
    thank our hosts"). Five of the six dev meetings' recaps have one. Seeds 0-3 on the dev
    set: mean ARI 0.378 -> 0.386, found 87.8% -> 88.5%, named 85% -> 86%, candidates 6.3 ->
    6.9 (dev2 at seed 0: 3 -> 5 candidates, 3 -> 4 of its 5 priorities found); the checks
    have none.

    What the facilitator then calls it ("I'd call it work readiness", "I'm going to write
    'knowledge transfer from the retiring workforce'") is kept as its ``coined`` name. A coined
    name names a theme only when the two are each other's closest (:func:`name_themes`): let
    past the bar, "Attracting and keeping experienced tech talent in the region" landed on
    dev2's AI candidate at seed 1. So, seeds 0-3: dev2's "Tech scene" became that name at three
    seeds and dev4's "Retirement papers" "Knowledge transfer from the retiring workforce" at
    all four; dev3's "Work readiness" went to a candidate of young staff's careers and first
    jobs (the best match for work readiness, "Phone rings", keeps its label). No figure moves.
    """
    items: list[RecapItem] = []
    for turn in _turns(facilitator):
        # (position in the turn's text, name, statement id, numbered)
        found: list[tuple[int, str, str, bool]] = []
        text, starts = _joined(turn)
        for m in _NUMBERED.finditer(text):
            name = _clean(m.group("item"), avoid)
            found.append((m.start("item"), name, _owner(turn, starts, m.start()), True))
        found += [(at, name, sid, False) for at, name, sid in _spoken_list(text, turn, starts,
                                                                            avoid)]
        found += [(at, name, sid, False) for at, name, sid in _counted_list(text, turn, starts,
                                                                             avoid)]
        found += [(at, name, sid, False) for at, name, sid in _headed_lists(text, turn, starts,
                                                                             avoid)]
        found.sort()
        for k, (at, name, sid, numbered) in enumerate(found):
            # a numbered item is explained by what follows it; a spoken list's item is its name
            end = found[k + 1][0] if k + 1 < len(found) else len(text)
            said = text[at:end].strip() if numbered else name
            items.append(RecapItem(name=name, said=said, statement_id=sid,
                                   coined="" if name else _coined(said, avoid)))
    return items if any(item.name for item in items) else []


def name_themes(items: Sequence[RecapItem], vectors: np.ndarray, centroids: np.ndarray,
                theme_vectors: Sequence[np.ndarray]) -> list[str | None]:
    """Per theme, the recap item that names it, or None.

    ``vectors``: the items (:func:`item_vectors`); ``centroids``: each theme's unit mean
    statement vector; ``theme_vectors``: its statements' vectors (the closeness bar is read
    from them).
    """
    out: list[str | None] = [None] * len(theme_vectors)
    if not items or not len(theme_vectors):
        return out
    sims = vectors @ np.asarray(centroids, dtype=np.float64).T
    bars = closeness_bars(theme_vectors, centroids)
    # Items choose in order of how much closer they lie to their closest theme than to any
    # other: the one about a theme ("Training and apprenticeships") before a broader one near it
    # ("Hiring"), which then names its next closest theme if it is past that theme's bar.
    second = np.sort(sims, axis=1)[:, -2] if sims.shape[1] > 1 else np.zeros(len(items))
    for i in sorted(range(len(items)), key=lambda i: (-(sims[i].max() - second[i]), i)):
        if not items[i].name:  # described, not named: it still splits a theme (split_shared)
            continue
        for t in np.argsort(-sims[i], kind="stable"):
            if out[int(t)] is None and sims[i, t] >= bars[int(t)]:
                out[int(t)] = items[i].name
                break
    return _mutual_names(items, sims, out)


def _mutual_names(items: Sequence[RecapItem], sims: np.ndarray,
                  out: list[str | None]) -> list[str | None]:
    """``out`` with each item left over naming the theme it lies closest to, when that theme is
    unnamed and lies closest to it of all the items, past its bar or not.

    The bar reads how alike a theme's own statements are, and a recording's are less alike
    than typed sentences: Whisper's fragments ("Bermitts, we might land for a second real
    thing", "Dr. Burbitts, nobody at the county...") stay further from "Permits" than from each
    other. On the bundled recording only one of its five read-back names passed its bar, though
    four were each their theme's closest item and that theme their closest. A pair of closest
    neighbours both ways is the room's name for that theme whatever the bar says. On the
    convening transcripts it names a few more themes ("Burnout and secondary trauma" for "Psych
    nurse", "Workforce housing" for "Duplex", "Lab and scale-up space" for "Space and facilities
    to grow").
    """
    used = {name for name in out if name}
    for i, item in enumerate(items):
        name = item.name or item.coined
        if not name or name in used:
            continue
        t = int(np.argmax(sims[i]))
        if out[t] is None and int(np.argmax(sims[:, t])) == i:
            out[t] = name
            used.add(name)
    return out


def item_vectors(items: Sequence[RecapItem], embed: Embed) -> np.ndarray:
    """Each item as the sum of its name's and its explanation's unit vectors (one call): a
    name alone says little ("Hiring") and an explanation drifts ("Licensure and credential
    delays. ... and the CNA registry."). An item described rather than named is what was
    said of it."""
    both = normalise(np.asarray(embed([i.name or i.said for i in items]
                                      + [i.said for i in items]),
                                dtype=np.float64))
    return normalise(both[: len(items)] + both[len(items):])


def split_shared(labels: np.ndarray, x: np.ndarray, vectors: np.ndarray,
                 min_size: int) -> np.ndarray:
    """Labels with each theme that two or more recap items lie closest to (past its bar) split
    between them: each statement goes to the item it is closest to, a part for each item.

    The room read those items back as separate priorities, so a theme holding both is two
    themes the clustering joined ("the licensing bottleneck" and "growing your people into
    foremen", "entry-level operators", "technicians" and "keeping people while the fab
    hires"). A split is kept only when every part has ``min_size`` statements. ``labels``:
    theme per row of ``x`` (-1: set aside); ``vectors``: the items (:func:`item_vectors`).
    The same object comes back when no theme is split.
    """
    themes = [int(t) for t in np.unique(labels) if t >= 0]
    if not themes or len(vectors) < 2:
        return labels
    xn = normalise(np.asarray(x, dtype=np.float64))
    rows = [np.flatnonzero(labels == t) for t in themes]
    centroids = normalise(np.vstack([xn[r].mean(axis=0) for r in rows]))
    sims = vectors @ centroids.T
    bars = closeness_bars([xn[r] for r in rows], centroids)
    out, fresh = labels, max(themes) + 1
    for k in range(len(themes)):
        near = [i for i in range(len(vectors))
                if int(np.argmax(sims[i])) == k and sims[i, k] >= bars[k]]
        if len(near) < 2:
            continue
        part = np.argmax(xn[rows[k]] @ vectors[near].T, axis=1)
        sizes = np.bincount(part, minlength=len(near))
        if sizes.min() < min_size:
            continue
        out = out.copy() if out is labels else out
        for j in range(1, len(near)):
            out[rows[k][part == j]] = fresh
            fresh += 1
    return out


def sign_ups_to_named(labels: np.ndarray, members: Sequence[Statement],
                      names: Mapping[int, str]) -> np.ndarray:
    """Labels with the statements of each sign-up turn moved to the theme whose recap name they
    repeat.

    After the recap, leaders sign up to take the priorities forward: "I'll take licensing.
    Curtis, you're with me.", "Installers, me and Doug." Such a turn says which priority by a
    word of its name, and little else, so the clustering put the sign-ups together (with the
    room's banter) into a candidate of their own, ranked high because everyone signed up. A
    statement of a turn with a sign-up (:data:`synth.text.statements.SIGN_UP`) goes to the
    theme whose name (``names``: theme number -> the recap item naming it) shares the most
    words with it, the sign-up's own words left out ("lead" is no "leads"); one sharing none,
    or as many with two names, stays where it is. ``labels[i]`` is ``members[i]``'s theme.
    """
    words = {t: _content(name) for t, name in names.items()}
    if not words:
        return labels
    out = labels.copy()
    row = {s.id: i for i, s in enumerate(members)}
    for turn in _turns(members):
        if not any(SIGN_UP.search(s.text) for s in turn):
            continue
        for s in turn:
            said = _content(SIGN_UP.sub(" ", s.text))
            shared = {t: len(said & w) for t, w in words.items()}
            most = max(shared.values())
            if most and sum(n == most for n in shared.values()) == 1:
                out[row[s.id]] = max(shared, key=lambda t: shared[t])
    return out


def _content(text: str) -> set[str]:
    """The words of ``text`` that can name a priority, singular and in lower case."""
    return {singular(w.lower()) for w in _WORD.findall(text)
            if len(w) > 2 and w.lower() not in STOP_WORDS}


def _turns(statements: Sequence[Statement]) -> list[list[Statement]]:
    """Statements grouped by turn, in order."""
    turns: dict[tuple[str, int], list[Statement]] = {}
    for s in sorted(statements, key=lambda s: s.position):
        turns.setdefault((s.recording_id, s.turn_index), []).append(s)
    return list(turns.values())


def _joined(turn: Sequence[Statement]) -> tuple[str, list[int]]:
    """The turn's statements joined by a space, and where each starts in the joined text."""
    starts, parts, at = [], [], 0
    for s in turn:
        starts.append(at)
        parts.append(s.text)
        at += len(s.text) + 1
    return " ".join(parts), starts


def _owner(turn: Sequence[Statement], starts: Sequence[int], at: int) -> str:
    """The id of the statement holding position ``at`` of the joined text."""
    k = max(i for i, start in enumerate(starts) if start <= at)
    return turn[k].id


def _clean(item: str, avoid: frozenset[str]) -> str:
    """The item as a name: cut at its first comma when long or when a person's name follows;
    empty when it reads as a clause rather than a name."""
    words = _WORD.findall(item)
    if not words or words[0].lower() in _NOT_A_NAME:
        return ""
    if len(words) > CUT_ITEM_WORDS or _names_someone(item, avoid):
        item = item.split(",")[0]
    if len(_WORD.findall(item)) > MAX_ITEM_WORDS or _names_someone(item, avoid):
        return ""
    # a name names something: "The folks you already have" is the room's shorthand, not one
    if not any(w.lower() not in STOP_WORDS and w.lower() not in FILLERS
               for w in _WORD.findall(item)):
        return ""
    name = item.strip(" ,-\u2014")
    return _capital(name)


def _coined(said: str, avoid: frozenset[str]) -> str:
    """What the facilitator calls an item they described: "I'd call it work readiness", "I'm
    going to write 'knowledge transfer from the retiring workforce'"; empty when they don't."""
    m = _COINED.search(said)
    return _clean(m.group("name"), avoid) if m else ""


def _names_someone(text: str, avoid: frozenset[str]) -> bool:
    return any(w.lower().removesuffix("'s") in avoid for w in _WORD.findall(text))


def _spoken_list(text: str, turn: Sequence[Statement], starts: Sequence[int],
                 avoid: frozenset[str]) -> list[tuple[int, str, str]]:
    """Runs of at least :data:`MIN_LIST_ITEMS` short sentences that hold only names of things
    ("Hiring. Training and apprenticeships. Childcare and housing.")."""
    out: list[tuple[int, str, str]] = []
    run: list[tuple[int, str, str]] = []
    for m in [*_SENTENCE.finditer(text), None]:
        item = _list_item(m.group(), avoid) if m is not None else ""
        if m is not None and item:
            at = m.start() + m.group().find(item.split()[0])
            run.append((at, _capital(item), _owner(turn, starts, m.start())))
            continue
        if len(run) >= MIN_LIST_ITEMS:
            out += run
        run = []
    return out


def _counted_list(text: str, turn: Sequence[Statement], starts: Sequence[int],
                  avoid: frozenset[str]) -> list[tuple[int, str, str]]:
    """The items of a list the facilitator announces with its count, in one sentence: "I'm
    hearing five things again and again, hiring, training and apprenticeships, childcare and
    housing, permits, and the supply chain" (Whisper writes a spoken list with commas)."""
    out: list[tuple[int, str, str]] = []
    for m in _COUNTED.finditer(text):
        items = _comma_items(m, avoid, MAX_LIST_WORDS)
        if len(items) >= MIN_LIST_ITEMS:
            out += [(at, _capital(item), _owner(turn, starts, at)) for at, item in items]
    return out


def _headed_lists(text: str, turn: Sequence[Statement], starts: Sequence[int],
                  avoid: frozenset[str]) -> list[tuple[int, str, str]]:
    """The items of lists under headings ("Existing: the supervision pool, the tech and peer
    pipeline, and Medicaid rates and billing. New: burnout and secondary trauma, and bilingual
    and culturally matched staff."), when the turn's headings hold at least
    :data:`MIN_LIST_ITEMS` items together. A piece may be as long as a numbered item's name."""
    out: list[tuple[int, str]] = []
    for m in _HEADED.finditer(text):
        if any(w.lower() in STOP_WORDS for w in _WORD.findall(m["head"])):
            continue  # "So: ..." is talk, not a heading
        items = _comma_items(m, frozenset(), CUT_ITEM_WORDS)
        if len(items) >= MIN_HEADED_ITEMS:
            out += items
    # a piece with a person's or place's name is still a piece of the list, but names nothing
    return [(at, _capital(item), _owner(turn, starts, at)) for at, item in out
            if not _names_someone(item, avoid)] if len(out) >= MIN_LIST_ITEMS else []


def _comma_items(m: re.Match[str], avoid: frozenset[str], most: int) -> list[tuple[int, str]]:
    """The comma-separated pieces of ``m``'s "list" group as list items, each with where its
    name starts in the text; none unless every piece is one."""
    pieces = [(m.start("list") + p.start(), p.group()) for p in _PIECE.finditer(m["list"])]
    items = [(at + piece.find(item.split()[0]), item) for at, piece in pieces
             if (item := _list_item(piece, avoid, most))]
    return items if len(items) == len(pieces) else []


def _capital(name: str) -> str:
    """The name with its first letter capitalised, the rest verbatim."""
    return name[:1].upper() + name[1:]


def _list_item(sentence: str, avoid: frozenset[str], most: int = MAX_LIST_WORDS) -> str:
    """The sentence as a list item ("And the supply chain." -> "supply chain"), or "" when it
    is more than a few words, or holds anything but content words and the words that join
    them ("Does that sound right?", "Okay.", "Thanks, Dana.")."""
    words = _WORD.findall(sentence)
    while words and words[0].lower() in _LEADING:
        words = words[1:]
    if not words or len(words) > most or _names_someone(" ".join(words), avoid):
        return ""
    for w in words:
        low = w.lower()
        if low in BACKCHANNEL_WORDS and low not in _JOINING or low in FILLERS:
            return ""
        if low in STOP_WORDS and low not in _JOINING:
            return ""
    if all(w.lower() in _JOINING for w in words):
        return ""
    return " ".join(words)
