"""Page: the partnership's priorities, task teams and action plans (staff only)."""

from __future__ import annotations

from synth_app import priorities

priorities.render()
