"""CLI for the follow-up after a meeting: ``synth followup CONVENING --format email|md --out FILE``.

Mounted by synth/cli/main.py; the follow-up itself is :mod:`synth.export.followup` over
:mod:`synth.export.followup_store`.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Annotated

import typer

from synth.cli.common import expected_errors, find_convening_id, open_engine
from synth.terminal import echo

log = logging.getLogger(__name__)


def followup_command(
    convening: Annotated[str, typer.Argument(help="Convening id or title.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="The file to write.")],
    format_: Annotated[str, typer.Option("--format", "-f", help="email (a .txt draft to "
                                         "edit and send) or md (a Markdown report).")] = "email",
    as_of: Annotated[str | None, typer.Option(
        "--as-of", help="The day that decides which action-plan rows are overdue, "
                        "YYYY-MM-DD (default: today).")] = None,
) -> None:
    """The follow-up after a meeting: progress per priority, new issues, champions needed."""
    from synth.errors import OutputError
    from synth.export.followup import render
    from synth.export.followup_store import read_followup
    from synth.files import atomic_write_text

    with expected_errors():
        day = _day(as_of)
        engine = open_engine()
        text = render(read_followup(engine, find_convening_id(engine, convening), today=day),
                      format_)
        try:
            atomic_write_text(out, text)
        except OSError as exc:
            raise OutputError(f"cannot write {out}: {exc.strerror or exc}. Nothing was "
                              "changed; free some space or choose another --out.") from None
        log.info("wrote the follow-up of convening %s to %s", convening, out)
        echo(f"wrote {out}")


def _day(text: str | None) -> dt.date | None:
    from synth.errors import InputError

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(f"--as-of {text!r} is not a date: write it as YYYY-MM-DD "
                         "(2026-04-16).") from None
