"""The one rule that picks a priority's quotes, wherever they show: the result file, the
review cards, the ballot and every export.

A quote is a statement's own words, never edited: verbatim, with who said it and where (a
time in a recording, or a line of a typed transcript, which has no real times). The rule,
in order of what matters most:

1. never quoted: procedural talk (greetings, mic checks, logistics), fillers, and the
   facilitator's own words (the room's priorities are the room's, not the convener's);
2. at least ``MIN_WORDS`` words (and at most ``MAX_WORDS``): a shorter statement is quoted
   only when a priority has nothing longer;
3. clear: a whole sentence (never "...retiring. So", cut at a turn's edge) that stands on its
   own (never "Which subs show up, which inspector wants what.", "And service managers."),
   makes its point rather than announcing it ("Here's the thing on the young ones, though."),
   whose words Whisper heard with confidence, so a quote does not read wrong ("two blood
   welders"), and that states the priority rather than who signs up for it ("I'll take
   housing.");
4. on the priority: at least as near its centre and its name as its median statement (when
   vectors are known), so that a fourth voice's aside ("We have a little robot that sorts
   M&Ms.") never displaces a second statement of the point;
5. distinct speakers first: a priority is as broad as its voices;
6. business leaders first: the partnership is industry-led;
7. then the statement nearest the priority's centre and its name (when vectors are known),
   one that answers the convening's questions (an opportunity or a need), with the surest
   words, and a statement rather than a question.

Rule 4, measured on the six convening dev and four check meetings (244 quotes): quotes on a line
whose gold priority is the candidate's own (the one most of its lines carry) 78.3% -> 82.4%,
on lines the gold leaves blank 4.5% -> 3.7%; distinct speakers per candidate 3.82 -> 3.61.

Every layer maps what it holds (pipeline statements, stored rows, the app's view) onto a
:class:`Candidate` and calls :func:`choose`; :func:`pick_quotes` does that for the pipeline. The
stored rows lack the embeddings and the name the pipeline picks with, so the store keeps the
pipeline's picks in order, and the other layers pass them back as ``ranks``.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from synth.records import Participant, Quote, Statement, Turn
from synth.text.statements import BACKCHANNEL_WORDS, SIGN_UP, is_procedural

log = logging.getLogger(__name__)

MIN_WORDS = 8
MAX_WORDS = 60
# Whisper's probability under which a word is marked as unsure (worse than even odds). On the
# sample convening with tiny.en 12% of the words fall under it, the misheard ones among them
# ("melee", "comersie"); the median word is at 0.93.
DOUBTFUL = 0.5
MARK = "[?]"  # after an unsure word in the card: a hint to listen, the words left as said

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")
_TOKEN = re.compile(r"\S+")
_CLOSERS = re.escape("\"'\u201d\u2019)]")
# A sentence end followed by a few words with no end of their own: a turn cut mid-sentence.
_CUT_TAIL = re.compile(rf"[.!?][{_CLOSERS}]*\s+\S+(?:\s+\S+){{0,3}}$")
_ENDS = re.compile(rf"[.!?][{_CLOSERS}]*$")
_ASKS = re.compile(rf"\?[{_CLOSERS}]*\s*$")
# A statement opening with a word that leans on what was said before it ("And...", "Because
# nobody ever showed him...", "That's another job...") reads as half of an exchange when it
# stands alone on a card. A facilitator reading three check meetings counted such fragments
# among the least useful quotes; demoting them, the dev, check and two further meetings' quotes
# opening so went from 30%, 18% and 11% to 0-1%, while the share of quotes on lines the gold
# leaves blank stayed level (7%, 13%, 21% against 6%, 12%, 20%).
_LEANS_BACK = re.compile(r"^\W*(?:and|but|or|so|because|which|plus|then|also|like|that's|"
                         r"that\s+is)\b", re.IGNORECASE)
# A statement whose subject is someone or something said before ("She hasn't taken a vacation in
# two years.", "Now she runs the plant when I'm out.", "If he walks, I'm calling a contractor")
# reads on a card as if a quote were missing: a facilitator reading seven meetings' quotes
# blind counted these as unclear.
_POINTS_BACK = re.compile(r"^\W*(?:(?:now|if|when|then|yeah|well|honestly),?\s+)?"
                          r"(?:he|she|they|him|her|them|his|their|those|these)\b", re.IGNORECASE)
# A short statement that announces what the speaker is about to say, or returns to, instead of
# saying it ("Here's the thing on the young ones, though.", "On the maintenance side, I'll tell
# you what keeps me up.", "I want to come back to the screening."): on a card it promises a
# point the card does not hold. A facilitator reading five meetings named such lead-ins among
# the worst quotes. Longer statements carry their point after the lead-in ("Going back to Gene,
# I think what worries me is we don't have any process.") and stay.
_LEAD_IN = re.compile(
    r"\b(?:here's the (?:thing|deal|problem)|i'll tell you what|let me tell you|"
    r"(?:can i|let me|i want to|i'd like to|just to|i'll|i keep)\s+(?:just\s+)?"
    r"(?:come|coming|go|going|get|getting) back (?:to|on)|"
    r"^\W*(?:\w+,?\s+)?(?:going|coming|getting) back (?:to|on)|one more thing|"
    r"(?:two|three|a couple of) things|i'd second that|add(?:ing)? to (?:that|what)|"
    r"building on|piggyback(?:ing)? on|jump(?:ing)? (?:in|on)|speaking of|"
    r"can i (?:just )?(?:say|add) (?:something|one thing|one more))\b", re.IGNORECASE)
LEAD_IN_WORDS = 12  # a lead-in with this many words or more says something of its own
_DISFLUENCIES = frozenset("uh um er ah mm hmm".split())  # not counted as words said
# A leader signing up (synth.text.statements.SIGN_UP: "I'll take housing.", "Count me in on the
# apprenticeship, I'll champion that one.") says who, not what the priority is: a card reads
# better with the need. Three of 280 quotes of the dev, check and two further meetings were such
# sign-ups. "I'll take two of them" said mid-meeting reads the same and is demoted too: still
# quoted when a theme has nothing better, as a cut sentence is.
# Words that fill speech without carrying content, beside the back-channel words.
_FILLER_WORDS = frozenset(
    "like know mean kind sort just gonna yeah um uh the a an to of is it this that".split())


@dataclass(frozen=True, slots=True)
class Candidate:
    """A statement as the quote rule sees it, from whichever layer holds it."""

    id: str
    text: str  # verbatim
    speaker: str | None = None
    role: str = "other"  # business, public, facilitator or other
    kind: str = "other"  # opportunity, need or other
    position: int = 0  # order in the convening: the earlier of two equal statements wins
    # Whisper's probability of each word (one per whitespace-separated word of ``text``);
    # empty for a typed transcript, whose words are as written.
    word_probs: tuple[float, ...] = ()


def word_count(text: str) -> int:
    """Words in ``text`` (numbers count; punctuation does not)."""
    return len(_WORD.findall(text))


def is_filler(text: str) -> bool:
    """True when fewer than three words carry content: "yeah, so, you know, um, right"."""
    content = [w for w in _WORD.findall(text) if w.lower() not in BACKCHANNEL_WORDS
               and w.lower() not in _FILLER_WORDS]
    return len(content) < 3



def is_whole(text: str) -> bool:
    """True for whole sentences: starts as a sentence starts, ends with its end, and leaves no
    fragment after the last end (a turn cut at its edge: "...retiring. So", "years ago, and we
    are still waiting on the"). A text with neither capitals nor sentence ends (a typed line
    written without them) cannot be judged and counts as whole."""
    stripped = text.strip().lstrip("\"'\u201c\u2018([")
    if not re.search(r"[A-Z.!?]", stripped):
        return True
    if not stripped or not (stripped[0].isupper() or stripped[0].isdigit()):
        return False
    return not _CUT_TAIL.search(stripped) and bool(_ENDS.search(stripped))


def doubtful(c: Candidate) -> list[bool]:
    """For each whitespace-separated word of the candidate: did Whisper hear it unsure?"""
    tokens = _TOKEN.findall(c.text)
    if len(c.word_probs) != len(tokens):
        return [False] * len(tokens)  # no probabilities (typed) or not aligned: nothing marked
    return [p < DOUBTFUL for p in c.word_probs]


def marked(c: Candidate) -> str:
    """The candidate's words exactly as said, with :data:`MARK` after each unsure word."""
    flags = iter(doubtful(c))
    return _TOKEN.sub(lambda m: m.group(0) + (MARK if next(flags) else ""), c.text)


def confidence(c: Candidate) -> float:
    """Mean word probability (1.0 for a typed transcript: its words are as written)."""
    return float(np.mean(c.word_probs)) if c.word_probs else 1.0


def stands_alone(text: str) -> bool:
    """False when the statement opens with a word that leans on what came before ("And...",
    "Which...", "Because...", "That's...") or with someone said before ("She...", "If he...")."""
    return not _LEANS_BACK.match(text) and not _POINTS_BACK.match(text)


def announces(text: str) -> bool:
    """True for a short lead-in that announces a point without making it ("Here's the thing
    on the young ones, though.", "Can I go back to safety?")."""
    said = [w for w in _WORD.findall(text) if w.lower() not in _DISFLUENCIES]
    return len(said) < LEAD_IN_WORDS and bool(_LEAD_IN.search(text))


def is_clear(c: Candidate) -> bool:
    """A whole sentence that stands on its own and makes its point, with no word Whisper was
    unsure of, that is not someone signing up to lead."""
    return (is_whole(c.text) and stands_alone(c.text) and not announces(c.text)
            and not SIGN_UP.search(c.text) and not any(doubtful(c)))


def never_quoted(c: Candidate) -> bool:
    """Procedural talk, fillers and the facilitator's words are never a priority's quote."""
    return (c.role == "facilitator" or is_filler(c.text)
            or is_procedural(c.text, c.speaker))


def choose(candidates: Sequence[Candidate], n: int = 3,
           vectors: np.ndarray | None = None, anchor: np.ndarray | None = None,
           ranks: Mapping[str, int] | None = None) -> list[Candidate]:
    """Up to ``n`` quotes of one priority by the rule in this module's docstring, best first.

    ``vectors`` (one row per candidate, optional) adds closeness to the priority's centre and
    steers away from a second quote that says the same as one already picked. ``anchor`` (the
    priority's name embedded like the statements, optional) adds closeness to the name: the
    statement that says what the candidate is named for, rather than the company background or
    banter that sits near its centre. Read blind beside quotes picked by the centre alone, on
    seven convenings, such quotes won 22 of 34 candidates (7 lost, 5 tied).

    ``ranks`` (candidate id -> place among the quotes the pipeline picked, 0 first) is how a
    layer without the vectors and the name (the stored rows: review cards, ballot, exports)
    shows what the pipeline picked: within the length and clarity tiers, a ranked candidate
    comes before any other, in its order. Such a layer picks by the rest of the rule only
    where the pipeline's quotes ran out (withdrawn, moved, a theme split or merged).
    """
    pool = [i for i, c in enumerate(candidates) if not never_quoted(c)]
    if not pool or n <= 0:
        return []
    relevance = np.zeros(len(candidates))
    unit = None
    if vectors is not None and len(vectors) == len(candidates):
        unit = vectors.astype(np.float64)
        unit /= np.maximum(np.linalg.norm(unit, axis=1, keepdims=True), 1e-12)
        centre = unit[pool].mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        relevance = unit @ centre
        if anchor is not None:
            # closeness to the name counts as much as closeness to the centre
            relevance = relevance + unit @ (anchor / max(float(np.linalg.norm(anchor)), 1e-12))
    fixed = {i: _fixed_key(candidates[i], float(relevance[i])) for i in pool}
    # off the priority: less near it than its median statement (nothing is, without vectors)
    median = float(np.median(relevance[pool]))
    off = {i: unit is not None and bool(relevance[i] < median) for i in pool}
    placed = ranks or {}
    chosen: list[int] = []
    quoted: Counter[str] = Counter()
    while len(chosen) < min(n, len(pool)):
        def key(i: int) -> tuple[float, ...]:
            fits, clear, business, score = fixed[i]
            redundancy = max((float(unit[i] @ unit[j]) for j in chosen), default=0.0) \
                if unit is not None else 0.0
            repeats = quoted[candidates[i].speaker or ""]
            return (fits, clear, placed.get(candidates[i].id, len(candidates)), off[i], repeats,
                    business, -(score - 0.5 * redundancy), candidates[i].position)

        best = min((i for i in pool if i not in chosen), key=key)
        chosen.append(best)
        quoted[candidates[best].speaker or ""] += 1
    return [candidates[i] for i in chosen]


def _fixed_key(c: Candidate, relevance: float) -> tuple[int, int, int, float]:
    """The parts of a candidate's rank that do not depend on what is already picked."""
    words = word_count(c.text)
    fits = 0 if MIN_WORDS <= words <= MAX_WORDS else 1
    # Answers to the convening's two questions read as priorities; surer words read right; a
    # question ("Can I say something about the seasonal piece?") states less than an answer.
    score = (relevance + 0.1 * (c.kind != "other") + 0.3 * confidence(c)
             - 0.2 * bool(_ASKS.search(c.text)))
    # a sign-up comes after even an unclear statement: it names who, not what (on the recording
    # Whisper leaves nearly every statement with an unsure word)
    clear = 0 if is_clear(c) else 2 if SIGN_UP.search(c.text) else 1
    return fits, clear, 0 if c.role == "business" else 1, score


def said_at(start: float, line: int | None) -> str:
    """Where a quote was said: its line in a typed transcript (0-based ``line``, shown from
    1), else its time in the recording (``m:ss`` or ``h:mm:ss``). A typed transcript's times
    are estimates from its word counts, so they are never shown as times."""
    if line is not None:
        return f"line {line + 1}"
    m, s = divmod(int(start), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


# --- the pipeline's statements --------------------------------------------------------------


def pick_quotes(members: Sequence[Statement], vectors: np.ndarray | None = None, n: int = 4, *,
                participants: Mapping[str, Participant] | None = None,
                word_probs: Mapping[str, Sequence[float]] | None = None,
                anchor: np.ndarray | None = None) -> tuple[Quote, ...]:
    """Up to ``n`` verbatim quotes of a theme's statements, best first (see :func:`choose`).

    ``participants`` (speaker name -> roster entry) gives roles; ``word_probs`` (statement id
    -> Whisper's word probabilities, see :func:`statement_word_probs`) gives clarity;
    ``anchor``: the theme's name as a vector (see :func:`choose`).
    """
    people = participants or {}
    probs = word_probs or {}
    candidates = [Candidate(s.id, s.text, s.speaker,
                            people[s.speaker].role
                            if s.speaker is not None and s.speaker in people else "other",
                            s.kind, s.position, tuple(probs.get(s.id, ())))
                  for s in members]
    by_id = {s.id: s for s in members}
    return tuple(Quote(statement_id=s.id, text=s.text, speaker=s.speaker, start=s.start,
                       end=s.end, recording_id=s.recording_id, line=s.line)
                 for s in (by_id[c.id] for c in choose(candidates, n, vectors, anchor)))


def statement_word_probs(statements: Sequence[Statement],
                         turns: Sequence[Turn]) -> dict[str, tuple[float, ...]]:
    """Whisper's probability of each word of each statement (statement id -> one per
    whitespace-separated word of its text); statements of typed transcripts are left out.

    A word the statement shares with several of Whisper's words (or cuts) takes the lowest.
    """
    by_turn = {(t.recording_id, t.index): t for t in turns if t.words}
    out: dict[str, tuple[float, ...]] = {}
    for s in statements:
        turn = by_turn.get((s.recording_id, s.turn_index))
        if turn is not None and (probs := _probs_in_turn(s, turn)):
            out[s.id] = probs
    return out


def _probs_in_turn(s: Statement, turn: Turn) -> tuple[float, ...]:
    joined = "".join(w.text for w in turn.words)
    if joined.strip() != turn.text:
        return ()  # the turn's text is not its words verbatim: nothing to align
    lead = len(joined) - len(joined.lstrip())
    spans, pos = [], 0
    for w in turn.words:
        spans.append((pos - lead, pos - lead + len(w.text), w))
        pos += len(w.text)
    # The same words may be said twice in one turn: the occurrence that starts at the
    # statement's start time is the statement.
    best, best_gap = None, float("inf")
    for m in re.finditer(re.escape(s.text), turn.text):
        first = next((w for a, b, w in spans if b > m.start() and a < m.end()), None)
        gap = abs(first.start - s.start) if first is not None else float("inf")
        if gap < best_gap:
            best, best_gap = m.start(), gap
    if best is None:
        return ()
    probs = []
    for tok in _TOKEN.finditer(s.text):
        a, b = best + tok.start(), best + tok.end()
        inside = [w.probability for x, y, w in spans if y > a and x < b and w.text.strip()]
        probs.append(round(min(inside), 3) if inside else 1.0)
    return tuple(probs)
