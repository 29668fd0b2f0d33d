"""Labels weigh what their phrases mean (synth/themes/labels.py, ``meaning``): the phrases
c-TF-IDF ranks highest are re-ranked by their cosine to the theme's mean statement vector.

The real-model case has its control: the same themes labelled without the embedder.
"""

from __future__ import annotations

import numpy as np

from synth.records import Statement
from synth.text.embed import embed_texts
from synth.text.statements import noun_phrases
from synth.themes.clustering import normalise
from synth.themes.labels import _by_meaning, label_themes

# "head" is the most specific word of this theme ("it's all in his head"), but the theme is
# about knowledge leaving with the people who retire.
RETIRING = [
    ("Half my linemen retire in the next five years.", "Earl Voss"),
    ("When our relay tech retires, thirty years of the system walk out the door.", "Dana Kim"),
    ("It's all in his head, none of it is written down.", "Earl Voss"),
    ("The old foreman keeps the whole substation in his head.", "Raj Patel"),
    ("We need the retirees to teach the new crews before they leave.", "Dana Kim"),
    ("Retirement papers are already in for two of my best people.", "Raj Patel"),
]
QUEUE = [
    ("The interconnection queue is three years long.", "Earl Voss"),
    ("Our solar project has waited in the queue since 2022.", "Dana Kim"),
    ("The utility needs more engineers to run the studies.", "Raj Patel"),
    ("Faster interconnection studies would unlock our projects.", "Earl Voss"),
]


def _theme(rows: list[tuple[str, str]], first: int, nlp) -> list[Statement]:
    return [Statement(id=f"s{first + i}", recording_id="rec", turn_index=first + i,
                      start=float(first + i), end=first + i + 0.9, text=text, speaker=speaker,
                      position=first + i, phrases=noun_phrases(nlp(text)[:]))
            for i, (text, speaker) in enumerate(rows)]


def test_the_real_embedder_names_the_theme_by_what_it_is_about(nlp, embedder, cache_dir):
    themes = [_theme(RETIRING, 0, nlp), _theme(QUEUE, 100, nlp)]
    centrality = [np.ones(len(m)) for m in themes]

    def embed(texts):
        return embed_texts(texts, model=embedder, cache_dir=cache_dir)

    own = normalise(np.vstack([embed([s.text for s in m]).mean(axis=0) for m in themes]))
    (plain, _), _ = label_themes(themes, centrality)
    (meant, phrases), (queue, _) = label_themes(themes, centrality, meaning=(embed, own))
    assert plain == "Head"  # the control: by specificity alone
    assert "retire" in meant.lower(), meant
    assert "interconnection" in queue.lower(), queue
    assert "head" in phrases  # still a keyphrase, only no longer the name


def test_by_meaning_reorders_only_the_top_phrases_and_embeds_once():
    calls: list[list[str]] = []
    toward = {"childcare": [1.0, 0.0], "parking lot": [0.0, 1.0], "shift": [0.6, 0.8]}

    def embed(texts):
        calls.append(list(texts))
        return np.array([toward.get(t, [-1.0, 0.0]) for t in texts])

    ranked = [[(0.9, ("parking", "lot")), (0.5, ("childcare",)), (0.4, ("shift",))],
              [(0.7, ("shift",))]]
    out = _by_meaning(ranked, embed, np.array([[1.0, 0.0], [0.0, 1.0]]))
    assert len(calls) == 1 and calls[0] == ["parking lot", "childcare", "shift", "shift"]
    # 0.5 * 1.0 > 0.4 * 0.6 > 0.9 * 0.0: the phrase meaning the theme comes first
    assert [p for _, p in out[0]] == [("childcare",), ("shift",), ("parking", "lot")]
    assert out[1] == [(0.7 * 0.8, ("shift",))]
    assert _by_meaning([[], []], embed, np.zeros((2, 2))) == [[], []]
    assert len(calls) == 1  # nothing to embed, no call
