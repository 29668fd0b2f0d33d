"""The staff exports' report, read from the store: ranked priorities with their tallies, quotes,
champions and who was in the room; and the one quote of each priority the ballot shows.

Quotes follow the one quote rule (:mod:`synth.themes.quotes`); the vote, its rules and its
rosters are :mod:`synth.decisions.ballots`'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from synth.decisions import ballots
from synth.decisions.dashboard import attendance, partnership_name
from synth.export.records import PriorityReport, ReportQuote, VoteRecord, report_priority
from synth.store import ballots as store
from synth.store import queries
from synth.store.db import transaction
from synth.store.notes import paper_dots_by_theme
from synth.store.schema import Partnership, StoredConvening, StoredStatement, StoredTheme
from synth.themes import quotes

QUOTES_PER_PRIORITY = 3


def priority_quotes(s: Session, conv: StoredConvening,
                    theme_ids: Sequence[int]) -> dict[int, list[ReportQuote]]:
    """Up to three verbatim quotes a priority, best first, by the one quote rule
    (:mod:`synth.themes.quotes`): never withdrawn words, and speakers as resolved now."""
    who = queries.resolve_speakers(s, conv)
    recordings = queries.recordings_of(s, conv.id)
    members = queries.members_of(s, theme_ids)
    statements = queries.statements_of(s, conv.id, [m.statement_id for m in members])
    by_theme: dict[int, list[StoredStatement]] = {tid: [] for tid in theme_ids}
    for m in members:
        if (m.theme_id in by_theme and m.statement_id in statements
                and not statements[m.statement_id].withdrawn):  # never quote withdrawn words
            by_theme[m.theme_id].append(statements[m.statement_id])
    out: dict[int, list[ReportQuote]] = {}
    for tid, rows in by_theme.items():
        rows.sort(key=lambda st: st.position)
        theme = s.get(StoredTheme, tid)
        ranks = {sid: i for i, sid in enumerate(theme.quote_ids if theme else ())}
        picked = quotes.choose([candidate(st, who) for st in rows], QUOTES_PER_PRIORITY,
                               ranks=ranks)
        out[tid] = [ReportQuote(st.text, who[st.speaker].name if st.speaker in who
                                else st.speaker, st.start,
                                recordings[st.recording_id].name
                                if st.recording_id in recordings else st.recording_id,
                                st.line)
                    for st in (statements[c.id] for c in picked)]
    return out


def candidate(st: StoredStatement, who: Mapping[str, queries.Who]) -> quotes.Candidate:
    """A stored statement as the quote rule sees it, its speaker resolved (name and role)."""
    speaker = who[st.speaker] if st.speaker is not None and st.speaker in who else None
    return quotes.Candidate(st.id, st.text, speaker.name if speaker else st.speaker,
                            speaker.role if speaker else "other", st.kind, st.position,
                            tuple(st.word_probs or ()))


def ballot_quotes(engine: Engine, convening_id: int) -> dict[int, ReportQuote]:
    """The one best quote of each priority on the ballot (verbatim, with its speaker), so a
    voter recalls what was said: the first of the quotes the exports show."""
    with transaction(engine) as s:
        conv = queries.get_convening(s, convening_id)
        ids = [t.id for t in ballots.on_ballot(s, convening_id, store.get_vote(s, convening_id))]
        return {tid: said[0] for tid, said in priority_quotes(s, conv, ids).items() if said}


def _attendance(s: Session, conv: StoredConvening) -> dict[str, int]:
    """People by role who spoke, voted or volunteered (business leaders and public partners
    always, other roles when someone had them)."""
    counts = attendance(s, conv)
    return {k: v for k, v in counts.items() if v or k in ("business", "public")}


def priority_report(engine: Engine, convening_id: int) -> PriorityReport:
    """Everything the staff exports show: ranked priorities with tallies, quotes, champions."""
    with transaction(engine) as s:
        conv = queries.get_convening(s, convening_id)
        partnership = s.get(Partnership, conv.partnership_id)
        assert partnership is not None
        rows, rules, stored, themes = ballots.stored_tally(s, convening_id)
        rosters, people = ballots.stored_rosters(s, convening_id, [r.priority_id for r in rows])
        quotes = priority_quotes(s, conv, [int(r.priority_id) for r in rows])
        paper = paper_dots_by_theme(s, convening_id)  # the wall's, beside the ballots
        room = _attendance(s, conv)
    by_id = {r.priority_id: r for r in rosters}
    priorities = tuple(report_priority(
        row, quotes=quotes.get(int(row.priority_id), []), roster=by_id.get(row.priority_id),
        people=people, label_generated=themes[int(row.priority_id)].label_generated,
        paper_dots=None if paper is None else paper.get(int(row.priority_id), 0))
        for row in rows)
    votes = () if rules.anonymous else tuple(
        VoteRecord(b.name, b.role, str(m.theme_id), m.dots, m.importance,  # type: ignore[arg-type]
                   m.feasibility)
        for b in stored for m in b.marks if m.theme_id in themes)
    return PriorityReport(
        partnership=partnership_name(partnership), industry=partnership.industry,
        region=partnership.region, convening_title=conv.title,
        convening_date=conv.date, convening_kind=conv.kind.replace("_", " "),
        attendance=room, priorities=priorities, anonymous=rules.anonymous,
        public_partners=rules.public_partners, votes=votes)
