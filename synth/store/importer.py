"""Import a pipeline result into a convening, first time or re-run, in one transaction.

A re-run keeps every facilitator decision. Stored themes are matched to the new candidates
by :mod:`synth.store.matching` (shared statements, then centroid similarity); then:

* a theme a facilitator acted on (confirmed, discarded, renamed, merged, split, moved to or
  from, created by hand: ``edited``) keeps its label, status and members; new statements of
  the candidates matched to it join it;
* an untouched candidate that matches takes the re-run's members, label and keywords; one
  that matches nothing is dropped (it held no decision);
* a pinned statement (moved by hand) stays where the facilitator put it, and a statement in
  an edited theme stays there;
* a new candidate that matches nothing comes in as a candidate;
* a candidate that raises a partnership priority again (``known_priority``, issue 29) is
  linked to that priority and stays a candidate: confirming it keeps the link;
* statements the re-run no longer has (a recording left out) are kept, with their themes;
* a result with notes (what the room wrote) replaces the stored notes: each goes to the
  stored theme its candidate went to, except a note in a theme a facilitator holds, which
  stays, and a note already stored keeps the paper dots entered for it. A result without
  notes leaves the stored notes as they are.

The whole import is one transaction: a bad file or a killed process changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from synth.errors import InputError
from synth.store import audit, queries
from synth.store.db import transaction
from synth.store.matching import Members, centroid, match_themes
from synth.store.notes import notes_of, warn_dropped_count
from synth.store.result import NoteIn, ResultIn, StatementIn
from synth.store.schema import (
    CONVENING_KINDS,
    Membership,
    PriorityTheme,
    Run,
    Speaker,
    StatementVector,
    StoredConvening,
    StoredNote,
    StoredParticipant,
    StoredRecording,
    StoredStatement,
    StoredTheme,
    utcnow,
)
from synth.store.withdrawn import mark_withdrawn, text_hash

log = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
FLUSH_EVERY = 500  # statements per flush: bounded memory on large convenings


@dataclass(frozen=True, slots=True)
class ConveningSpec:
    """Where to import: found by partnership and title, created if new."""

    title: str
    industry: str = "unspecified"
    region: str = "unspecified"
    date: dt.date | None = None
    kind: str = "launch"


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did."""

    convening_id: int
    run_id: int
    statements_added: int
    statements_updated: int
    themes_matched: int
    themes_new: int
    themes_dropped: int


def import_result(engine: Engine, result: ResultIn, *, convening: int | ConveningSpec,
                  who: str | None = None, progress: Progress | None = None) -> ImportReport:
    """Import a checked result: the pipeline's own (:func:`synth.convening.handoff.to_result`)
    or a result file read into the same records (:func:`synth.store.result.load_result`).

    The vectors the result carries are stored for splits and used for centroid matching on
    later re-runs; nothing is embedded here.
    """
    if isinstance(convening, ConveningSpec) and convening.kind not in CONVENING_KINDS:
        raise InputError(f"unknown convening kind {convening.kind!r}; "
                         f"use one of {', '.join(CONVENING_KINDS)}.")
    step = progress or (lambda _done, _msg: None)
    with transaction(engine) as session:
        conv = _convening(session, convening)
        run = Run(convening_id=conv.id, imported_at=utcnow(), source=result.source[:500],
                  digest=result.digest, talk_time_by_role=result.talk_time_by_role)
        session.add(run)
        session.flush()
        step(0.0, "recordings and roster")
        _recordings(session, conv.id, result)
        _roster_and_speakers(session, conv, result)
        added, updated, withdrawn = _statements(session, conv.id, result.statements, step)
        # A withdrawn statement's embedding is made from its words: never keep or use it.
        vecs = {sid: v for sid, v in result.vectors.items() if sid not in withdrawn}
        _vectors(session, conv.id, vecs)
        step(0.8, "themes")
        matched, new, dropped, target = _themes(session, conv.id, run.id, result, vecs, step)
        _link_known(session, conv, result, target)
        _notes(session, conv.id, result.notes, target)
        audit.record(session, conv.id, action="import", target=result.source, who=who,
                     before={}, after={"run": run.id, "digest": result.digest,
                                       "statements_added": added, "themes_matched": matched,
                                       "themes_new": new, "themes_dropped": dropped})
        step(1.0, "committing")
        report = ImportReport(conv.id, run.id, added, updated, matched, new, dropped)
    log.info("imported %s into convening %d: %s", result.source, report.convening_id, report)
    return report


def _convening(session: Session, ref: int | ConveningSpec) -> StoredConvening:
    if isinstance(ref, ConveningSpec):
        conv = queries.find_or_create_convening(
            session, title=ref.title, industry=ref.industry, region=ref.region,
            date=ref.date or dt.date.today(), kind=ref.kind)
        ref = conv.id
    # Hold the convening for the whole import: reviews of it wait until the import is done.
    return queries.get_convening(session, ref, lock=True)


def _recordings(session: Session, convening_id: int, result: ResultIn) -> None:
    have = queries.recordings_of(session, convening_id)
    for r in result.recordings:
        row = have.get(r.id) or StoredRecording(convening_id=convening_id, id=r.id)
        row.name, row.kind, row.duration = r.name, r.kind, r.duration
        session.add(row)


def _roster_and_speakers(session: Session, conv: StoredConvening, result: ResultIn) -> None:
    roster = {p.name: p for p in queries.roster_of(session, conv.partnership_id).values()}
    for p in result.participants:
        row = roster.get(p.name) or StoredParticipant(partnership_id=conv.partnership_id,
                                                      name=p.name)
        row.role = p.role
        queries.set_company(session, row, p.company, conv.date)
        roster[p.name] = row
    session.flush()
    speakers = queries.speakers_of(session, conv.id)
    for label in sorted({s.speaker for s in result.statements if s.speaker}):
        if label not in speakers:
            # A label that is already a roster name maps itself; facilitators fix the rest.
            person = roster.get(label)
            session.add(Speaker(convening_id=conv.id, label=label,
                                participant_id=person.id if person else None))


def _statements(session: Session, convening_id: int, statements: Sequence[StatementIn],
                step: Progress) -> tuple[int, int, set[str]]:
    """Write the statements; returns (added, updated, ids of withdrawn statements).

    A withdrawn statement stays withdrawn: the same id keeps its blank text, and a new id
    whose words hash like withdrawn words comes in withdrawn (see :mod:`synth.store.withdrawn`).
    """
    have = queries.statements_of(session, convening_id)
    gone = {r.withdrawn_hash for r in have.values() if r.withdrawn and r.withdrawn_hash}
    withdrawn = {sid for sid, r in have.items() if r.withdrawn}
    added = updated = 0
    for n, s in enumerate(statements, start=1):
        row = have.get(s.id)
        if row is None:
            row = StoredStatement(convening_id=convening_id, id=s.id, withdrawn=False)
            session.add(row)
            added += 1
        else:
            updated += 1
        row.recording_id, row.turn, row.line = s.recording, s.turn, s.line
        row.start, row.end = s.start, s.end
        row.speaker, row.kind, row.clusterable, row.position = (s.speaker, s.kind,
                                                                s.clusterable, s.position)
        if not row.withdrawn:
            row.text = s.text
            row.word_probs = list(s.word_probs) or None
            digest = text_hash(s.text) if gone else None
            if digest in gone:
                session.flush()  # the statement row first: its membership refers to it
                mark_withdrawn(session, row, digest=digest)
                withdrawn.add(s.id)
        if n % FLUSH_EVERY == 0:
            session.flush()
            step(0.1 + 0.7 * n / len(statements), "statements")
    session.flush()
    return added, updated, withdrawn


def _vectors(session: Session, convening_id: int, vectors: Mapping[str, np.ndarray]) -> None:
    for sid, vec in vectors.items():
        session.merge(StatementVector(convening_id=convening_id, statement_id=sid,
                                      vector=vec.astype(np.float32).tobytes()))
    session.flush()


def _held(theme: StoredTheme) -> bool:
    """A theme whose members a re-run must not take away."""
    return theme.edited or theme.status != "candidate"


def _themes(session: Session, convening_id: int, run_id: int, result: ResultIn,
            vectors: Mapping[str, np.ndarray],
            step: Progress) -> tuple[int, int, int, dict[str, int]]:
    """Match the result's candidates to the stored themes and place their statements;
    returns how many themes were matched, made new and dropped, and candidate id -> the
    stored theme it went to."""
    themes = {t.id: t for t in queries.themes_of(session, convening_id, lock=True)}
    rows = queries.memberships(session, convening_id)
    all_vecs = {**queries.vectors_of(session, convening_id, rows), **vectors}
    old = _stored_members(themes, rows, all_vecs)
    matches = match_themes([Members(t.id, frozenset(t.statement_ids),
                                    centroid(t.statement_ids, all_vecs))
                            for t in result.themes], old)
    # Which statements the re-run may place: not pinned, not in a theme a facilitator holds.
    held = {sid for sid, m in rows.items()
            if m.pinned or (m.theme_id is not None and _held(themes[m.theme_id]))}
    groups: dict[str, list[str]] = {c.id: [s for s in c.statement_ids if s not in held]
                                    for c in result.themes}
    changed: set[int] = set()
    target = _place_candidates(session, convening_id, run_id, result, matches, groups, themes,
                               changed)
    step(0.9, "theme members")
    wanted = {sid: target[key] for key, sids in groups.items() if key in target for sid in sids}
    _place_members(session, convening_id, rows, held, wanted, changed)
    old_ids = {o.key for o in old}
    dropped = _drop_and_bump(session, themes, set(target.values()), old_ids, changed)
    return len(set(matches.values())), len(set(target.values()) - old_ids), dropped, target


def _link_known(session: Session, conv: StoredConvening, result: ResultIn,
                target: Mapping[str, int]) -> None:
    """Link each theme that raises a known priority again to it, as a candidate: the
    facilitator sees it under that priority, and confirming it keeps the link. A theme a
    facilitator holds keeps its link (or none); an untouched one follows the re-run."""
    mine = {p.id for p in queries.priorities_of(session, conv.partnership_id)}
    for cand in result.themes:
        theme = session.get(StoredTheme, target.get(cand.id, -1))
        if theme is None or _held(theme):
            continue
        wanted = cand.known_priority
        if wanted is not None and wanted not in mine:
            log.warning("theme %s of %s raises priority %d, which is not a priority of this "
                        "convening's partnership: imported as a new candidate", cand.id,
                        result.source, wanted)
            wanted = None
        link = session.get(PriorityTheme, theme.id)
        if link is not None and link.priority_id != wanted:
            session.delete(link)
            session.flush()
        if wanted is not None and (link is None or link.priority_id != wanted):
            session.add(PriorityTheme(theme_id=theme.id, priority_id=wanted))
    session.flush()


def _notes(session: Session, convening_id: int, notes: Sequence[NoteIn],
           target: Mapping[str, int]) -> None:
    """Write what the room wrote (see the module's rules); ``target``: candidate id -> the
    stored theme it went to."""
    if not notes:
        return  # a re-run of the talk alone: the notes stored before stay as they are
    have = {n.id: n for n in notes_of(session, convening_id)}
    wanted = {n.id for n in notes}
    for nid, old in have.items():
        if nid not in wanted:
            session.delete(old)
    for position, n in enumerate(notes):
        row: StoredNote | None = have.get(n.id)
        if row is None:
            row = StoredNote(convening_id=convening_id, id=n.id, dots=n.dots)
            session.add(row)
        row.position, row.file, row.line, row.text = position, n.file[:500], n.line, n.text
        row.author, row.table_label, row.sheet = n.author, n.table, n.sheet
        row.statement_id, row.similarity = n.statement_id, n.similarity
        current = session.get(StoredTheme, row.theme_id) if row.theme_id is not None else None
        if current is None or not _held(current):
            tid = target.get(n.theme) if n.theme is not None else None
            # A candidate whose theme the import dropped (it kept no statement) matches none.
            if tid is not None and session.get(StoredTheme, tid) is None:
                tid = None
            row.theme_id = tid
    session.flush()


def _stored_members(themes: Mapping[int, StoredTheme], rows: Mapping[str, Membership],
                    vectors: Mapping[str, np.ndarray]) -> list[Members]:
    """The stored themes (merged ones aside) with their statements and centroids."""
    current: dict[int, set[str]] = defaultdict(set)
    for m in rows.values():
        if m.theme_id is not None:
            current[m.theme_id].add(m.statement_id)
    return [Members(t.id, frozenset(current[t.id]), centroid(frozenset(current[t.id]), vectors))
            for t in themes.values() if t.status != "merged"]


def _place_candidates(session: Session, convening_id: int, run_id: int, result: ResultIn,
                      matches: Mapping[str | int, int], groups: Mapping[str, list[str]],
                      themes: dict[int, StoredTheme], changed: set[int]) -> dict[str, int]:
    """The stored theme each candidate goes to (a new row for one that matches nothing);
    an untouched theme takes the candidate's label and keywords. Returns candidate id ->
    theme id; new rows join ``themes``, themes whose values changed join ``changed``."""
    target: dict[str, int] = {}
    for cand in result.themes:
        tid = matches.get(cand.id)
        if tid is None and not groups[cand.id]:
            continue  # everything it found is already where a facilitator put it
        theme = themes[tid] if tid is not None else StoredTheme(convening_id=convening_id)
        if tid is None or not _held(theme):
            values = {"label": cand.label, "label_generated": cand.label_generated,
                      "keywords": list(cand.keywords), "stability": cand.stability,
                      "read_back": cand.read_back, "quote_ids": list(cand.quotes)}
            if tid is not None and any(getattr(theme, k) != v for k, v in values.items()):
                changed.add(tid)
            for k, v in {**values, "source_run_id": run_id, "source_key": cand.id}.items():
                setattr(theme, k, v)
        if tid is None:
            session.add(theme)
            session.flush()
            themes[theme.id] = theme
        target[cand.id] = theme.id
    return target


def _place_members(session: Session, convening_id: int, rows: Mapping[str, Membership],
                   held: set[str], wanted: Mapping[str, int], changed: set[int]) -> None:
    """Put each statement the re-run may place in its ``wanted`` theme (statement id ->
    theme id); themes that gain or lose a statement join ``changed``."""
    for sid, m in rows.items():
        if sid in held or m.theme_id is None or wanted.get(sid) == m.theme_id:
            continue
        # An untouched candidate follows the re-run, which may leave a statement out.
        changed.add(m.theme_id)
        if sid not in wanted:
            session.delete(m)
    for sid, tid in wanted.items():
        row = rows.get(sid)
        if row is None:
            session.add(Membership(convening_id=convening_id, statement_id=sid, theme_id=tid))
            changed.add(tid)
        elif row.theme_id != tid:
            row.theme_id = tid
            changed.add(tid)
    session.flush()


def _drop_and_bump(session: Session, themes: Mapping[int, StoredTheme], targets: set[int],
                   old_ids: set[str | int], changed: set[int]) -> int:
    """Drop the untouched candidates the re-run no longer finds (they held no decision) and
    bump the version of every stored theme that changed; returns how many were dropped."""
    dropped = 0
    for tid, theme in themes.items():
        if _held(theme):
            pass
        elif tid not in targets or not queries.members_of(session, [tid]):
            warn_dropped_count(session, theme)
            session.delete(theme)
            changed.discard(tid)
            dropped += 1
            continue
        if tid in changed and tid in old_ids:
            theme.version += 1
            theme.updated_at = utcnow()
    session.flush()
    return dropped
