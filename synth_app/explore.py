"""Seeing the whole convening: a map of statements by theme, breadth of support, search."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from synth.decisions.review_view import ConveningView, statement_vectors
from synth_app.charts import count_bars
from synth_app.common import engine

NO_THEME = "(in no theme)"


def project_2d(vectors: np.ndarray) -> np.ndarray:
    """A 2-D PCA projection (deterministic: signs fixed so the map never flips between runs)."""
    x = vectors - vectors.mean(axis=0)
    if len(x) < 2:
        return np.zeros((len(x), 2))
    _, _, vt = np.linalg.svd(x, full_matrices=False)
    axes = vt[:2]
    axes *= np.sign(axes[np.arange(len(axes)), np.abs(axes).argmax(axis=1)])[:, None]
    out = x @ axes.T
    return out if out.shape[1] == 2 else np.pad(out, ((0, 0), (0, 2 - out.shape[1])))


def statement_map(view: ConveningView, convening_id: int) -> None:
    """Statements as points, coloured by the theme they are in."""
    said = [s for s in view.statements.values() if s.clusterable]
    vecs = statement_vectors(engine(), convening_id, [x.id for x in said])
    said = [x for x in said if x.id in vecs]
    if len(said) < 3:
        st.info("The map needs the statements' embeddings, which are saved when recordings "
                "are processed here. Process the recordings in the Recordings tab to see it.")
        return
    # Only the themes still in play (candidates and priorities) have a colour of their own: a
    # discarded or merged theme's statements are shown as in no theme, its label off the legend.
    labels = {t.id: f"#{t.rank} {t.label}" for t in view.active}
    xy = project_2d(np.stack([vecs[x.id] for x in said]).astype(np.float64))
    frame = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1],
                          "theme": [labels.get(x.theme_id, NO_THEME) for x in said],
                          "speaker": [x.speaker for x in said],
                          "said at": [x.where for x in said],
                          "statement": [x.text[:140] for x in said]})
    chart = alt.Chart(frame).mark_circle(size=70).encode(
        x=alt.X("x", axis=None), y=alt.Y("y", axis=None),
        color=alt.Color("theme:N", legend=alt.Legend(labelLimit=0)),
        tooltip=["theme", "speaker", "said at", "statement"])
    st.altair_chart(chart, width="stretch")
    st.caption("Each point is a statement; nearby points say similar things. The axes of a "
               "2-D projection of the embeddings have no units.")


def breadth_chart(view: ConveningView) -> None:
    """Breadth of support of each theme still in play (candidates and priorities)."""
    active = view.active
    if not active:
        return
    count_bars([f"#{t.rank} {t.label}" for t in active], [t.breadth for t in active],
               title="business leaders who raised it", what="theme",
               tooltip={"statements": [len(t.statement_ids) for t in active],
                        "companies": [len(t.companies) for t in active],
                        "business talk %": [round(100 * t.business_share) for t in active]},
               empty="No theme has a business leader behind it yet: breadth counts the "
                     "business leaders on the roster who raised a theme. Map the voices to "
                     "roster names in the Speakers tab.")
    if view.business_share is not None:
        st.text(f"Business leaders spoke {view.business_share:.0%} of the time.")
    if any(t.business_leaders for t in active):
        # In a small room every leader may touch every candidate (equal bars above); how
        # long they spoke about each, and who they are, still tells the candidates apart.
        count_bars([f"#{t.rank} {t.label}" for t in active],
                   [round(100 * t.business_share) for t in active],
                   title="% of the business leaders' talk time", what="theme",
                   empty="The business leaders' talk is in no theme yet.")
        # A dataframe shows names as text.
        st.dataframe(pd.DataFrame({
            "theme": [f"#{t.rank} {t.label}" for t in active],
            "share of business talk": [f"{t.business_share:.0%}" for t in active],
            "business leaders": [", ".join(t.business_leaders) for t in active],
            "companies": [", ".join(t.companies) for t in active]}),
            hide_index=True, width="stretch")


def search(view: ConveningView) -> None:
    """Find statements by their words."""
    query = st.text_input("Search statements", key="search",
                          placeholder="e.g. welders, childcare, housing")
    if not query.strip():
        return
    words = query.lower().split()
    hits = [s for s in view.statements.values() if all(w in s.text.lower() for w in words)]
    st.text(f"{len(hits)} statement(s) match.")
    if hits:
        # A dataframe shows cells as plain text: quotes are never markup.
        st.dataframe(pd.DataFrame({"said at": [s.where for s in hits],
                                   "speaker": [s.speaker for s in hits],
                                   "theme": [view.label_of(s.theme_id) for s in hits],
                                   "statement": [s.text for s in hits]}),
                     hide_index=True, width="stretch")
