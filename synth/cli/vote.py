"""CLI over voting: ``synth vote open|close|status|codes|results`` and ``synth export``.

synth/cli/main.py mounts these (``app.add_typer(vote_app, name="vote")``,
``app.command("export")(export_command)``). Each command is a few lines over
:mod:`synth.decisions.ballots`; user errors print one line, never a traceback. ``codes`` prints
personal codes to standard output (that is its job) and never to the log.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from synth.cli.common import ConveningOpt, expected_errors, find_convening_id, open_engine
from synth.settings import load as load_settings
from synth.terminal import echo

vote_app = typer.Typer(no_args_is_help=True,
                       help="Dot voting on the confirmed priorities: open, close, codes, results.")

DEFAULT_BALLOT_URL = "http://localhost:8501/"
FacilitatorOpt = Annotated[str, typer.Option("--who", help="Your name, kept with the vote.")]


@vote_app.command("open")
def open_vote(
    convening: ConveningOpt,
    dots: Annotated[int | None, typer.Option(
        help="Dots per voter (default: a third of the priorities, at least 3).")] = None,
    max_per_priority: Annotated[int | None, typer.Option(
        help="Most dots one voter may put on one priority (default 2).")] = None,
    scores: Annotated[bool, typer.Option(
        help="Also ask importance and feasibility (1-5).")] = False,
    named: Annotated[bool, typer.Option(
        "--named", help="Open voting: results show who spent which dots.")] = False,
    public: Annotated[str, typer.Option(
        help="Public partners' dots: separate (shown apart), exclude, or include.")]
    = "separate",
    who: FacilitatorOpt = "facilitator",
) -> None:
    """Open the vote on the convening's confirmed priorities."""
    from synth.decisions import ballots, voting

    with expected_errors():
        engine = open_engine()
        conv = find_convening_id(engine, convening)
        base = voting.default_rules(len(ballots.vote_info(engine, conv).priorities))
        # replace() runs the rules' own checks: --dots 0 or --public all fail here.
        rules = replace(base, dots_per_voter=base.dots_per_voter if dots is None else dots,
                        max_per_priority=(base.max_per_priority if max_per_priority is None
                                          else max_per_priority),
                        ask_importance_feasibility=scores, anonymous=not named,
                        public_partners=public)  # type: ignore[arg-type]
        info = ballots.open_vote(engine, conv, rules, who=who)
        _show_info(info)


@vote_app.command("close")
def close_vote(convening: ConveningOpt, who: FacilitatorOpt = "facilitator") -> None:
    """Close the vote: later ballots are refused and the results are final."""
    from synth.decisions import ballots

    with expected_errors():
        engine = open_engine()
        _show_info(ballots.close_vote(engine, find_convening_id(engine, convening), who=who))


@vote_app.command("status")
def status(convening: ConveningOpt) -> None:
    """Where the vote stands: rules, priorities on the ballot, codes out, ballots in."""
    from synth.decisions import ballots

    with expected_errors():
        engine = open_engine()
        _show_info(ballots.vote_info(engine, find_convening_id(engine, convening)))


def _show_info(info: object) -> None:
    from synth.decisions.ballots import VoteInfo

    assert isinstance(info, VoteInfo)
    r = info.rules
    echo(f"vote of convening {info.convening_id}: {info.status.value}; "
               f"{r.dots_per_voter} dots, at most {r.max_per_priority} on one priority; "
               f"{'anonymous' if r.anonymous else 'named'}; public partners {r.public_partners}"
               + ("; importance and feasibility asked" if r.ask_importance_feasibility else ""))
    for n, (tid, label) in enumerate(info.priorities, 1):
        echo(f"{n:>3}. [{tid}] {label}")
    echo(f"codes issued: {info.codes_issued}; ballots cast: {info.ballots_cast}")


def _file_name(name: str, taken: set[str]) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "voter"
    out, n = stem, 1
    while out.lower() in taken:  # two names that clean up the same keep both files
        n += 1
        out = f"{stem}_{n}"
    taken.add(out.lower())
    return out


@vote_app.command("codes")
def codes(
    convening: ConveningOpt,
    name: Annotated[list[str] | None, typer.Option(
        "--name", help="Issue a (new) code to this roster name; repeat. Default: everyone "
                       "who may vote and has no code yet.")] = None,
    base_url: Annotated[str | None, typer.Option(
        help="The ballot page's address (default $SYNTH_PUBLIC_URL or "
             f"{DEFAULT_BALLOT_URL}).")] = None,
    qr_dir: Annotated[Path | None, typer.Option(
        help="Also write one QR code (SVG) per voter into this folder.")] = None,
    cards: Annotated[Path | None, typer.Option(
        help="Also write printable voter cards (HTML: name, code, link and QR code per "
             "card, as the app's download) to this file.")] = None,
) -> None:
    """Issue personal voter codes: prints name, code and personal link (shown only once)."""
    from synth.decisions import ballots
    from synth.decisions.voter_codes import ballot_link, cards_html, format_code, qr_svg
    from synth.errors import OutputError
    from synth.export.common import neutralise
    from synth.files import atomic_write_text

    with expected_errors():
        base = base_url or load_settings().public_url or DEFAULT_BALLOT_URL
        ballot_link(base, "XXXXXXXX")  # a bad address fails before any code is made
        engine = open_engine()
        convening_id = find_convening_id(engine, convening)
        issued = ballots.issue_codes(engine, convening_id, name or None)
        if not issued:
            echo("everyone who may vote already has a code; name someone with --name "
                       "to give them a new one.")
            return
        links = [(who, code, ballot_link(base, code)) for who, code in issued]
        for who, code, link in links:
            # Tab-separated for pasting into a spreadsheet: the name is made inert as in
            # every export (a roster name like =HYPERLINK(...) must not run there).
            echo(f"{neutralise(who)}\t{format_code(code)}\t{link}")
        if qr_dir is not None:
            taken: set[str] = set()
            try:
                for who, _, link in links:
                    atomic_write_text(qr_dir / f"{_file_name(who, taken)}.svg", qr_svg(link))
            except OSError as exc:
                raise OutputError(f"cannot write QR codes to {qr_dir}: {exc.strerror or exc}; "
                                  "the codes above are issued and still valid.") from None
            echo(f"wrote {len(links)} QR codes to {qr_dir}")
        if cards is not None:
            page = cards_html(links, title=ballots.convening_title(engine, convening_id))
            try:
                atomic_write_text(cards, page)
            except OSError as exc:
                raise OutputError(f"cannot write the voter cards to {cards}: "
                                  f"{exc.strerror or exc}; the codes above are issued and "
                                  "still valid.") from None
            echo(f"wrote {len(links)} voter cards to {cards}: print them and hand each person "
                 "their own")


@vote_app.command("results")
def results(convening: ConveningOpt) -> None:
    """The ranked priorities (ties share a rank) and who volunteered to champion them."""
    from synth.decisions import ballots

    with expected_errors():
        engine = open_engine()
        conv = find_convening_id(engine, convening)
        info = ballots.vote_info(engine, conv)
        rows = ballots.results(engine, conv)
        rosters = {r.priority_id: r for r in ballots.champion_rosters(engine, conv)}
        separate = info.rules.public_partners == "separate"
        echo(f"vote {info.status.value}: {info.ballots_cast} ballots")
        echo(f"{'rank':>5} {'dots':>4} {'voters':>6} "
                   + (f"{'public':>6} " if separate else "") + f"{'imp':>4} {'feas':>4}  priority")
        for row in rows:
            rank = f"{row.rank}{'=' if row.tied else ''}"
            imp = f"{row.importance_mean:.1f}" if row.importance_mean is not None else "-"
            feas = f"{row.feasibility_mean:.1f}" if row.feasibility_mean is not None else "-"
            echo(f"{rank:>5} {row.dots:>4} {row.voters:>6} "
                       + (f"{row.public_dots:>6} " if separate else "")
                       + f"{imp:>4} {feas:>4}  {row.label}")
            if row.by_voter:
                echo("      " + ", ".join(f"{v} {n}" for v, n in row.by_voter))
        echo("")
        echo("champions:")
        for row in rows:
            r = rosters.get(row.priority_id)
            lead = ", ".join(r.champions) if r and r.champions else "champion needed"
            team = f"; members: {', '.join(r.members)}" if r and r.members else ""
            echo(f"  {row.label}: {lead}{team}")


def export_command(
    convening: ConveningOpt,
    format_: Annotated[str, typer.Option(
        "--format", "-f", help="csv, xlsx, docx, md, email or json.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write.")],
) -> None:
    """Export the ranked priorities with tallies, quotes and champions for staff."""
    from synth.errors import OutputError
    from synth.export.render import export
    from synth.export.results import priority_report

    with expected_errors():
        engine = open_engine()
        report = priority_report(engine, find_convening_id(engine, convening))
        try:
            path = export(report, format_, out)
        except OSError as exc:
            raise OutputError(f"cannot write {out}: {exc.strerror or exc}. Nothing was "
                              "changed; free some space or choose another --out.") from None
        echo(f"wrote {path}")
