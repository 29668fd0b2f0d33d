"""Turns -> statements: sentence-sized, verbatim units with full provenance.

spaCy splits each turn into sentences; fragments too short to stand alone ("For welders.")
join a neighbour in the same turn, so every statement is still one contiguous substring of its
turn. Back-channels and fillers stay in the transcript but are marked not clusterable, as is
facilitator talk (the partnership is industry-driven: priorities come from business voices).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span, Token

from synth.records import Participant, Statement, StatementKind, Turn
from synth.text.stop_words import STOP_WORDS

MIN_WORDS = 4  # a sentence with fewer words joins a neighbour
BACKCHANNEL_WORDS = {
    "yeah", "yes", "yep", "yup", "no", "nope", "okay", "ok", "right", "sure", "mm", "hmm", "mhm",
    "mm-hmm", "mm-hm", "uh-huh", "uh", "um", "er", "ah", "oh", "so", "well", "thanks", "thank",
    "you", "great", "good", "exactly", "absolutely", "true", "cool", "alright", "all", "i", "see",
    "got", "it", "agreed", "agree", "totally", "definitely", "wow", "nice", "huh", "and", "but",
    "that's", "interesting", "fair", "enough", "indeed", "really", "correct", "mmm", "hm",
}
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")
# Words of running the meeting rather than of the industry: greetings and thanks, starting and
# closing, microphones and recording, the room and food, taking turns, notes and the
# next meeting. A statement whose content words are (nearly) all of these is procedural: it
# stays in the transcript but never makes or joins a candidate priority.
PROCEDURAL_WORDS = frozenset(
    """
    morning afternoon evening welcome welcoming hello hi thanks thank thankful appreciate
    appreciated gentlemen ladies begin beginning kick kickoff wrap wrapping adjourn adjourned
    mic mike mics microphone microphones headset headsets channel recording recorder hear
    hearing testing loud louder volume coffee pot muffins pastries donuts lunch snacks
    breakfast pizza break restroom restrooms bathroom garage validated hosting hosted
    agenda notes minutes
    slides screen projector nametags introductions introduce yourselves quick reminder
    housekeeping circle round jump next meeting friday monday tuesday wednesday thursday
    """.split()
)
# A leader signing up to take a priority forward: "I'll take housing.", "Count me in",
# "Installers, me and Doug." (a partner's name after "me and"), "Derek, you and me". It says
# who, not what the priority is.
SIGN_UP = re.compile(r"\b(?:i'll|i will|we'll|we will)\s+(?:take|champion|lead|co-lead|own|do|"
                     r"chair|co-chair|handle|work\s+on)\b|\b(?:put|count|sign)\s+(?:me|us)\s+"
                     r"(?:down|in|up)\b|\bme\s+and\s+(?-i:[A-Z])|\byou\s+and\s+me\b",
                     re.IGNORECASE)
_STOP = frozenset(STOP_WORDS)  # the one list of words that carry no theme
_ADDRESS = frozenset("everybody everyone folks guys all".split())  # neither kind of word
_STAGE_DIRECTION = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")

# Cue words for the two questions a convening asks: opportunities for growth, and what is
# needed to seize them. Regexes over lower-cased tokens keep this free of a lemmatizer.
_OPPORTUNITY: list[list[dict[str, Any]]] = [
    [{"LOWER": {"REGEX": r"^(opportunit|grow|expan|invest|reshor|onshor|automat|innovat)"}}],
    [{"LOWER": {"REGEX": r"^(market|demand|contracts?|orders?|customers?|export)s?$"}}],
    [{"LOWER": {"IN": ["new", "emerging", "bigger", "more"]}},
     {"LOWER": {"REGEX": r"^(product|market|line|customer|business|work|plant|facilit)"}}],
    [{"LOWER": "going"}, {"LOWER": {"IN": ["to", "toward", "towards"]}}, {"LOWER": "be"}],
]
_NEED: list[list[dict[str, Any]]] = [
    [{"LOWER": {"REGEX": r"^(need|require|lack|shortage|struggl|challeng|problem|barrier|gap)"}}],
    [{"LOWER": {"REGEX": r"^(hard|difficult|tough|impossible)$"}}, {"LOWER": "to"}],
    [{"LOWER": {"IN": ["ca", "can", "cannot", "could"]}},
     {"LOWER": {"IN": ["n't", "not"]}, "OP": "?"},
     {"LOWER": {"IN": ["find", "hire", "keep", "fill", "get", "afford", "retain"]}}],
    [{"LOWER": "keeps"}, {"LOWER": "me"}, {"LOWER": "up"}],
    [{"LOWER": {"REGEX": r"^(wait|delay|backlog|bottleneck|cost|expensive|afford|turnover)"}}],
    [{"LOWER": {"IN": ["not", "no"]}}, {"LOWER": "enough"}],
]


_PHRASE_POS = {"NOUN", "PROPN", "ADJ"}
_HEAD_POS = {"NOUN", "PROPN"}
MAX_PHRASE_WORDS = 3


def _words(span: Span) -> list[tuple[str, Token]]:
    """The span's words, lower case, each with the token that decides its part of speech; a
    hyphenated word spaCy splits in three ("utility-scale", "third-party") stays one word,
    decided by its last part, so a label never reads "Scale batteries" or "Party inspection"."""
    toks = list(span)
    out: list[tuple[str, Token]] = []
    i = 0
    while i < len(toks):
        tok = toks[i]
        if (i + 2 < len(toks) and toks[i + 1].text == "-" and not tok.whitespace_
                and not toks[i + 1].whitespace_ and tok.is_alpha and toks[i + 2].is_alpha):
            out.append((f"{tok.lower_}-{toks[i + 2].lower_}", toks[i + 2]))
            i += 3
            continue
        out.append((tok.lower_, tok))
        i += 1
    return out


def noun_phrases(span: Span) -> tuple[str, ...]:
    """Runs of adjectives and nouns ending in a noun, up to three words: label candidates.

    Only nouns can head a label a facilitator would keep ("childcare center", not "run and
    love"), so verbs, adverbs, stop words and names (proper nouns other than acronyms) break a
    run.
    """
    out: list[str] = []
    run: list[str] = []
    heads: list[bool] = []
    for word, tok in [*_words(span), ("", None)]:
        # A capitalised proper noun is a person, place or company ("Marcus", "Birch Falls"),
        # never what a priority is about; an acronym ("CNC", "GMP") is kept.
        if (tok is not None and tok.pos_ in _PHRASE_POS and not tok.is_stop
                and word.replace("-", "").isalpha() and len(word) > 2
                and (tok.pos_ != "PROPN" or tok.text.isupper())):
            run.append(word)
            heads.append(tok.pos_ in _HEAD_POS)
            continue
        for end in range(len(run)):
            if not heads[end]:
                continue
            for size in range(1, min(MAX_PHRASE_WORDS, end + 1) + 1):
                out.append(" ".join(run[end - size + 1:end + 1]))
        run, heads = [], []
    return tuple(dict.fromkeys(out))


def statement_id(recording_id: str, turn_index: int, start: float, text: str) -> str:
    """Stable id: the same words at the same place in the same recording get the same id."""
    key = f"{recording_id}|{turn_index}|{start:.3f}|{text}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def said_words(text: str) -> int:
    """Words said in ``text``: stage directions ("(laughs)") are not words said."""
    return len(_WORD.findall(_STAGE_DIRECTION.sub(" ", text)))


def is_backchannel(text: str) -> bool:
    """True for fillers and acknowledgements that carry no content of their own."""
    words = [w.lower() for w in _WORD.findall(text)]
    return not words or (len(words) <= 4 and all(w in BACKCHANNEL_WORDS for w in words))


def introduces_speaker(text: str, speaker: str | None) -> bool:
    """True when ``text`` opens with the speaker's own first and last name: "Hank Dolezal,
    Dolezal Brothers." (a stage direction before it aside)."""
    own = {w.lower() for w in _WORD.findall(speaker or "") if len(w) > 2}
    if len(own) < 2:
        return False
    opening = [w.lower() for w in _WORD.findall(_STAGE_DIRECTION.sub(" ", text))[:3]]
    return sum(any(n.startswith(w) and len(w) > 2 for n in own) for w in opening) >= 2


def is_procedural(text: str, speaker: str | None = None) -> bool:
    """True for talk about running the meeting: a greeting, thanks, a mic check, logistics, a
    speaker introducing themselves ("Denise Hartman, CNO at Kettle River Medical Center.").

    Stage directions ("(laughs)") are not words said. Names of people and places (capitalised
    after the first word) are neither procedural nor content, so "Thanks to Maribel and the
    Grand for hosting us" is procedural while "thanks to the apprenticeship we kept him" is not.
    """
    said = _STAGE_DIRECTION.sub(" ", text)
    words = _WORD.findall(said)
    if not words:
        return False
    if introduces_speaker(text, speaker):
        return len(words) <= 20
    procedural = content = 0
    for i, w in enumerate(words):
        low = w.lower()
        if low in PROCEDURAL_WORDS:
            procedural += 1
        elif low in _STOP or low in BACKCHANNEL_WORDS or low in _ADDRESS or len(low) < 3:
            continue
        elif i > 0 and w[0].isupper() and not w.rstrip("s").isupper():
            continue  # a name; an acronym ("CDLs") is content
        else:
            content += 1
    return procedural >= 1 and (content == 0 or (procedural >= 2 and procedural >= 2 * content))


def _matcher(nlp: Language) -> Matcher:
    matcher = Matcher(nlp.vocab)
    matcher.add("opportunity", _OPPORTUNITY)
    matcher.add("need", _NEED)
    return matcher


def classify(doc: Doc, matcher: Matcher) -> StatementKind:
    """Opportunity, need/requirement or other, from cue patterns; needs win ties."""
    found = {doc.vocab.strings[m_id] for m_id, _, _ in matcher(doc)}
    if "need" in found:
        return "need"
    return "opportunity" if "opportunity" in found else "other"


def _spans(doc: Doc, min_words: int) -> list[tuple[int, int]]:
    """Character spans of sentences, short fragments merged into a neighbour."""
    spans: list[list[int]] = []
    for sent in doc.sents:
        text = sent.text.strip()
        if not text:
            continue
        start = sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
        end = start + len(text)
        short = len(_WORD.findall(text)) < min_words
        if spans and (short or len(_WORD.findall(doc.text[spans[-1][0]:spans[-1][1]])) < min_words):
            spans[-1][1] = end
        else:
            spans.append([start, end])
    return [(a, b) for a, b in spans]


def _times(turn: Turn, a: int, b: int) -> tuple[float, float]:
    """Start and end of characters a..b of the turn, from word timings when present."""
    if turn.words:
        offsets, pos = [], 0
        joined = "".join(w.text for w in turn.words)
        lead = len(joined) - len(joined.lstrip())
        for w in turn.words:
            offsets.append((pos - lead, pos - lead + len(w.text), w))
            pos += len(w.text)
        inside = [w for s, e, w in offsets if e > a and s < b]
        if inside:
            return inside[0].start, inside[-1].end
    length = max(len(turn.text), 1)
    span = turn.end - turn.start
    return (round(turn.start + span * a / length, 3), round(turn.start + span * b / length, 3))


def extract_statements(turns: Sequence[Turn], nlp: Language, *,
                       participants: Mapping[str, Participant] | None = None,
                       include_facilitator: bool = False, min_words: int = MIN_WORDS,
                       first_position: int = 0) -> list[Statement]:
    """Split turns into statements with provenance, kind and clusterability.

    ``participants`` maps speaker names to roster entries; a speaker whose role is
    ``facilitator`` is kept as context but not clustered unless ``include_facilitator``.
    """
    participants = participants or {}
    matcher = _matcher(nlp)
    out: list[Statement] = []
    docs: Iterable[Doc] = nlp.pipe((t.text for t in turns), batch_size=256)
    for turn, doc in zip(turns, docs, strict=True):
        role = participants.get(turn.speaker or "", Participant("")).role
        facilitator = role == "facilitator" and not include_facilitator
        introducing = False
        for n, (a, b) in enumerate(_spans(doc, min_words)):
            text = turn.text[a:b]
            start, end = _times(turn, a, b)
            span = doc.char_span(a, b, alignment_mode="expand") or doc[:]
            kind = classify(span.as_doc(), matcher)
            # After "Hank Dolezal, Dolezal Brothers." the turn goes on about the company ("We're
            # about forty-five people", "Fries, hash browns, dehydrated flakes") until the
            # speaker says what they see or need: that is their introduction too. Clustered, an
            # introduction round made a candidate of its own in three of the four check meetings.
            introducing = kind == "other" and (
                introducing or (n == 0 and introduces_speaker(text, turn.speaker)))
            out.append(Statement(
                id=statement_id(turn.recording_id, turn.index, start, text),
                recording_id=turn.recording_id, turn_index=turn.index, start=start, end=end,
                text=text, speaker=turn.speaker, line=turn.line, kind=kind,
                clusterable=not (facilitator or introducing or is_backchannel(text)
                                 or is_procedural(text, turn.speaker)),
                position=first_position + len(out), phrases=noun_phrases(span),
            ))
    return out
