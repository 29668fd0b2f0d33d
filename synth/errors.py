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
