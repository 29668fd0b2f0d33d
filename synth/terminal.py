"""What the CLI prints goes through here: participants' words never drive the terminal.

A quote, a label, a speaker's or a file's name can hold escape sequences (clear the screen,
set the window title, a hidden hyperlink) or a carriage return or bidi override that hides
part of a line. :func:`safe` removes every control character but tab and newline: C0, DEL,
C1 (a lone 0x9b starts a sequence on some terminals) and the bidi embeddings, overrides and
isolates. The words themselves, accents and all, are kept.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import typer

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: object) -> str:
    """``text`` with every control character but tab and newline removed."""
    return _CONTROL.sub("", str(text))


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """:func:`typer.echo` of :func:`safe` text."""
    typer.echo(safe(message), err=err, nl=nl)


def confirm(text: str, **kwargs: Any) -> bool:
    """:func:`typer.confirm` with a :func:`safe` question."""
    return typer.confirm(safe(text), **kwargs)


class SafeFormatter(logging.Formatter):
    """Log lines for a terminal: the formatted record, exceptions included, made safe."""

    def format(self, record: logging.LogRecord) -> str:
        return safe(super().format(record))


class StderrHandler(logging.StreamHandler):
    """Writes to ``sys.stderr`` as it is when a line is logged, not when logging was set up.

    A command run in process (a test's CliRunner, an embedding program) swaps ``sys.stderr``
    for a stream it closes afterwards; a handler holding that stream would then fail on every
    later log line ("I/O operation on closed file"), whoever logs it.
    """

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass  # always the current sys.stderr


def safe_logging(fmt: str) -> None:
    """Give every handler of the root logger a :class:`SafeFormatter` with ``fmt``."""
    for handler in logging.getLogger().handlers:
        handler.setFormatter(SafeFormatter(fmt))
