"""The facilitator's recap names the themes it sums up (synth/themes/recaps.py).

Extraction is checked on hand-written read-backs in the shapes the convening transcripts use;
the matching on hand-made vectors; the whole path with the real embedder and clusterer, with
its control (the same meeting without the recap keeps its generated labels).
"""

from __future__ import annotations

import numpy as np
import pytest

from synth.records import Participant, Statement
from synth.text.embed import embed_texts
from synth.text.statements import noun_phrases
from synth.themes.candidates import ThemeSettings, find_themes
from synth.themes.recaps import (
    RecapItem,
    item_vectors,
    name_themes,
    recap_items,
    sign_ups_to_named,
    split_shared,
)


def _turn(texts: list[str], turn: int = 0, nlp=None) -> list[Statement]:
    return [Statement(id=f"f{turn}-{i}", recording_id="rec", turn_index=turn, start=turn + i,
                      end=turn + i + 0.9, text=t, speaker="Dana Whitfield", position=turn * 100 + i,
                      phrases=noun_phrases(nlp(t)[:]) if nlp is not None else ())
            for i, t in enumerate(texts)]


def _names(statements: list[Statement], avoid: frozenset[str] = frozenset()) -> list[str]:
    return [item.name for item in recap_items(statements, avoid) if item.name]


def test_numbered_items_are_read_to_the_end_of_their_clause() -> None:
    said = _turn(["Let me read back what I've got.",
                  "One. Workforce housing. Both seasonal beds and year-round apartments.",
                  "Two: growing your current people into foremen and superintendents.",
                  "Three, keeping people while the fab hires, pay ladders, that kind of thing.",
                  "(laughs) Four, the image of manufacturing.",
                  "Priority five, MA and CNA."])
    assert _names(said) == ["Workforce housing",
                            "Growing your current people into foremen and superintendents",
                            "Keeping people while the fab hires",
                            "The image of manufacturing", "MA and CNA"]
    # What the facilitator says about an item, up to the next one, goes with it.
    first = recap_items(said)[0]
    assert first.said.startswith("Workforce housing. Both seasonal beds")
    assert first.said.endswith("apartments. Two:")  # the next item's ordinal, no further
    assert first.statement_id == said[1].id


def test_talk_that_only_starts_like_an_item_names_nothing() -> None:
    said = _turn(["Second, and this is related but I think different, what the college teaches.",
                  "And five, which nobody really named but everybody described.",
                  "Two or three of you per priority, please.",
                  "Four, the folks you already have.",
                  "One, we heard a lot about hiring."])
    assert _names(said) == []


def test_an_item_described_rather_than_named_is_kept_without_a_name() -> None:
    said = _turn(["Three, cybersecurity. SOC analysts, nights, cloud security.",
                  "Four, and this one nobody really named. The phone, the no-shows, making "
                  "change. I'd call it work readiness.",
                  "And five, which came up over and over. Losing people to remote jobs."])
    items = recap_items(said)
    assert [i.name for i in items] == ["Cybersecurity", "", ""]
    assert items[1].said.startswith("and this one nobody really named. The phone")
    assert items[2].said == "which came up over and over. Losing people to remote jobs."
    # what the facilitator calls a described item is its coined name; a named item has none
    assert [i.coined for i in items] == ["", "Work readiness", ""]
    # it is placed by what was said of it
    lengths = item_vectors(items, lambda texts: np.vstack([[len(t), 1.0] for t in texts]))
    assert lengths.shape == (3, 2)
    # without a named item beside them, items that open like clauses are talk, not a recap
    assert recap_items(said[1:]) == []


def test_an_item_without_a_name_names_no_theme() -> None:
    # two themes on axes 0 and 1; a named item near theme 0, an unnamed one near theme 1 (its
    # vector still counts where split_shared splits a theme two items lie closest to)
    items = [RecapItem(name="Housing", said="Housing.", statement_id="a"),
             RecapItem(name="", said="People walking off.", statement_id="b")]
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]])
    centroids = np.array([[1.0, 0.0], [0.0, 1.0]])
    theme_vectors = [np.array([[1.0, 0.1], [1.0, -0.1]]), np.array([[0.1, 1.0], [-0.1, 1.0]])]
    assert name_themes(items, vectors, centroids, theme_vectors) == ["Housing", None]


def test_a_name_never_holds_a_persons_name() -> None:
    said = _turn(["Four, maintenance and refrigeration techs, the Dale problem.",
                  "Five, Dale's ammonia crew."])
    assert _names(said, avoid=frozenset({"dale"})) == ["Maintenance and refrigeration techs"]


def test_spoken_lists_with_full_stops_or_commas() -> None:
    typed = _turn(["I'm hearing five things again and again. Hiring. Training and "
                   "apprenticeships. Childcare and housing. Permits.",
                   "And the supply chain.", "Does that sound right?"])
    heard = _turn(["Sure. I'm hearing five things again and again, hiring, training and "
                   "apprentice ships, childcare and housing, permits, and the supply chain,"], 1)
    expected = ["Hiring", "Training and apprenticeships", "Childcare and housing", "Permits",
                "Supply chain"]
    assert _names(typed) == expected
    assert _names(heard) == [e.replace("apprenticeships", "apprentice ships") for e in expected]
    # Short sentences that name nothing, or too few of them, are no list.
    assert _names(_turn(["Okay. Great. Thanks, everybody. Wonderful."])) == []
    assert _names(_turn(["Housing. Permits. Does that sound right?"])) == []
    assert _names(_turn(["We have three things, I think, and we will see."])) == []


def test_lists_under_headings() -> None:
    # the shape of a quarterly meeting's read-back: existing priorities, then new ones
    board = _turn(["Let me read back the board.",
                   "Existing: the supervision pool, the tech and peer pipeline, and Medicaid "
                   "rates and billing.",
                   "New: burnout and secondary trauma, and bilingual and culturally matched "
                   "staff.", "Does that feel right?"])
    assert _names(board) == ["Supervision pool", "Tech and peer pipeline",
                             "Medicaid rates and billing", "Burnout and secondary trauma",
                             "Bilingual and culturally matched staff"]
    # a piece with a name is still part of the list, and names nothing itself
    assert "Medicaid rates and billing" not in _names(board, avoid=frozenset({"medicaid"}))
    assert len(_names(board, avoid=frozenset({"medicaid"}))) == 4
    # too few pieces, talk after a colon, or a heading that is talk: no list
    assert _names(_turn(["New: burnout, and bilingual staff."])) == []
    assert _names(_turn(["Two questions: where is the industry going, and what keeps you up "
                         "at night?"])) == []
    assert _names(_turn(["So: housing, permits, and childcare."])) == []


def test_each_theme_takes_the_item_most_clearly_about_it() -> None:
    # Two themes along the axes; items embedded by hand (name and explanation alike).
    toward = {"Childcare": [1.0, 0.05], "Permits": [0.05, 1.0], "Hiring": [0.75, 0.66],
              "Parking": [-1.0, 0.0]}

    def embed(texts: list[str]) -> np.ndarray:
        return np.array([toward[t.split(".")[0]] for t in texts])

    def named(some, spread):
        return name_themes(some, item_vectors(some, embed), centroids, spread)

    items = recap_items(_turn(["One. Hiring.", "Two. Childcare.", "Three. Permits.",
                               "Four. Parking."]))
    centroids = np.array([[1.0, 0.0], [0.0, 1.0]])
    spread = [np.array([[1.0, 0.1], [0.6, 0.8]]), np.array([[0.1, 1.0], [0.8, 0.6]])]
    # "Childcare" is more clearly about the first theme than the broader "Hiring" and chooses
    # first; "Parking" is near neither.
    assert named(items, spread) == ["Childcare", "Permits"]
    # With the second theme free and its own statements spread wider, "Hiring" names it: the
    # closest theme nobody named, past that theme's bar.
    loose = [spread[0], np.array([[0.1, 1.0], [0.9, 0.44]])]
    no_permits = [i for i in items if i.name != "Permits"]
    assert named(no_permits, loose) == ["Childcare", "Hiring"]
    assert named(no_permits, spread) == ["Childcare", None]
    # Without "Childcare", "Hiring" is close enough to name the first theme; and it names a
    # theme whose own statements are all closer than any item too, since the two are each
    # other's closest (test_closest_both_ways_name_a_theme_below_its_bar).
    tight = [np.array([[1.0, 0.0], [1.0, 0.01]]), spread[1]]
    no_childcare = [i for i in items if i.name != "Childcare"]
    assert named(no_childcare, spread) == ["Hiring", "Permits"]
    assert named(no_childcare, tight) == ["Hiring", "Permits"]
    assert name_themes([], np.zeros((0, 2)), centroids, spread) == [None, None]


def test_closest_both_ways_name_a_theme_below_its_bar() -> None:
    # Two themes whose own statements are alike past any item (as typed sentences are, and as
    # Whisper's fragments are not): no item passes a bar.
    centroids = np.array([[1.0, 0.0], [0.0, 1.0]])
    tight = [np.array([[1.0, 0.0], [1.0, 0.01]]), np.array([[0.0, 1.0], [0.01, 1.0]])]
    items = [RecapItem(name="Permits", said="Permits", statement_id="a"),
             RecapItem(name="Hiring", said="Hiring", statement_id="b")]
    vectors = np.array([[0.3, 0.95], [0.6, 0.8]])
    # "Permits" and the second theme are each other's closest: it names it. "Hiring" is the
    # first theme's closest item, but its own closest theme is the second: no name.
    assert name_themes(items, vectors, centroids, tight) == [None, "Permits"]
    # without "Permits", "Hiring" and the second theme are each other's closest
    assert name_themes(items[1:], vectors[1:], centroids, tight) == [None, "Hiring"]
    # an item described rather than named names nothing, and keeps its closest theme unnamed
    blank = [RecapItem(name="", said="People walking off.", statement_id="c"), items[1]]
    assert name_themes(blank, np.array([[0.0, 1.0], [0.6, 0.8]]), centroids, tight) == [None,
                                                                                        None]


def test_what_the_facilitator_calls_a_described_item() -> None:
    from synth.themes.recaps import _coined

    assert _coined("Gene. I'm going to write \"knowledge transfer from the retiring "
                   "workforce.\" Is that right?", frozenset()) == (
        "Knowledge transfer from the retiring workforce")
    assert _coined("No tech scene. I'm going to call it attracting and keeping experienced "
                   "tech talent in the region.", frozenset()) == (
        "Attracting and keeping experienced tech talent in the region")
    # cut at its comma when long, as a numbered item is
    assert _coined("I'd call it work readiness, or foundational customer service skills.",
                   frozenset()) == "Work readiness"
    # no name: a call to a person, a person's name, or nothing called at all
    assert _coined("And five, people. Nate, I'm going to call you.", frozenset()) == ""
    assert _coined("I'd call it the Dale problem.", frozenset({"dale"})) == ""
    assert _coined("Losing people to remote jobs, spouses.", frozenset()) == ""


def test_a_coined_name_names_only_its_closest_theme_both_ways() -> None:
    centroids = np.array([[1.0, 0.0], [0.0, 1.0]])
    spread = [np.array([[1.0, 0.1], [0.6, 0.8]]), np.array([[0.1, 1.0], [0.8, 0.6]])]
    coined = RecapItem(name="", said="The phone, the no-shows.", statement_id="a",
                       coined="Work readiness")
    hiring = RecapItem(name="Hiring", said="Hiring", statement_id="b")
    # past the second theme's bar (0.95 > its statements' 0.6), but the bar pass skips it;
    # the two are each other's closest, so it names the theme
    assert name_themes([coined], np.array([[0.31, 0.95]]), centroids, spread) == [
        None, "Work readiness"]
    # "Hiring" names the second theme first, past its bar: the coined name finds it taken
    vectors = np.array([[0.31, 0.95], [0.2, 0.98]])
    assert name_themes([coined, hiring], vectors, centroids, spread) == [None, "Hiring"]
    # a described item with no coined name names nothing
    plain = RecapItem(name="", said="The phone, the no-shows.", statement_id="a")
    assert name_themes([plain], np.array([[0.31, 0.95]]), centroids, spread) == [None, None]


def test_a_theme_two_read_back_items_share_is_split_between_them() -> None:
    # Theme 0 holds licensing talk (x axis) and foreman talk (y axis); theme 1 is about parking.
    licensing = [[1.0, 0.2, 0.0], [0.9, 0.3, 0.0], [1.0, 0.1, 0.1]]
    foremen = [[0.3, 1.0, 0.0], [0.2, 0.9, 0.1], [0.1, 1.0, 0.0]]
    parking = [[0.0, 0.0, 1.0], [0.1, 0.0, 1.0], [0.0, 0.1, 1.0]]
    x = np.array(licensing + foremen + parking)
    labels = np.array([0, 0, 0, 0, 0, 0, 1, 1, 1])
    items = np.array([[0.8, 0.6, 0.0], [0.6, 0.8, 0.0]])  # "licensing", "foremen"
    items = items / np.linalg.norm(items, axis=1, keepdims=True)
    assert split_shared(labels, x, items, min_size=3).tolist() == [0, 0, 0, 2, 2, 2, 1, 1, 1]
    # a part smaller than a candidate may be, or a single item, splits nothing
    assert split_shared(labels, x, items, min_size=4) is labels
    assert split_shared(labels, x, items[:1], min_size=3) is labels
    # statements set aside stay set aside
    aside = labels.copy()
    aside[0] = -1
    assert split_shared(aside, x, items, min_size=2).tolist() == [-1, 0, 0, 2, 2, 2, 1, 1, 1]


def test_sign_ups_go_to_the_theme_whose_name_they_repeat() -> None:
    # The sign-up round after the recap: each turn names its priority by a word of its name.
    said = [(0, "I'll take licensing. Obviously."), (0, "Curtis, you're with me."),
            (1, "Foremen. Me and Hank."), (2, "I'll lead housing, with Ray."),
            (3, "I'll take it."),  # names nothing: stays
            (4, "Licensing is a mess."),  # no sign-up in the turn: stays
            (5, "I'll do the parking and the foremen piece.")]  # one word each of two: stays
    members = [Statement(id=f"s{i}", recording_id="rec", turn_index=turn, start=i, end=i + 0.9,
                         text=text, speaker="Marisol Trevino", position=i)
               for i, (turn, text) in enumerate(said)]
    labels = np.array([3, 3, 3, 3, 3, 3, -1])
    names = {0: "The licensing bottleneck", 1: "Growing your current people into foremen",
             2: "Workforce housing", 4: "Growing people into leads", 5: "Truck parking"}
    # "Curtis, you're with me." follows its turn's sign-up only by its words: it shares none
    # with a name and stays; "lead" is the sign-up's own word, not the "leads" of theme 4.
    assert sign_ups_to_named(labels, members, names).tolist() == [0, 3, 1, 2, 3, 3, -1]
    assert sign_ups_to_named(labels, members, {}) is labels


CHILDCARE = [
    ("Half my second shift are young parents and there is no evening childcare.", "Greg Olsen"),
    ("I lost two good welders because they couldn't find daycare.", "Linda Park"),
    ("None of us can run a daycare alone, but five companies sharing one center might work.",
     "Marcus Bell"),
    ("The daycare has to be open for second shift, that's the part nobody offers.", "Greg Olsen"),
    ("Our parents on nights have nowhere to leave the kids.", "Linda Park"),
    ("A shared childcare center near the industrial park would keep people.", "Marcus Bell"),
]
PERMITS = [
    ("We bought land for a second building and we are still waiting on the county.", "Ana Cruz"),
    ("It took us eleven months to get an air permit for one paint booth.", "Tom Reyes"),
    ("Nobody at the county will tell you how long a review takes.", "Tom Reyes"),
    ("Five different offices all wanted the same drawings when we expanded.", "Marcus Bell"),
    ("The inspector told us something completely different about storm water.", "Ana Cruz"),
    ("One person to call at the county would save us months on permits.", "Greg Olsen"),
]
RECAP = ["Okay, let me read back what I've got.",
         "One. Evening childcare for second shift. A shared daycare center, open at night.",
         "Two. Permit delays at the county. Air permits, one person to call, one set of "
         "drawings for every office."]


def _themes_of_a_meeting(said: list[tuple[str, str]], recap: list[str], n_themes: int, nlp,
                         embedder, cache_dir):
    """Themes of leaders' statements ``said`` (text, speaker) and, after them, the facilitator
    Dana Whitfield's ``recap`` turn, with the real embedder."""
    statements = [Statement(id=f"s{i}", recording_id="rec", turn_index=i, start=float(i),
                            end=i + 0.9, text=t, speaker=s, position=i,
                            phrases=noun_phrases(nlp(t)[:]))
                  for i, (t, s) in enumerate(said)]
    statements += [Statement(id=f"r{i}", recording_id="rec", turn_index=50, start=50.0 + i,
                             end=50.9 + i, text=t, speaker="Dana Whitfield", position=50 + i,
                             clusterable=False, phrases=noun_phrases(nlp(t)[:]))
                   for i, t in enumerate(recap)]

    def embed(texts: list[str]) -> np.ndarray:
        return embed_texts(texts, model=embedder, cache_dir=cache_dir)

    people = {s.speaker: Participant(s.speaker, role="business") for s in statements
              if s.speaker}
    people["Dana Whitfield"] = Participant("Dana Whitfield", role="facilitator")
    return find_themes(statements, embed([s.text for s in statements]),
                       settings=ThemeSettings(n_themes=n_themes, stability_runs=0),
                       participants=people, embed=embed).themes


@pytest.mark.parametrize("with_recap", [True, False])
def test_the_room_names_its_themes_through_the_facilitator(nlp, embedder, cache_dir,
                                                           with_recap: bool) -> None:
    themes = _themes_of_a_meeting(CHILDCARE + PERMITS, RECAP if with_recap else [], 2, nlp,
                                  embedder, cache_dir)
    by_label = {t.label: set(t.statement_ids) for t in themes}
    childcare = {f"s{i}" for i in range(6)}
    if with_recap:
        assert set(by_label) == {"Evening childcare for second shift",
                                 "Permit delays at the county"}
        assert len(by_label["Evening childcare for second shift"] & childcare) >= 5
    else:  # the control: generated labels, no recap name
        assert "Evening childcare for second shift" not in by_label
        assert "Permit delays at the county" not in by_label
    assert all(t.read_back == with_recap for t in themes)


def test_themes_read_back_in_the_recap_rank_first(nlp, embedder, cache_dir) -> None:
    # Three themes; the recap names only permits, the theme fewest leaders raised.
    hiring = [("We can't find welders, and the ones we find can't pass a bend test.", "Ana Cruz"),
              ("Six machinist jobs have been open since last summer.", "Marcus Bell"),
              ("Nobody applies for maintenance technician jobs any more.", "Greg Olsen"),
              ("We need people who can program and fix the robots.", "Linda Park"),
              ("Every shop here is hiring machinists and welders at once.", "Tom Reyes"),
              ("Our job posts for welders get no answers at all.", "Ana Cruz")]
    recap = ["Let me read back one thing.", "One. Permit delays at the county. Air permits "
             "and one person to call."]
    themes = _themes_of_a_meeting(CHILDCARE + hiring + [(t, "Tom Reyes") for t, _ in PERMITS],
                                  recap, 3, nlp, embedder, cache_dir)
    first = themes[0]
    assert first.label == "Permit delays at the county" and first.read_back
    assert len(first.speakers) < max(len(t.speakers) for t in themes)
    assert not any(t.read_back for t in themes[1:])
