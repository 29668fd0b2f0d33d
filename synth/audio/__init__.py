"""Recordings to timed, verbatim turns: decode, transcribe, guard, find and name the speakers."""
