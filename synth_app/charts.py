"""Bar charts of counts (dots, business leaders) with whole-number axes and uncut labels."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import altair as alt
import pandas as pd
import streamlit as st

AXIS_HEIGHT = 60  # pixels under the bars: the count axis and its title
LINE = 32  # characters of a label on one line of the axis; longer labels wrap
# Vega draws a label given as a list of strings as one line each: the wrapped label is kept
# whole in the data (tooltips show it as it is) and split into lines only on the axis.
_SPLIT = "split(datum.label, '\\n')"


def wrapped(label: str, width: int = LINE) -> str:
    """``label`` with line breaks between words so no line is longer than ``width``."""
    return "\n".join(textwrap.wrap(" ".join(label.split()), width)) or label


def count_bars(labels: Sequence[str], counts: Sequence[int], *, title: str, what: str,
               empty: str, tooltip: dict[str, Sequence[object]] | None = None) -> None:
    """One horizontal bar per label, in the order given, each label a ``what`` ("theme",
    "priority") in the tooltip; ``empty`` is said instead of a chart when every count is 0 (an
    axis from 0 to 0 showed ticks like "0.000000")."""
    if not any(counts):
        st.info(empty)
        return
    frame = pd.DataFrame({"label": [wrapped(x) for x in labels], "name": list(labels),
                          "count": [int(c) for c in counts]} | dict(tooltip or {}))
    chart = alt.Chart(frame).mark_bar().encode(
        # Whole numbers only: a count has no tick at 0.5.
        x=alt.X("count:Q", title=title, axis=alt.Axis(format="d", tickMinStep=1),
                scale=alt.Scale(domainMin=0)),
        y=alt.Y("label:N", sort=None, title=None,
                axis=alt.Axis(labelExpr=_SPLIT, labelLimit=0, labelOverlap=False)),
        tooltip=[alt.Tooltip("name:N", title=what), alt.Tooltip("count:Q", title=title)]
        + [alt.Tooltip(f"{k}:Q" if _numbers(v) else f"{k}:N") for k, v in (tooltip or {}).items()])
    # Room for every line of every label (a bar grows with its label's lines), and for the
    # axis below: a label squeezed by its neighbours is otherwise left out.
    rows = sum(max(24, 14 * (x.count("\n") + 1) + 10) for x in frame["label"])
    st.altair_chart(chart.properties(height=AXIS_HEIGHT + rows), width="stretch")


def _numbers(values: Sequence[object]) -> bool:
    return all(isinstance(v, int | float) for v in values)
