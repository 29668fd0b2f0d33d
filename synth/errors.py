"""Errors a user can act on. The CLI prints their message without a traceback."""

from __future__ import annotations


class SynthError(Exception):
    """Base for expected failures: the message says what was wrong and what to do."""

    exit_code = 2


class InputError(SynthError):
    """An input file is missing, empty, corrupt, of the wrong kind or too large."""


class NoSpeechError(InputError):
    """A recording decoded fine but holds no speech."""

    exit_code = 3


class ModelError(SynthError):
    """A model is missing, corrupt or cannot be loaded."""


class NotFoundError(InputError):
    """An id (convening, theme, statement, speaker) that the database does not hold."""


class ReviewError(InputError):
    """A review action that cannot be done as asked (merge a theme into itself, ...)."""


class BallotError(InputError):
    """A ballot that breaks the voting rules (too many dots, unknown priority, closed vote ...)."""


class ConflictError(SynthError):
    """Someone else changed the same thing first; reload and try again."""

    exit_code = 4


class StoreError(SynthError):
    """The database cannot be reached, is busy for too long or is not initialised."""

    exit_code = 5


class OutputError(SynthError):
    """An output file cannot be written (disk full, no permission, a missing drive)."""

    exit_code = 6
