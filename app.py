"""synth's web app: ``streamlit run app.py`` (``make run`` serves it on the sample convening).

Who sees what: a personal ballot link (``?code=...``) shows the ballot and nothing else;
without the staff passcode only the sign-in and the vote page are reachable; facilitators
and staff who signed in get the review, the vote and the results. Signing in lasts across
reloads through a session token in the page's address (``?session=...``, see synth_app.auth).
"""

from __future__ import annotations

import logging

import streamlit as st

from synth.convening.report import md_escape
from synth.errors import SynthError
from synth.settings import load as load_settings
from synth_app import auth
from synth_app.common import files

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
try:
    settings = load_settings()
except SynthError as exc:  # a bad SYNTH_* value: its one line on every page, not a traceback
    st.error(md_escape(str(exc)))
    st.stop()

vote = st.Page("synth_app/pages/vote.py", title="Vote", url_path="vote")
if st.query_params.get("code"):
    # A voter's personal link: the ballot only, with no menu to wander from.
    pages, position = [vote], "hidden"
elif not auth.restore(files()):
    pages = [st.Page("synth_app/pages/sign_in.py", title="Staff sign-in", default=True), vote]
    position = "sidebar"
else:
    pages = [st.Page("synth_app/pages/facilitator.py", title="Review", default=True),
             st.Page("synth_app/pages/results.py", title="Vote and results",
                     url_path="results"), vote]
    pages.insert(-1, st.Page("synth_app/pages/dashboard.py", title="Partnership"))
    pages.insert(-1, st.Page("synth_app/pages/priorities.py", title="Priorities"))
    position = "sidebar"
    if st.sidebar.button("Sign out", key="sign-out"):
        auth.sign_out(files())
        st.rerun()
    st.sidebar.caption("Signed in: this page's address keeps you signed in for "
                       f"{settings.session_hours:g} hours, so don't share it. Sign out when done.")
st.navigation(pages, position=position).run()
