"""Page: staff sign-in (and choosing the passcode on first use)."""

from __future__ import annotations

from synth_app import auth
from synth_app.common import files

auth.sign_in_page(files())
