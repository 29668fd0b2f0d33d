"""What the facilitator reviews: one read of a convening (themes, statements, speakers), the
quotes a card shows, and the statements' vectors for the map.

The app's review pages read the store only through here, one transaction per call; the
review's actions are :mod:`synth.decisions.review`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from synth.store import queries, transaction
from synth.store.queries import ThemeSummary, Who
from synth.themes import quotes as quote_rule

# ThemeSummary too: the pages name the summaries a view holds by it.
__all__ = ["ConveningView", "Said", "ThemeSummary", "quotes", "read_convening",
           "statement_vectors"]


@dataclass(frozen=True, slots=True)
class Said:
    """A statement as the page shows it: verbatim text, who said it (resolved) and when."""

    id: str
    text: str
    speaker: str
    label: str | None  # the raw speaker label, for corrections
    start: float
    recording_id: str
    theme_id: int | None
    clusterable: bool
    line: int | None = None  # 0-based line of a typed transcript (its times are estimates)
    role: str = "other"  # the speaker's role on the roster, as resolved now
    kind: str = "other"
    position: int = 0
    word_probs: tuple[float, ...] = ()  # Whisper's probability of each word; () when typed

    @property
    def where(self) -> str:
        """Where it was said, as the page shows it: a time, or a typed transcript's line."""
        return quote_rule.said_at(self.start, self.line)

    @property
    def candidate(self) -> quote_rule.Candidate:
        """This statement as the quote rule sees it."""
        return quote_rule.Candidate(self.id, self.text, self.speaker, self.role, self.kind,
                                    self.position, self.word_probs)

    @property
    def marked(self) -> str:
        """The words as said, each one Whisper was unsure of followed by ``[?]``."""
        return quote_rule.marked(self.candidate)


@dataclass(frozen=True, slots=True)
class ConveningView:
    """Everything the review needs, read in one transaction."""

    title: str
    themes: tuple[ThemeSummary, ...]  # active first (ranked), then discarded and merged
    statements: dict[str, Said]
    speakers: dict[str, str]  # label -> resolved name
    assigned: dict[str, str | None]  # label -> roster name it is mapped to
    merged: dict[str, str | None]  # label -> the label it was merged into (same person)
    roster: tuple[str, ...]
    business_share: float | None
    who: dict[str, Who] = field(default_factory=dict)  # label -> name, role, company
    # Active theme id -> the name of the partnership priority it raises again: one the
    # partnership had before this meeting (issue 29; an import links what matched it).
    raised_again: dict[int, str] = field(default_factory=dict)

    def company_of(self, name: str) -> str | None:
        """The company of a person as the convening resolves them (None when unknown)."""
        return next((w.company for w in self.who.values() if w.name == name), None)

    @property
    def active(self) -> list[ThemeSummary]:
        """Candidates and confirmed priorities, ranked by breadth."""
        return [t for t in self.themes if t.rank is not None]

    @property
    def new_candidates(self) -> list[ThemeSummary]:
        """The active themes that raise no known priority again, ranked by breadth."""
        return [t for t in self.active if t.id not in self.raised_again]

    def label_of(self, theme_id: int | None) -> str:
        """A theme's label (or that the statement is in no theme)."""
        for t in self.themes:
            if t.id == theme_id:
                return t.label
        return "(no theme)"


def read_convening(engine: Engine, convening_id: int) -> ConveningView:
    """The convening as the facilitator's review shows it, read in one transaction: withdrawn
    statements are left out (they show nowhere: cards, search, map)."""
    with transaction(engine) as s:
        conv = queries.get_convening(s, convening_id)
        themes = queries.theme_summaries(s, convening_id, include_all=True)
        who = queries.resolve_speakers(s, conv)
        member = {m.statement_id: m.theme_id for m in queries.memberships(s, convening_id).values()}
        statements = {
            st.id: Said(st.id, st.text, who[st.speaker].name if st.speaker in who
                        else (st.speaker or "unknown speaker"), st.speaker, st.start,
                        st.recording_id, member.get(st.id), st.clusterable, st.line,
                        who[st.speaker].role if st.speaker in who else "other", st.kind,
                        st.position, tuple(st.word_probs or ()))
            for st in queries.statements_of(s, convening_id).values()
            if not st.withdrawn}
        rows = queries.speakers_of(s, convening_id)
        roster = queries.roster_of(s, conv.partnership_id)
        assigned = {label: roster[r.participant_id].name if r.participant_id in roster else None
                    for label, r in rows.items()}
        talk = queries.talk_time(s, convening_id) if statements else None
        raised = _raised_again(s, conv.id, [t.id for t in themes if t.rank is not None])
        return ConveningView(
            title=conv.title, themes=tuple(themes), statements=statements,
            speakers={label: w.name for label, w in who.items()}, assigned=assigned,
            merged={label: r.merged_into for label, r in rows.items()},
            roster=tuple(sorted(p.name for p in roster.values())),
            business_share=talk.shares.get("business") if talk else None, who=who,
            raised_again=raised)


def _raised_again(s: Session, convening_id: int, theme_ids: Iterable[int]) -> dict[int, str]:
    """Theme id -> the name of the priority it feeds, for themes feeding one made before this
    convening (one it made itself is new here, not raised again)."""
    out = {}
    for tid in theme_ids:
        pid = queries.priority_link(s, tid)
        if pid is not None:
            p = queries.get_priority(s, pid)
            if p.created_convening_id != convening_id:
                out[tid] = p.name
    return out


def quotes(view: ConveningView, theme: ThemeSummary, n: int = 3) -> list[Said]:
    """Up to ``n`` quotes of a theme, best first, by the one quote rule (synth.themes.quotes)."""
    said = sorted((view.statements[sid] for sid in theme.statement_ids
                   if sid in view.statements), key=lambda x: x.position)
    by_id = {x.id: x for x in said}
    ranks = {sid: i for i, sid in enumerate(theme.quote_ids)}  # what the pipeline quoted
    return [by_id[c.id] for c in quote_rule.choose([x.candidate for x in said], n, ranks=ranks)]


def statement_vectors(engine: Engine, convening_id: int,
                      statement_ids: Iterable[str]) -> dict[str, np.ndarray]:
    """The stored embeddings of these statements, by id, for the map of the convening (a
    statement whose vector was never saved is absent)."""
    with transaction(engine) as s:
        return queries.vectors_of(s, convening_id, statement_ids)
