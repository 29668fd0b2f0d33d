"""Page: running the vote, its results, champions and exports (staff only)."""

from __future__ import annotations

from synth_app import results

results.render()
