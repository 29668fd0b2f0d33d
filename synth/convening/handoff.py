"""The one hand-off from pipeline to store: a convening's result as the store's records.

The records are the ones a result file is read into (:mod:`synth.store.result`), so a result
imported in-process and the same result imported from its JSON are the same records with the
same digest; only the in-process one carries the statement vectors, which the store keeps
instead of embedding the statements again.
"""

from __future__ import annotations

from synth.convening.pipeline import Convening, talk_time_by_role
from synth.store.result import (
    NoteIn,
    ParticipantIn,
    RecordingIn,
    ResultIn,
    StatementIn,
    ThemeIn,
    make_result,
)


def to_result(c: Convening, *, source: str) -> ResultIn:
    """The convening's result as the store imports it; ``source`` names it (file names)."""
    # Whisper's word probabilities go with each statement, so the store can pick and mark
    # quotes by them; a typed transcript's statements have none.
    probs = c.word_probs_by_statement()
    statements = tuple(
        StatementIn(id=s.id, text=s.text, speaker=s.speaker, start=float(s.start),
                    end=float(s.end), recording=s.recording_id, line=s.line, turn=s.turn_index,
                    kind=s.kind, clusterable=s.clusterable, position=n,
                    word_probs=tuple(float(p) for p in probs.get(s.id, ())))
        for n, s in enumerate(c.statements))
    raised = known_of(c)
    themes = tuple(ThemeIn(id=str(t.id), label=t.label, label_generated=t.label_generated,
                           keywords=tuple(t.keywords), statement_ids=tuple(t.statement_ids),
                           stability=float(t.stability), read_back=t.read_back,
                           known_priority=raised.get(str(t.id)),
                           quotes=tuple(q.statement_id for q in t.quotes))
                   for t in c.themes.themes)  # type: ignore[attr-defined]
    vectors = {} if c.vectors is None else dict(zip((s.id for s in c.statements), c.vectors,
                                                    strict=True))
    return make_result(
        source=source,
        recordings=tuple(RecordingIn(t.recording.id, t.recording.name, t.recording.kind,
                                     None if t.recording.duration is None
                                     else float(t.recording.duration))
                         for t in c.transcripts),
        participants=tuple(ParticipantIn(p.name, p.company, p.role) for p in c.participants),
        talk_time_by_role=talk_time_by_role(c.transcripts, {p.name: p for p in c.participants}),
        statements=statements, themes=themes, vectors=vectors, notes=notes_of(c))


def known_of(c: Convening) -> dict[str, int]:
    """Theme id -> the stored priority it raises again (the themes of the partnership's known
    priorities, :func:`synth.themes.followup.known_themes`), as a result file's
    ``known_priority`` says it, so both imports give the same digest."""
    from synth.themes.followup import KnownTopic, theme_id_of

    return {theme_id_of(k.id): k.id for k in c.known
            if isinstance(k, KnownTopic) and isinstance(k.id, int)}


def notes_of(c: Convening) -> tuple[NoteIn, ...]:
    """What the room wrote, each note with the candidate it was matched to: the same records
    a result file's ``notes`` are read into, so both imports give the same digest."""
    from synth.themes.written import NoteMatch

    matches = {m.note_id: m for m in c.note_matches if isinstance(m, NoteMatch)}
    return tuple(NoteIn(id=n.id, text=n.text, file=n.file, line=n.line, author=n.author,
                        table=n.table, sheet=n.sheet, dots=n.dots,
                        theme=matches[n.id].theme_id if n.id in matches else None,
                        statement_id=matches[n.id].statement_id if n.id in matches else None,
                        similarity=matches[n.id].similarity if n.id in matches else None)
                 for n in c.notes)
