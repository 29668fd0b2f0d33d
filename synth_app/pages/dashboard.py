"""Page: the partnership across its convenings, and the follow-up after a meeting (staff only)."""

from __future__ import annotations

from synth_app import dashboard

dashboard.render()
