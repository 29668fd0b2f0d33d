"""CLI for the privacy actions: ``synth recordings list|delete`` and ``synth review withdraw``.

Mounted by synth/cli/main.py next to the other database commands. Both actions are final (undo
stops at them), so each asks for confirmation unless ``--yes`` is given.
"""

from __future__ import annotations

from typing import Annotated

import typer

from synth.cli.common import (
    ConveningOpt,
    WhoOpt,
    expected_errors,
    find_convening_id,
    open_engine,
)
from synth.terminal import confirm, echo

recordings_app = typer.Typer(no_args_is_help=True,
                             help="A convening's recordings: list them, delete one and "
                                  "everything derived from it.")

YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


def _places(engine) -> tuple:
    from synth import settings
    from synth.convening.jobs import files_dir

    return (files_dir(engine.url.render_as_string(hide_password=False)),
            settings.load().cache_dir)


@recordings_app.command("list")
def recordings_list(convening: ConveningOpt) -> None:
    """The convening's recordings: id, statements, duration and file name."""
    from synth.decisions.privacy import list_recordings

    with expected_errors():
        engine = open_engine()
        rows = list_recordings(engine, find_convening_id(engine, convening))
        if not rows:
            echo("no recordings in this convening.")
        for r in rows:
            length = f"{r.duration:7.0f} s" if r.duration is not None else "      - s"
            gone = f" ({r.withdrawn} withdrawn)" if r.withdrawn else ""
            echo(f"{r.id:<18} {r.kind:<10} {r.statements:>5} statements{gone} "
                       f"{length}  {r.name}")


@recordings_app.command("delete")
def recordings_delete(
    recording: Annotated[str, typer.Argument(help="Recording id (or its start), or file name.")],
    convening: ConveningOpt, who: WhoOpt = None, yes: YesOpt = False,
) -> None:
    """Delete a recording and everything derived from it: statements, their place in
    priorities, its audio and uploaded file, cached transcripts and embeddings. Final."""
    from synth.decisions.privacy import delete_recording, find_recording
    from synth.store import transaction

    with expected_errors():
        engine = open_engine()
        conv = find_convening_id(engine, convening)
        with transaction(engine) as s:
            rec = find_recording(s, conv, recording)
            rec_id, name = rec.id, rec.name
        if not yes and not confirm(
                f"Delete recording {name} ({rec_id}) and everything derived from it? "
                "This cannot be undone.", default=False):
            echo("nothing deleted.")
            raise typer.Exit(1)
        root, cache = _places(engine)
        out = delete_recording(engine, conv, rec_id, who=who, files_root=root, cache_dir=cache)
        echo(f"deleted recording {out.name} ({out.recording_id}): {out.statements} "
                   f"statement(s), {len(out.themes_removed)} candidate(s) left empty removed, "
                   f"{len(out.themes_emptied)} decided priorit(ies) left empty kept, "
                   f"{len(out.files_removed)} file(s) removed (audit {out.audit_id})")
        for problem in out.problems:
            echo(f"warning: {problem}", err=True)
        if out.problems:
            raise typer.Exit(1)


def withdraw(
    statements: Annotated[list[str], typer.Argument(help="Statement ids (`synth review show`).")],
    convening: ConveningOpt, who: WhoOpt = None, yes: YesOpt = False,
) -> None:
    """Withdraw a participant's words: blanked in the database and gone from the app, every
    export and every priority, also after re-runs. Final."""
    from synth.decisions.privacy import withdraw as do_withdraw

    with expected_errors():
        engine = open_engine()
        conv = find_convening_id(engine, convening)
        if not yes and not confirm(
                f"Withdraw {len(statements)} statement(s) for good? Their words are erased.",
                default=False):
            echo("nothing withdrawn.")
            raise typer.Exit(1)
        out = do_withdraw(engine, conv, statements, who=who, cache_dir=_places(engine)[1])
        echo(f"withdrew {len(out.statements)} statement(s): {', '.join(out.statements)} "
                   f"(audit {out.audit_id})")
        for problem in out.problems:
            echo(f"warning: {problem}", err=True)
