"""The follow-up after a quarterly meeting: an email draft and a Markdown report.

Both list the partnership's priorities with their status, task team, action plan and 60-day
goals, and how many business leaders raised each again at the meeting (with what they said);
the new issues the meeting raised (its candidates that follow up no known priority); and an
ask for a champion wherever a priority has none. Everything is rendered from one plain
:class:`FollowUp`, which :mod:`synth.export.followup_store` fills in from the store. The
email and report are drafts synth writes: they say so; quotes are the transcript's own words
with speaker and time (or typed line), and a label synth wrote is marked as generated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from synth.convening.report import md_escape
from synth.errors import InputError
from synth.export.common import attendance_line, long_date, person, quote_line
from synth.export.records import ReportQuote
from synth.records import Participant, one_line
from synth.themes.quotes import said_at

FORMATS = ("email", "md")
# Priorities a champion is asked for: the room chose them and nobody leads them yet.
NEEDS_LEAD = ("confirmed", "active")
STATUS_NAMES = {"candidate": "candidate", "confirmed": "confirmed, not started",
                "active": "active", "done": "done", "retired": "retired"}
PLAN_STATUS_NAMES = {"not_started": "not started", "in_progress": "in progress",
                     "done": "done", "blocked": "blocked"}
GENERATED = ("Drafted by synth from the meeting's recordings, the partnership's priorities and "
             "their action plans. Quotes are verbatim from the transcripts; labels marked "
             "\"generated label\" were written by synth, not by the room.")


@dataclass(frozen=True, slots=True)
class PlanLine:
    """One action-plan row of a priority, as the follow-up lists it."""

    objective: str
    owner: str = ""
    goal_60_day: str = ""
    status: str = "not_started"
    due: date | None = None
    overdue: bool = False  # past ``due`` on the meeting's date and not done


@dataclass(frozen=True, slots=True)
class Progress:
    """One of the partnership's priorities at the meeting."""

    name: str
    status: str  # candidate, confirmed, active, done, retired
    champions: tuple[Participant, ...] = ()
    members: tuple[Participant, ...] = ()
    leaders: int = 0  # business leaders who raised it at this meeting
    quotes: tuple[ReportQuote, ...] = ()  # what they said, verbatim
    plan: tuple[PlanLine, ...] = ()

    @property
    def needs_champion(self) -> bool:
        """The room chose it and nobody leads it yet."""
        return self.status in NEEDS_LEAD and not self.champions


@dataclass(frozen=True, slots=True)
class NewIssue:
    """A candidate the meeting raised that follows up none of the known priorities."""

    label: str
    label_generated: bool
    leaders: int  # business leaders who raised it
    companies: tuple[str, ...] = ()
    quotes: tuple[ReportQuote, ...] = ()


@dataclass(frozen=True, slots=True)
class FollowUp:
    """Everything the follow-up of one meeting says."""

    partnership: str
    convening_title: str
    convening_date: date
    convening_kind: str  # "quarterly", "task team", "launch"
    attendance: Mapping[str, int]  # role -> people in the room
    progress: tuple[Progress, ...]
    new_issues: tuple[NewIssue, ...]

    @property
    def champion_asks(self) -> list[Progress]:
        """The priorities that need a champion."""
        return [p for p in self.progress if p.needs_champion]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _label(label: str, generated: bool) -> str:
    return f"{one_line(label)} (generated label)" if generated else one_line(label)


def _raised(p: Progress) -> str:
    if not p.leaders:
        return "Not raised at this meeting."
    return f"Raised again by {_plural(p.leaders, 'business leader')} at this meeting."


def _team(p: Progress) -> str:
    lead = "; ".join(map(person, p.champions)) or "champion needed"
    members = f"; task team: {'; '.join(map(person, p.members))}" if p.members else ""
    return f"Champion{'s' * (len(p.champions) > 1)}: {lead}{members}"


def _plan_line(row: PlanLine) -> str:
    parts = [f"owner: {row.owner}" if row.owner else "owner: to be named",
             f"60-day goal: {row.goal_60_day}" if row.goal_60_day else "no 60-day goal yet",
             PLAN_STATUS_NAMES.get(row.status, row.status)]
    if row.due is not None:
        parts.append(f"due {long_date(row.due)}" + (", overdue" if row.overdue else ""))
    return f"{row.objective} ({'; '.join(parts)})"


def _new_issue_line(n: NewIssue) -> str:
    companies = f" ({', '.join(n.companies)})" if n.companies else ""
    return (f"{_label(n.label, n.label_generated)}: raised by "
            f"{_plural(n.leaders, 'business leader')}{companies}")


def to_email(f: FollowUp) -> str:
    """The follow-up email draft: a subject line, then a plain-text body to edit and send."""
    o = one_line  # every field on one line: a break in the subject would add a header
    lines = [f"Subject: Where our shared priorities stand after the {o(f.convening_title)}", "",
             "Hello everyone,", "",
             f"Thank you for joining the {o(f.partnership)} {o(f.convening_kind)} on "
             f"{long_date(f.convening_date)} ({attendance_line(f.attendance)}). Here is where "
             "our shared priorities stand.", "", "PROGRESS ON OUR PRIORITIES", ""]
    for i, p in enumerate(f.progress, start=1):
        lines += [f"{i}. {o(p.name)}: {STATUS_NAMES.get(p.status, p.status)}",
                  f"   {o(_team(p))}", f"   {_raised(p)}"]
        lines += [f"   {o(quote_line(q))}" for q in p.quotes]
        lines += ([f"   - {o(_plan_line(row))}" for row in p.plan]
                  or ["   No action plan yet: [EDIT: the task team's first steps]"])
        lines.append("")
    if not f.progress:
        lines += ["No shared priorities yet.", ""]
    lines += ["NEW ISSUES RAISED AT THIS MEETING", ""]
    for n in f.new_issues:
        lines.append(f"- {o(_new_issue_line(n))}")
        lines += [f"  {o(quote_line(q))}" for q in n.quotes]
    if not f.new_issues:
        lines.append("No new issues: everything raised followed up a known priority.")
    lines.append("")
    if f.champion_asks:
        lines += ["CHAMPIONS NEEDED", ""]
        lines += [f"- {o(p.name)}: reply to this email if you will lead its task team."
                  for p in f.champion_asks]
        lines.append("")
    lines += ["Next steps:", "- [EDIT: date and place of the next full partnership meeting]",
              "", "Thank you for your time and your ideas.", "",
              "[EDIT: your name and contact details]", "", "--",
              f"{GENERATED} Replace every [EDIT: ...] before sending.", ""]
    return "\n".join(lines)


def _md_quotes(quotes: tuple[ReportQuote, ...]) -> list[str]:
    out = []
    for q in quotes:
        out += [f"> \u201c{md_escape(' '.join(q.text.split()))}\u201d  ",
                f"> \u2014 {md_escape(one_line(q.speaker or 'unknown speaker'))}, "
                f"{said_at(q.start, q.line)} ({md_escape(one_line(q.recording))})", ""]
    return out


def _md_progress(i: int, p: Progress) -> list[str]:
    def e(text: str) -> str:
        return md_escape(one_line(text))

    lines = [f"### {i}. {e(p.name)}", "",
             f"**Status:** {STATUS_NAMES.get(p.status, p.status)}  ", f"{e(_team(p))}  ",
             _raised(p), ""]
    lines += _md_quotes(p.quotes)
    if p.plan:
        lines += ["| objective | owner | 60-day goal | status | due |", "|---|---|---|---|---|"]
        lines += [f"| {e(r.objective)} | {e(r.owner) or 'to be named'} | {e(r.goal_60_day)} | "
                  f"{PLAN_STATUS_NAMES.get(r.status, r.status)} | "
                  f"{long_date(r.due) if r.due else ''}{' **overdue**' if r.overdue else ''} |"
                  for r in p.plan]
    else:
        lines.append("No action plan yet.")
    return [*lines, ""]


def to_markdown(f: FollowUp) -> str:
    """The follow-up report as Markdown: progress per priority, new issues, champions needed."""
    def e(text: str) -> str:
        return md_escape(one_line(text))

    lines = [f"# {e(f.partnership)}: follow-up", "",
             f"**Meeting:** {e(f.convening_title)} ({e(f.convening_kind)}), "
             f"{long_date(f.convening_date)}  ",
             f"**In the room:** {attendance_line(f.attendance)}", "",
             "## Progress on our priorities", ""]
    for i, p in enumerate(f.progress, start=1):
        lines += _md_progress(i, p)
    if not f.progress:
        lines += ["No shared priorities yet.", ""]
    lines += ["## New issues raised at this meeting", ""]
    for n in f.new_issues:
        lines += [f"- {e(_new_issue_line(n))}", ""] + _md_quotes(n.quotes)
    if not f.new_issues:
        lines += ["No new issues: everything raised followed up a known priority.", ""]
    lines += ["## Champions needed", ""]
    lines += [f"- {e(p.name)}: nobody leads its task team yet." for p in f.champion_asks]
    if not f.champion_asks:
        lines.append("Every priority the room chose has a champion.")
    lines += ["", "---", "", f"_{GENERATED}_", ""]
    return "\n".join(lines)


def render(f: FollowUp, fmt: str) -> str:
    """``f`` as ``email`` or ``md`` (one of :data:`FORMATS`)."""
    renderers = {"email": to_email, "md": to_markdown}
    if fmt.lower() not in renderers:
        raise InputError(f"unknown follow-up format '{fmt}'. Use one of: {', '.join(FORMATS)}.")
    return renderers[fmt.lower()](f)
