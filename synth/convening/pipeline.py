"""One convening: recordings -> transcripts -> statements -> embeddings -> candidate priorities.

Each step is a function of the previous step's output; transcripts and embeddings are cached
by content hash, so re-running after adding a recording only does the new work.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from synth.errors import InputError
from synth.records import Note, Participant, Statement, Transcript
from synth.settings import Settings
from synth.settings import load as load_settings

if TYPE_CHECKING:
    from synth.themes.candidates import ThemeResult
    from synth.themes.followup import FollowUpMatch, KnownTopic

log = logging.getLogger(__name__)
Progress = Callable[[float, str], None]


@dataclass(frozen=True, slots=True)
class Convening:
    """Everything synth found in one convening's recordings."""

    transcripts: tuple[Transcript, ...]
    statements: tuple[Statement, ...]
    themes: object  # synth.themes.candidates.ThemeResult (kept loose to avoid importing it here)
    participants: tuple[Participant, ...] = ()
    # One embedding per statement, in order: the store keeps them, so nothing embeds twice.
    # None for a convening put together by hand, without models.
    vectors: np.ndarray | None = None
    # Whisper's word probabilities per statement id, worked out once by the pipeline; None for
    # a convening put together by hand (see :meth:`word_probs_by_statement`).
    word_probs: Mapping[str, tuple[float, ...]] | None = None
    # What the room wrote (issue 30): never statements of the talk, matched to candidates
    # afterwards (synth.themes.written.NoteMatch, one per note, in order).
    notes: tuple[Note, ...] = ()
    note_matches: tuple[object, ...] = ()
    # The partnership's known priorities (synth.themes.followup.KnownTopic) and where the talk
    # went among them (FollowUpMatch): statements attached to one were not clustered again.
    known: tuple[object, ...] = ()
    followup: object | None = None

    def word_probs_by_statement(self) -> Mapping[str, tuple[float, ...]]:
        """Statement id -> Whisper's word probabilities (none for typed transcripts)."""
        if self.word_probs is not None:
            return self.word_probs
        from synth.themes.quotes import statement_word_probs

        turns = [turn for t in self.transcripts for turn in t.turns]
        return statement_word_probs(self.statements, turns)


def _stage(progress: Progress | None, lo: float, hi: float) -> Progress | None:
    """Map a step's own 0..1 progress into its slice of the whole job."""
    if progress is None:
        return None
    return lambda done, msg: progress(lo + (hi - lo) * done, msg)


def talk_time_by_role(transcripts: Sequence[Transcript],
                      participants: Mapping[str, Participant]) -> dict[str, float]:
    """Share of talk time by role (business, public, facilitator, other, unknown speaker)."""
    seconds: dict[str, float] = defaultdict(float)
    for t in transcripts:
        for turn in t.turns:
            if turn.speaker is None:
                role = "unknown"
            else:
                role = participants.get(turn.speaker, Participant(turn.speaker, role="other")).role
            seconds[role] += max(turn.end - turn.start, 0.0)
    total = sum(seconds.values()) or 1.0
    return {role: round(s / total, 4) for role, s in sorted(seconds.items())}


def synthesize(inputs: Sequence[str | Path], *, settings: Settings | None = None,
               roster: Sequence[Participant] = (), model: str | None = None,
               speakers: str | int | None = None, theme_settings: object | None = None,
               include_facilitator: bool = False, force: bool = False,
               priorities: str | Path | None = None,
               voices: Mapping[str, str | Path] | None = None,
               known_speakers: Mapping[str, str] | None = None,
               notes: Sequence[str | Path] = (), known: Sequence[KnownTopic] = (),
               progress: Progress | None = None) -> Convening:
    """Run the whole pipeline on the recordings (or transcripts) of one convening.

    ``notes`` are the files of what the room wrote (:mod:`synth.text.notes`), matched to the
    candidates the talk forms. ``voices`` (roster name -> voice sample,
    :func:`synth.text.roster.load_voices`) names the speakers whose voices match;
    ``known_speakers`` is what a facilitator already said about the labels and ``known`` the
    partnership's known priorities (see :func:`synthesize_transcripts`).
    """
    from synth.text.notes import read_notes
    from synth.themes.priorities import load_priorities

    settings = settings or load_settings()
    load_priorities(priorities)  # a bad priority list fails before hours of transcription
    written = [note for path in notes for note in read_notes(path)]  # and bad notes too
    if not inputs:
        raise InputError("no inputs: give the recordings or transcripts of the convening.")
    if speakers == "roster":
        # The roster bounds how many voices there are; the voice encoder alone often
        # under-counts similar voices (see pipelines/evaluate_speakers.py).
        if not roster:
            raise InputError("--speakers roster needs --roster with the people in the room.")
        speakers = len(roster)
    transcripts, seen = _transcribe_all(inputs, settings=settings, model=model,
                                        speakers=speakers, force=force, progress=progress,
                                        voices=voices)
    if speakers is not None and len(transcripts) > 1:
        # Several recordings of one convening: the same voice gets the same label in all.
        from synth.audio.speakers import share_speakers

        transcripts = share_speakers(transcripts, [seen[t.recording.id] for t in transcripts])
    if speakers is not None and voices:
        # Speakers whose voice matches a roster person's sample take that person's name, so
        # roles, companies and breadth apply without anyone mapping labels by hand.
        from synth.audio.speakers import name_speakers

        transcripts = name_speakers(transcripts, [seen[t.recording.id] for t in transcripts],
                                    voices)
    return synthesize_transcripts(transcripts, settings=settings, roster=roster,
                                  theme_settings=theme_settings,
                                  include_facilitator=include_facilitator,
                                  priorities=priorities, known_speakers=known_speakers,
                                  notes=written, known=known,
                                  progress=_stage(progress, 0.6, 1.0))


def _transcribe_all(inputs: Sequence[str | Path], *, settings: Settings, model: str | None,
                    speakers: str | int | None, force: bool, progress: Progress | None,
                    voices: Mapping[str, str | Path] | None = None,
                    ) -> tuple[list[Transcript], dict[str, str]]:
    """Each recording transcribed once (a copy under another name is skipped), with the path
    each kept transcript came from, by recording id; ``voices`` help tell the speakers apart."""
    from synth.audio.transcribe import transcribe_file

    seen: dict[str, str] = {}
    transcripts: list[Transcript] = []
    for n, path in enumerate(inputs):
        step = _stage(progress, 0.6 * n / len(inputs), 0.6 * (n + 1) / len(inputs))
        t = transcribe_file(path, settings=settings, model=model, speakers=speakers,
                            force=force, progress=step, voices=voices)
        if t.recording.id in seen:
            # The same bytes twice (a copy under another name) would double every voice.
            log.warning("%s is the same recording as %s; using it once", path,
                        seen[t.recording.id])
            continue
        seen[t.recording.id] = str(path)
        transcripts.append(t)
    return transcripts, seen


def synthesize_transcripts(transcripts: Sequence[Transcript], *, settings: Settings | None = None,
                           roster: Sequence[Participant] = (),
                           theme_settings: object | None = None,
                           include_facilitator: bool = False,
                           priorities: str | Path | None = None,
                           known_speakers: Mapping[str, str] | None = None,
                           notes: Sequence[Note] = (), known: Sequence[KnownTopic] = (),
                           progress: Progress | None = None) -> Convening:
    """Statements, embeddings and candidate priorities of already transcribed recordings,
    and the ``notes`` the room wrote matched to them (:func:`attach_written`).

    ``priorities`` is a priority list file (see :mod:`synth.themes.priorities`); the one
    shipped with synth by default. ``known_speakers`` maps speaker labels to roster names (a
    facilitator's mapping in the app), so a re-run treats a label mapped to a facilitator as
    facilitator talk (kept, never clustered) and counts a label mapped to a business leader as
    one. ``known``: the partnership's known priorities, matched first (:func:`map_known`).

    The second half of :func:`synthesize`; ``pipelines/batch.py`` calls it with transcripts
    made elsewhere (one per recording, possibly on another worker).
    """
    from synth import models
    from synth.text.embed import embed_texts
    from synth.themes.candidates import ThemeSettings, find_themes
    from synth.themes.followup import new_apart
    from synth.themes.priorities import embed_priorities, load_priorities
    from synth.themes.quotes import statement_word_probs

    settings = settings or load_settings()
    common = load_priorities(priorities)  # a bad list file fails before any slow step
    people = {p.name: p for p in roster}
    people.update({label: people[name] for label, name in (known_speakers or {}).items()
                   if name in people and label not in people})
    if progress:
        progress(0.0, "splitting statements")
    statements = _split(transcripts, settings, people, include_facilitator)
    if progress:
        progress(0.25, "embedding statements")
    # The embedder from these settings (device, model folder), not from the environment; the
    # priority list is embedded by the same model, so the two can be compared.
    embedder = models.load_embedder(settings) if statements else None
    vectors = embed_texts([s.text for s in statements], model=embedder,
                          cache_dir=settings.cache_dir, progress=_stage(progress, 0.25, 0.5))
    def embed(texts: Sequence[str]) -> np.ndarray:  # the statements' model, and their cache
        return embed_texts(texts, model=embedder, cache_dir=settings.cache_dir)

    plist = embed_priorities(common, embed) if statements else None
    probs = statement_word_probs(statements, [turn for t in transcripts for turn in t.turns])
    topics, followup = map_known(statements, vectors, known, embedder, settings)
    # The whole meeting, its talk intact; known priorities raised again are kept apart below.
    themes = find_themes(statements, vectors,
                         settings=theme_settings or ThemeSettings(),  # type: ignore[arg-type]
                         participants=people, priorities=plist, word_probs=probs,
                         embed=embed, progress=_stage(progress, 0.5, 1.0))
    if followup is not None:
        followup, themes = new_apart(statements, vectors, followup, themes, topics,
                                     participants=people, word_probs=probs)
    themes = with_known(themes, statements, vectors, followup, topics, people, probs)
    matches = attach_written(notes, statements, vectors, themes.assignment, embed)
    return Convening(tuple(transcripts), tuple(statements), themes, tuple(roster), vectors,
                     probs, tuple(notes), matches, tuple(topics), followup)


def _split(transcripts: Sequence[Transcript], settings: Settings,
           people: Mapping[str, Participant], include_facilitator: bool) -> list[Statement]:
    """The statements of every recording, numbered in order across them."""
    from synth import models
    from synth.text.statements import extract_statements

    nlp = models.load_nlp(settings)
    statements: list[Statement] = []
    for t in transcripts:
        statements += extract_statements(t.turns, nlp, participants=people,
                                         include_facilitator=include_facilitator,
                                         first_position=len(statements))
    return statements


def with_known(themes: ThemeResult, statements: Sequence[Statement], vectors: np.ndarray,
               match: FollowUpMatch | None, topics: Sequence[KnownTopic],
               people: Mapping[str, Participant],
               probs: Mapping[str, Sequence[float]]) -> ThemeResult:
    """The candidates, then one theme per known priority raised again (its statements'
    theme in the assignment), so the store keeps them too; the candidates unchanged when
    nothing was known."""
    from synth.themes.followup import known_themes

    if match is None:
        return themes
    extra = known_themes(statements, vectors, match, topics, participants=people,
                         word_probs=probs)
    assignment = dict(themes.assignment)
    assignment.update({sid: t.id for t in extra for sid in t.statement_ids})
    return replace(themes, themes=themes.themes + extra, assignment=assignment)


def map_known(statements: Sequence[Statement], vectors: np.ndarray, known: Sequence[KnownTopic],
              embedder: object, settings: Settings
              ) -> tuple[Sequence[KnownTopic], FollowUpMatch | None]:
    """The known priorities (names and pending statements embedded by the statements'
    ``embedder``) and where the statements went among them; with nothing known, no match.
    The pipeline clusters the whole meeting either way and keeps the new candidates apart
    (:func:`synth.themes.followup.new_apart`)."""
    from synth.text.embed import embed_texts
    from synth.themes.followup import embedded, match_known

    if not known or not statements:  # nothing to match: no model needed
        return tuple(known), None
    topics = embedded(known, lambda texts: embed_texts(
        texts, model=embedder, cache_dir=settings.cache_dir))  # type: ignore[arg-type]
    return topics, match_known(statements, vectors, topics)


def attach_written(notes: Sequence[Note], statements: Sequence[Statement], vectors: np.ndarray,
                   assignment: Mapping[str, str | None],
                   embed: Callable[[list[str]], np.ndarray]) -> tuple[object, ...]:
    """The notes matched to the candidates of the statements they are nearest to, by the
    model that embedded the statements (:func:`synth.themes.written.attach_notes`)."""
    from synth.themes.written import attach_notes

    if not notes:
        return ()
    said = [n for n, s in enumerate(statements) if s.clusterable]
    if not said:  # nothing said to match: every note is unmatched, no model needed
        return attach_notes(notes, np.zeros((len(notes), 1)), [], np.zeros((0, 1)), assignment)
    return attach_notes(notes, embed([n.text for n in notes]), [statements[n].id for n in said],
                        vectors[said], assignment)
