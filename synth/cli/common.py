"""What the ``synth`` commands share: one-line errors, the store they open, and the options that
name a convening and who acts.

Every command module (:mod:`synth.cli.main`, :mod:`synth.cli.review`, :mod:`synth.cli.vote`,
:mod:`synth.cli.privacy`) imports this one, and none imports another: the main app mounts the
others. Heavy libraries are imported inside the functions, so ``synth --help`` stays instant.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from synth.errors import SynthError
from synth.terminal import echo

if TYPE_CHECKING:
    from sqlalchemy import Engine

ConveningOpt = Annotated[str, typer.Option("--convening", "-c",
                                           help="Convening id or title.")]
WhoOpt = Annotated[str | None, typer.Option("--who", help="Your name, for the audit log "
                                            "(default: your login).")]


@contextmanager
def expected_errors() -> Iterator[None]:
    """Show a user error as one plain line and exit non-zero, never a traceback."""
    try:
        yield
    except SynthError as exc:
        echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None


def open_engine(*, create: bool = False) -> Engine:
    """The review database (``SYNTH_DATABASE_URL``); created or upgraded when ``create``, else
    it must have been set up already (``synth db init``)."""
    from synth.store import init_db, make_engine
    from synth.store.db import require_initialised

    engine = make_engine()
    if create:
        init_db(engine)
    else:
        require_initialised(engine)
    return engine


def find_convening_id(engine: Engine, ref: str) -> int:
    """The id of the convening that ``ref`` names (its id or title)."""
    from synth.store import queries, transaction

    with transaction(engine) as s:
        return queries.find_convening(s, ref).id
