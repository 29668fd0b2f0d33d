"""Page: a voter's ballot (open to anyone with a voter code)."""

from __future__ import annotations

from synth_app import ballot

ballot.render()
