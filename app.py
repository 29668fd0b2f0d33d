"""synth's web app: ``streamlit run app.py`` (``make run`` serves it on the sample convening).

Who sees what: a personal ballot link (``?code=...``) shows the ballot and nothing else;
without the staff passcode only the sign-in and the vote page are reachable; facilitators
and staff who signed in get the review, the vote and the results.
"""

from __future__ import annotations

import logging

import streamlit as st

from synth_app import auth

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

vote = st.Page("synth_app/pages/vote.py", title="Vote", url_path="vote")
if st.query_params.get("code"):
    # A voter's personal link: the ballot only, with no menu to wander from.
    pages, position = [vote], "hidden"
elif not auth.signed_in():
    pages = [st.Page("synth_app/pages/sign_in.py", title="Staff sign-in", default=True), vote]
    position = "sidebar"
else:
    pages = [st.Page("synth_app/pages/facilitator.py", title="Review", default=True),
             st.Page("synth_app/pages/results.py", title="Vote and results",
                     url_path="results"), vote]
    position = "sidebar"
    if st.sidebar.button("Sign out"):
        st.session_state.pop(auth.SIGNED_IN, None)
        st.rerun()
st.navigation(pages, position=position).run()
