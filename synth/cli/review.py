"""CLI over the review store: ``synth db``, ``synth import``, ``synth review``, ``synth speakers``.

synth/cli/main.py mounts these (``app.add_typer(db_app, name="db")``,
``app.command("import")(import_result)``, ...). Each command is a few lines over
:mod:`synth.decisions.review` and :mod:`synth.store`; user errors print one line, never a traceback.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from synth.cli.common import (
    ConveningOpt,
    WhoOpt,
    expected_errors,
    find_convening_id,
    open_engine,
)
from synth.terminal import echo

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

db_app = typer.Typer(no_args_is_help=True, help="The review database.")
review_app = typer.Typer(no_args_is_help=True,
                         help="Review candidate priorities: confirm, rename, merge, split ...")
speakers_app = typer.Typer(no_args_is_help=True,
                           help="Correct who spoke: rename, merge, map to the roster.")

ExpectOpt = Annotated[list[str] | None, typer.Option(
    "--expect", help="THEME:VERSION you last saw; the edit is refused if it changed since.")]


def _expected(values: list[str] | None) -> dict[int, int] | None:
    if not values:
        return None
    out = {}
    for v in values:
        theme, _, version = v.partition(":")
        if not (theme.isdigit() and version.isdigit()):
            raise typer.BadParameter(f"use THEME:VERSION, not {v!r}", param_hint="--expect")
        out[int(theme)] = int(version)
    return out


def _done(what: str, outcome: object) -> None:
    versions = getattr(outcome, "versions", {})
    tail = ", ".join(f"theme {k} v{v}" for k, v in sorted(versions.items()))
    echo(f"{what}" + (f" ({tail})" if tail else ""))


def _edit(what: str, edit: Callable[[Engine], object]) -> None:
    """Make one review edit on the database, then say ``what`` it did and the theme versions it
    left; a user error is one line."""
    with expected_errors():
        _done(what, edit(open_engine()))


@contextmanager
def _reading(convening: str) -> Iterator[tuple[Session, int]]:
    """A store session and the id of the convening that ``convening`` names, for a command that
    reads and shows; a user error is one line."""
    from synth.store import transaction

    with expected_errors():
        engine = open_engine()
        conv = find_convening_id(engine, convening)
        with transaction(engine) as s:
            yield s, conv


# --- synth db -------------------------------------------------------------------------------


@db_app.command("init")
def db_init() -> None:
    """Create or upgrade the database schema (SYNTH_DATABASE_URL, default in your data dir)."""
    with expected_errors():
        engine = open_engine(create=True)
        echo(f"database ready: {engine.url.render_as_string()}")


# --- synth import ---------------------------------------------------------------------------


def import_result(
    result: Annotated[Path, typer.Argument(help="A result.json from `synth synthesize`.")],
    convening: ConveningOpt,
    industry: Annotated[str | None, typer.Option(help="The partnership's industry.")] = None,
    region: Annotated[str | None, typer.Option(help="The partnership's region.")] = None,
    date: Annotated[str | None, typer.Option(help="Date of a new convening (YYYY-MM-DD).")] = None,
    kind: Annotated[str, typer.Option(help="launch, task_team or quarterly.")] = "launch",
    who: WhoOpt = None,
) -> None:
    """Import a result into a convening; a re-run keeps every review decision.

    ``--convening`` is an existing convening's id or title, or the title of a new one (give
    its partnership with ``--industry`` and ``--region``).
    """
    from synth.errors import InputError, NotFoundError
    from synth.store import ConveningSpec, queries, transaction
    from synth.store import import_result as do_import
    from synth.store.result import load_result

    with expected_errors():
        engine = open_engine(create=True)
        ref: int | ConveningSpec | None = None
        if convening.isdigit() or (industry is None and region is None):
            # A re-run names the convening only; a number must be an existing one.
            try:
                with transaction(engine) as s:
                    ref = queries.find_convening(s, convening).id
            except NotFoundError:
                if convening.isdigit():
                    raise
        if ref is None:
            try:
                day = dt.date.fromisoformat(date) if date else None
            except ValueError:
                raise InputError(f"--date {date!r}: use YYYY-MM-DD.") from None
            ref = ConveningSpec(convening, industry=industry or "unspecified",
                                region=region or "unspecified", date=day, kind=kind)
        r = do_import(engine, load_result(result), convening=ref, who=who)
        echo(f"imported into convening {r.convening_id} (run {r.run_id}): "
                   f"{r.statements_added} new statements, {r.themes_matched} themes kept, "
                   f"{r.themes_new} new, {r.themes_dropped} dropped")


# --- synth review ---------------------------------------------------------------------------


@review_app.command("convenings")
def convenings() -> None:
    """List the convenings in the database."""
    from synth.store import queries, transaction

    with expected_errors():
        with transaction(open_engine()) as s:
            for c, p in queries.list_convenings(s):
                echo(f"{c.id:>4} {c.date} {c.kind:<10} {c.title}  "
                           f"({p.industry}, {p.region})")


@review_app.command("list")
def list_themes(convening: ConveningOpt,
                all_: Annotated[bool, typer.Option("--all", help="Also discarded and merged.")]
                = False) -> None:
    """Themes ranked by breadth: business leaders, then companies, then speakers."""
    from synth.store import queries

    with _reading(convening) as (s, conv):
        rows = queries.theme_summaries(s, conv, include_all=all_)
        echo(f"{'rank':>4} {'id':>5} {'status':<10} {'bus':>3} {'stmts':>5} ver  label")
        for t in rows:
            mark = " (generated)" if t.label_generated else ""
            echo(f"{t.rank or '-':>4} {t.id:>5} {t.status:<10} {t.breadth:>3} "
                 f"{len(t.statement_ids):>5} v{t.version:<3} {t.label}{mark}")


@review_app.command("show")
def show(theme: int) -> None:
    """A theme's statements, verbatim, with speaker and time."""
    from synth.store import queries, transaction

    with expected_errors():
        with transaction(open_engine()) as s:
            t = queries.get_theme(s, theme)
            summary = next(x for x in queries.theme_summaries(s, t.convening_id,
                                                              include_all=True) if x.id == theme)
            statements = queries.statements_of(s, t.convening_id, summary.statement_ids)
            who = queries.resolve_speakers(s, queries.get_convening(s, t.convening_id))
        echo(f"theme {t.id} v{t.version} [{t.status}] {t.label}"
                   + (" (generated label)" if t.label_generated else ""))
        echo(f"business leaders: {', '.join(summary.business_leaders) or '-'}; "
                   f"companies: {', '.join(summary.companies) or '-'}")
        for st in statements.values():
            name = who[st.speaker].name if st.speaker in who else (st.speaker or "unknown")
            pin = " [pinned]" if st.id in summary.pinned else ""
            echo(f"  {st.id} {st.start:8.1f}s {name}: \"{st.text}\"{pin}")


@review_app.command("confirm")
def confirm(theme: int, who: WhoOpt = None, expect: ExpectOpt = None,
            priority: Annotated[int | None, typer.Option(
                "--priority", help="The partnership's priority it joins (`synth priority "
                "list`); default: the one it is linked to, else the one of its name, else a "
                "new one.")] = None) -> None:
    """Confirm a candidate as a shared priority."""
    from synth.decisions import review

    _edit(f"confirmed theme {theme}" + (f" into priority {priority}" if priority else ""),
          lambda engine: review.confirm(engine, theme, who=who, expected=_expected(expect),
                                        priority=priority))


@review_app.command("rename")
def rename(theme: int, label: str, who: WhoOpt = None, expect: ExpectOpt = None) -> None:
    """Give a theme your own label."""
    from synth.decisions import review

    _edit(f"renamed theme {theme}",
          lambda engine: review.rename(engine, theme, label, who=who, expected=_expected(expect)))


@review_app.command("discard")
def discard(theme: int, who: WhoOpt = None, expect: ExpectOpt = None) -> None:
    """Discard a theme (a re-run will not bring it back)."""
    from synth.decisions import review

    _edit(f"discarded theme {theme}",
          lambda engine: review.discard(engine, theme, who=who, expected=_expected(expect)))


@review_app.command("merge")
def merge(themes: Annotated[list[int], typer.Argument(help="Two or more; into the first.")],
          label: Annotated[str | None, typer.Option(help="A label for the result.")] = None,
          who: WhoOpt = None, expect: ExpectOpt = None) -> None:
    """Merge themes into the first one."""
    from synth.decisions import review

    _edit(f"merged into theme {themes[0]}",
          lambda engine: review.merge(engine, themes, label=label, who=who,
                                      expected=_expected(expect)))


@review_app.command("split")
def split(theme: int,
          parts: Annotated[int, typer.Option(help="How many parts to re-cluster into.")] = 2,
          preview: Annotated[bool, typer.Option(help="Show the groups, change nothing.")]
          = False,
          group: Annotated[list[str] | None, typer.Option(
              help="Comma-separated statement ids of one part (repeat; instead of "
                   "re-clustering).")] = None,
          seed: int = 0, who: WhoOpt = None, expect: ExpectOpt = None) -> None:
    """Split a theme by re-clustering its statements (or into the groups you give)."""
    from synth.decisions import review

    with expected_errors():
        engine = open_engine()
        if preview:
            for n, g in enumerate(review.preview_split(engine, theme, parts=parts, seed=seed), 1):
                echo(f"part {n}: {g.label} (generated): {', '.join(g.statement_ids)}")
            return
        groups = [[x.strip() for x in g.split(",") if x.strip()] for g in group] if group \
            else None
        out = review.split(engine, theme, parts=parts, groups=groups, seed=seed, who=who,
                           expected=_expected(expect))
        _done(f"split theme {theme}; new themes {', '.join(map(str, out.created))}", out)


@review_app.command("move")
def move(statements: Annotated[list[str], typer.Argument(help="Statement ids.")],
         to: Annotated[int | None, typer.Option("--to", help="The theme to move them to.")]
         = None,
         out: Annotated[bool, typer.Option("--out", help="Take them out of every theme.")]
         = False,
         convening: Annotated[str | None, typer.Option("--convening", "-c")] = None,
         who: WhoOpt = None, expect: ExpectOpt = None) -> None:
    """Move statements to a theme (or --out of every theme); they stay put on re-runs."""
    from synth.decisions import review

    with expected_errors():
        if (to is None) == (not out):
            raise typer.BadParameter("give either --to THEME or --out")
        engine = open_engine()
        conv = find_convening_id(engine, convening) if convening else None
        _done(f"moved {len(statements)} statement(s)",
              review.move(engine, statements, to, convening_id=conv, who=who,
                          expected=_expected(expect)))


@review_app.command("create")
def create(statements: Annotated[list[str], typer.Argument(help="Statement ids.")],
           convening: ConveningOpt,
           label: Annotated[str, typer.Option(help="The priority's label.")],
           who: WhoOpt = None) -> None:
    """Create a confirmed priority by hand from chosen statements."""
    from synth.decisions import review

    with expected_errors():
        engine = open_engine()
        out = review.create_theme(engine, find_convening_id(engine, convening), label, statements,
                                  who=who)
        _done(f"created theme {out.created[0]}", out)


@review_app.command("undo")
def undo(convening: ConveningOpt, who: WhoOpt = None) -> None:
    """Undo the convening's last review action."""
    from synth.decisions import review

    _edit("undone", lambda engine: review.undo(engine, find_convening_id(engine, convening),
                                                who=who))


@review_app.command("log")
def log(convening: ConveningOpt) -> None:
    """The convening's audit log: who did what, when."""
    from synth.store import queries

    with _reading(convening) as (s, conv):
        for a in queries.audit_of(s, conv):
            undone = f" (undone by {a.undone_by})" if a.undone_by else ""
            echo(f"{a.id:>5} {a.at:%Y-%m-%d %H:%M} {a.who:<12} {a.action:<15} "
                 f"{a.target}{undone}")


@review_app.command("report")
def report(convening: ConveningOpt) -> None:
    """Talk-time share of business leaders, public partners and facilitators."""
    from synth.store import queries

    with _reading(convening) as (s, conv):
        talk = queries.talk_time(s, conv)
        for role, share in talk.shares.items():
            echo(f"{role:<12} {share:6.1%}  {talk.seconds[role]:8.0f} s")
        echo("business leaders outnumber public partners in the conversation: "
             + ("yes" if talk.business_outnumbers_public else "no"))


# --- what the room wrote (issue 30) ---------------------------------------------------------


@review_app.command("notes")
def notes(convening: ConveningOpt) -> None:
    """What the room wrote beside what it said, per theme, with the notes and their ids."""
    from synth.decisions.notes import read_written

    with expected_errors():
        engine = open_engine()
        conv = find_convening_id(engine, convening)
        view = read_written(engine, conv)
        if not view.has_notes:
            echo("no notes: give `synth synthesize --notes FILE` and import its result.")
        for tid, w in view.themes.items():
            entered = " (counted for the whole theme)" if w.dots_entered else ""
            echo(f"theme {tid} \u201c{w.label}\u201d: said {_count(w.statements, 'statement')} by "
                 f"{_count(w.leaders, 'leader')}, {w.talk_seconds:.0f} s; written "
                 f"{_count(len(w.notes), 'note')}, {_count(w.dots, 'paper dot')}{entered}"
                 + "".join(f"; {flag.upper()}" for flag in w.flags))
            for n in w.notes:
                echo(f"  {n.id} \u201c{n.text}\u201d ({n.source}; {_count(n.dots, 'paper dot')})")
        if view.unmatched:
            gone = " or only a discarded theme" if any(n.discarded for n in view.unmatched) \
                else ""
            echo(f"matched nothing said{gone} (`synth review note-candidate NOTE` makes one a "
                 "candidate):")
        for n in view.unmatched:
            echo(f"  {n.id} \u201c{n.text}\u201d ({n.source}; {_count(n.dots, 'paper dot')})")


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@review_app.command("dots")
def dots(convening: ConveningOpt,
         count: Annotated[int | None, typer.Argument(
             help="Paper dots counted on the wall (leave out with --clear).")] = None,
         note: Annotated[str | None, typer.Option(help="The note they were stuck on.")] = None,
         theme: Annotated[int | None, typer.Option(
             help="The theme (candidate or priority) they count for, as a whole.")] = None,
         clear: Annotated[bool, typer.Option(
             help="Forget a theme's count: its notes' dots count again.")] = False,
         who: WhoOpt = None) -> None:
    """Enter paper dots from the wall, per note or per theme: reported beside the app's
    ballots, never added to them."""
    from synth.decisions import notes as written

    with expected_errors():
        if (note is None) == (theme is None):
            raise typer.BadParameter("give either --note NOTE or --theme THEME")
        if (count is None) != (clear and theme is not None):
            raise typer.BadParameter("give the count of dots (or --clear with --theme)")
        engine = open_engine()
        if note is not None:
            assert count is not None
            before = written.set_note_dots(engine, find_convening_id(engine, convening), note,
                                           count, who=who)
            echo(f"note {note}: {before} -> {count} paper dots")
        else:
            assert theme is not None
            was = written.set_theme_dots(engine, theme, count, who=who)
            echo(f"theme {theme}: {'-' if was is None else was} -> "
                 f"{'its notes' if count is None else count} paper dots")


@review_app.command("note-candidate")
def note_candidate(note: Annotated[str, typer.Argument(help="A note that matched nothing.")],
                   convening: ConveningOpt, who: WhoOpt = None) -> None:
    """Make a note that matched nothing said a candidate, labelled with the note's words."""
    from synth.decisions.notes import note_to_candidate

    with expected_errors():
        engine = open_engine()
        out = note_to_candidate(engine, find_convening_id(engine, convening), note, who=who)
        _done(f"created candidate theme {out.created[0]} from note {note}", out)


# --- synth speakers -------------------------------------------------------------------------


@speakers_app.command("list")
def speakers_list(convening: ConveningOpt) -> None:
    """Speaker labels and who they resolve to."""
    from synth.store import queries

    with _reading(convening) as (s, conv_id):
        conv = queries.get_convening(s, conv_id)
        rows = queries.speakers_of(s, conv.id)
        who = queries.resolve_speakers(s, conv)
        for label, row in rows.items():
            w = who[label]
            merged = f" = {row.merged_into}" if row.merged_into else ""
            echo(f"{label:<20}{merged:<12} {w.name} ({w.role}"
                 + (f", {w.company})" if w.company else ")"))


@speakers_app.command("rename")
def speakers_rename(label: str, name: str, convening: ConveningOpt, who: WhoOpt = None) -> None:
    """Give a speaker label a real name (a roster name maps it to that person)."""
    from synth.decisions import review

    _edit(f"speaker {label} is {name}", lambda engine: review.rename_speaker(
        engine, find_convening_id(engine, convening), label, name, who=who))


@speakers_app.command("merge")
def speakers_merge(keep: str, other: str, convening: ConveningOpt, who: WhoOpt = None) -> None:
    """Two labels are the same person: OTHER now counts as KEEP."""
    from synth.decisions import review

    _edit(f"speaker {other} merged into {keep}", lambda engine: review.merge_speakers(
        engine, find_convening_id(engine, convening), keep, other, who=who))


@speakers_app.command("assign")
def speakers_assign(label: str, convening: ConveningOpt,
                    participant: Annotated[str | None, typer.Argument(
                        help="Roster name; leave out to clear.")] = None,
                    who: WhoOpt = None) -> None:
    """Map a speaker label to a person on the roster."""
    from synth.decisions import review

    _edit(f"speaker {label} -> {participant or 'nobody'}", lambda engine: review.assign_speaker(
        engine, find_convening_id(engine, convening), label, participant, who=who))
