"""Page: the facilitator's set-up, uploads and review of candidate priorities."""

from __future__ import annotations

from synth_app import facilitator

facilitator.render()
