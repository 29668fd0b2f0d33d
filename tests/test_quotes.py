"""The one quote rule (synth.themes.quotes) on hand-made statements."""

from __future__ import annotations

import numpy as np

from synth.records import Participant, Statement, Turn, Word
from synth.themes import quotes
from synth.themes.quotes import Candidate, choose

LONG = "We cannot find enough trained welders for the second shift at our plant."
LONG_2 = "Our machinists are retiring faster than the college can train new ones for us."
LONG_3 = "Childcare that opens before the early shift would bring parents back to work."


def test_a_short_statement_is_never_chosen_while_a_long_one_exists() -> None:
    short = Candidate("s", "Welders are hard to find.", "Ana", "business")  # 5 words
    six = Candidate("six", "We really need more welders now.", "Bo", "business")  # 6 words
    long = Candidate("l", LONG, "Cy", "public")
    picked = choose([short, six, long], n=3)
    assert picked[0].id == "l"
    # the short ones come only after every long one, as a last resort
    assert [c.id for c in choose([six, long], n=1)] == ["l"]
    assert quotes.word_count(six.text) == 6


def test_a_short_statement_is_quoted_when_nothing_longer_exists() -> None:
    six = Candidate("six", "We really need more welders now.", "Bo", "business")
    assert [c.id for c in choose([six], n=3)] == ["six"]


def test_a_low_confidence_statement_loses_to_a_clear_one() -> None:
    probs = (0.95,) * 13
    unsure = Candidate("unsure", LONG, "Ana", "business",
                       word_probs=probs[:5] + (0.2,) + probs[6:])
    clear = Candidate("clear", LONG_2, "Bo", "business",
                      word_probs=(0.9,) * len(LONG_2.split()))
    assert [c.id for c in choose([unsure, clear], n=1)] == ["clear"]
    assert [c.id for c in choose([clear, unsure], n=1)] == ["clear"]
    # ... and is still quoted, marked, when it is needed: its words unchanged
    assert quotes.marked(unsure) == LONG.replace("welders", "welders[?]")
    assert quotes.marked(unsure).replace(quotes.MARK, "") == LONG


def test_a_statement_cut_at_a_turn_edge_loses_to_a_whole_sentence() -> None:
    cut = Candidate("cut", "Half of our maintenance techs are retiring. So", "Ana", "business")
    whole = Candidate("whole", LONG_3, "Bo", "business")
    assert not quotes.is_whole(cut.text)
    assert quotes.is_whole(whole.text)
    assert quotes.is_whole("no punctuation at all in a typed transcript line")
    # Whisper's text has capitals and full stops: a statement that starts or ends mid-sentence
    # is a cut one (seen on the sample with tiny.en)
    assert not quotes.is_whole("years ago, and we are still waiting on the permit.")
    assert not quotes.is_whole("So that's a whole new product line for")
    assert quotes.is_whole('"We would love to build them around what you need."')
    assert [c.id for c in choose([cut, whole], n=1)] == ["whole"]


def test_a_statement_leaning_on_what_came_before_loses_to_one_that_stands_alone() -> None:
    # seen on a check meeting: both are whole sentences, only one reads alone on a card
    leans = Candidate("leans", "Which subs show up, which inspector wants what on the job.",
                      "Ana", "business", position=0)
    alone = Candidate("alone", "I need a lead installer who can quote a job without me.",
                      "Bo", "business", position=1)
    assert [c.id for c in choose([leans, alone], n=1)] == ["alone"]
    for text in ("And if you hired them in April, I could keep them busy.",
                 "Because nobody ever showed him how to read a schedule.",
                 "That's another job we just can't fill in this valley.", "so, which one?"):
        assert not quotes.stands_alone(text), text
    # someone said before: "she" is nobody on a card
    for text in ("She hasn't taken a vacation in two years.", "Now she runs the plant.",
                 "If he walks, I'm calling a contractor from out of state.",
                 "They're exhausted. One of them has a caseload of sixty."):
        assert not quotes.stands_alone(text), text
    for text in ("Andover Tech runs a welding class.", "Sometimes the bus never comes at all.",
                 "Shelters and theaters are open late.",
                 "That program at the college works well for us.", LONG):
        assert quotes.stands_alone(text), text
    # control: the same words without the leaning word come first (the earlier position)
    alone_too = Candidate("too", "Subs show up late, and each inspector wants something else.",
                          "Ana", "business", position=0)
    assert [c.id for c in choose([alone_too, alone], n=1)] == ["too"]
    # and a statement that only leans back is still quoted when nothing else is there
    assert [c.id for c in choose([leans], n=1)] == ["leans"]


def test_a_need_is_quoted_before_someone_signing_up_to_lead() -> None:
    # seen on the sample convening and two check meetings: the champion round's sign-ups
    sign_up = Candidate("sign", "Count me in on the apprenticeship, I'll champion that one.",
                        "Tom", "business", position=0)
    need = Candidate("need", LONG, "Bo", "business", position=1)
    assert [c.id for c in choose([sign_up, need], n=1)] == ["need"]
    for text in ("I'll take housing. I want the guy at the fairgrounds in a real place.",
                 "Put me down for the supply chain, and Linda too.",
                 "Yeah, sign me up for the trades night at the high school."):
        assert not quotes.is_clear(Candidate("x", text)), text
    # what a leader would do for the business is no sign-up, and reads as clear ("I'll take
    # two apprentices" would be demoted with the sign-ups: still quoted when nothing is better)
    assert quotes.is_clear(Candidate("x", "I'd take two apprentices every fall if they could "
                                          "weld."))
    # ... even when the need has a word Whisper was unsure of (the recording: nearly all do)
    unsure = Candidate("unsure", LONG, "Bo", "business", position=1,
                       word_probs=tuple([0.9] * 5 + [0.3] + [0.9] * 7))
    assert not quotes.is_clear(unsure)
    assert [c.id for c in choose([sign_up, unsure], n=1)] == ["unsure"]
    # control: alone, the sign-up is still quoted
    assert [c.id for c in choose([sign_up], n=1)] == ["sign"]


def test_an_answer_is_quoted_before_a_question_of_the_same_rank() -> None:
    ask = Candidate("ask", "Can I say something about the seasonal piece before we move on?",
                    "Ana", "business", position=0)
    answer = Candidate("answer", LONG, "Bo", "business", position=1)
    assert [c.id for c in choose([ask, answer], n=1)] == ["answer"]
    # control: the same words said as a statement come first (the earlier position wins ties)
    said = Candidate("said", "I want to say something about the seasonal piece before we move "
                     "on.", "Ana", "business", position=0)
    assert [c.id for c in choose([said, answer], n=1)] == ["said"]


def test_business_leaders_first() -> None:
    public = Candidate("p", LONG, "Dee", "public", position=0)
    other = Candidate("o", LONG_3, "Eve", "other", position=1)
    business = Candidate("b", LONG_2, "Fay", "business", position=2)
    assert [c.id for c in choose([public, other, business], n=3)][0] == "b"


def test_distinct_speakers_before_a_second_quote_of_one_speaker() -> None:
    a1 = Candidate("a1", LONG, "Ana", "business", position=0)
    a2 = Candidate("a2", LONG_2, "Ana", "business", position=1)
    b1 = Candidate("b1", LONG_3, "Bo", "public", position=2)
    assert [c.id for c in choose([a1, a2, b1], n=3)] == ["a1", "b1", "a2"]


def test_a_second_statement_of_the_point_before_another_voices_aside() -> None:
    # Ana makes the point twice and Dee once; Bo and Cy say something off it (less near the
    # centre than the median statement)
    a1 = Candidate("a1", LONG, "Ana", "business", position=0)
    a2 = Candidate("a2", LONG_2, "Ana", "business", position=1)
    b1 = Candidate("b1", LONG_3, "Bo", "business", position=2)
    c1 = Candidate("c1", "The bus stops at six, so the night shift has no way to get home.", "Cy",
                   "business", position=3)
    d1 = Candidate("d1", "Welders are the hardest people to hire in this valley right now.", "Dee",
                   "business", position=4)
    cands = [a1, a2, b1, c1, d1]
    vectors = np.array([[1.0, 0.1], [1.0, 0.0], [0.3, 1.0], [0.2, 1.0], [1.0, 0.05]])
    picked = [c.id for c in choose(cands, n=3, vectors=vectors)]
    assert sorted(picked) == ["a1", "a2", "d1"]
    assert picked.index("d1") < picked.index("a2") or picked.index("d1") < picked.index("a1")
    # without vectors nothing is known to be off the point: distinct speakers first
    assert [c.id for c in choose(cands, n=3)] == ["a1", "b1", "c1"]


def test_procedural_filler_and_facilitator_talk_are_never_quoted() -> None:
    hello = Candidate("hello", "Good morning and welcome, grab some coffee and muffins "
                      "before we begin.", "Ana", "business")
    filler = Candidate("filler", "Yeah, so, you know, um, it is like, right, okay.", "Bo",
                       "business")
    host = Candidate("host", LONG, "Host", "facilitator")
    assert choose([hello, filler, host], n=3) == []
    assert [c.id for c in choose([hello, filler, host,
                                  Candidate("ok", LONG_2, "Cy")], n=3)] == ["ok"]


def test_vectors_prefer_the_central_statement_and_avoid_saying_it_twice() -> None:
    cands = [Candidate(str(i), t, f"P{i}", "business", position=i)
             for i, t in enumerate([LONG, LONG_2, LONG_3])]
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    assert choose(cands, n=1, vectors=vectors)[0].id == "1"  # nearest the centre


def test_the_name_steers_the_quotes_to_what_it_names() -> None:
    # the centre of a candidate can sit on company background; the name says what it is about
    cands = [Candidate(str(i), t, f"P{i}", "business", position=i)
             for i, t in enumerate([LONG, LONG_2, LONG_3])]
    vectors = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])
    assert choose(cands, n=1, vectors=vectors, anchor=np.array([0.0, 2.0]))[0].id == "2"
    # control: without the name, the central statement
    assert choose(cands, n=1, vectors=vectors, anchor=None)[0].id == "1"


def test_the_pipelines_picks_come_first_where_the_stored_rows_choose() -> None:
    cands = [Candidate(str(i), t, f"P{i}", "business", position=i)
             for i, t in enumerate([LONG, LONG_2, LONG_3])]
    assert [c.id for c in choose(cands, n=3)] == ["0", "1", "2"]  # control: by position
    assert [c.id for c in choose(cands, n=3, ranks={"2": 0, "0": 1})] == ["2", "0", "1"]
    # a rank never lifts a statement over a clearer one (a lead-in, a fragment)
    lead = Candidate("lead", "Here's the thing on the young ones, though.", "Q", "business")
    assert choose([lead, *cands], n=1, ranks={"lead": 0})[0].id == "0"


def test_a_lead_in_that_only_announces_its_point_is_not_clear() -> None:
    # seen on check meetings: each promises a point the card does not hold
    for text in ("Here's the thing on the young ones, though.",
                 "On the maintenance side, I'll tell you what keeps me up.",
                 "I want to come back to the screening.", "Can I go back to safety?",
                 "Can I, uh, can I jump on the maintenance thing Elias said?",
                 "Can I say something about the seasonal piece?"):
        assert quotes.announces(text), text
    # a longer statement makes its point after the lead-in; a plain statement announces nothing
    for text in ("Going back to Gene, I think what worries me is we don't have any process "
                 "for passing it on.", LONG, "We want to go back to school at night."):
        assert not quotes.announces(text), text
    lead_in = Candidate("lead", "On the maintenance side, I'll tell you what keeps me up.",
                        "Ana", "business", kind="need", position=0)
    point = Candidate("point", LONG_2, "Bo", "business", position=1)
    assert [c.id for c in choose([lead_in, point], n=1)] == ["point"]
    assert [c.id for c in choose([lead_in], n=1)] == ["lead"]  # still quoted when alone


def test_text_transcript_shows_its_line_not_a_time() -> None:
    assert quotes.said_at(37.5, 4) == "line 5"
    assert quotes.said_at(75.0, None) == "1:15"
    assert quotes.said_at(3725.0, None) == "1:02:05"


def _statement(sid: str, text: str, speaker: str, start: float = 0.0,
               line: int | None = None, position: int = 0) -> Statement:
    return Statement(id=sid, recording_id="a" * 16, turn_index=0, start=start,
                     end=start + 5, text=text, speaker=speaker, line=line, position=position)


def test_pick_quotes_keeps_the_words_speaker_and_line() -> None:
    members = [_statement("x", LONG, "Ana", line=3), _statement("y", "Short one here.", "Bo",
                                                                  line=4, position=1)]
    people = {"Ana": Participant("Ana", "Acme", "business")}
    (quote,) = quotes.pick_quotes(members, n=1, participants=people)
    assert (quote.statement_id, quote.text, quote.speaker, quote.line) == ("x", LONG, "Ana", 3)


def test_pick_quotes_uses_word_probabilities() -> None:
    members = [_statement("x", LONG, "Ana"), _statement("y", LONG_2, "Bo", position=1)]
    probs = {"x": (0.1,) * len(LONG.split()), "y": (0.9,) * len(LONG_2.split())}
    assert quotes.pick_quotes(members, n=1, word_probs=probs)[0].statement_id == "y"


def test_statement_word_probs_align_with_the_statement_words() -> None:
    said = [" Thanks.", " We", " need", " flux-", "core", " welders."]
    probs = [0.9, 0.8, 0.7, 0.3, 0.6, 0.95]
    words, t = [], 0.0
    for text, p in zip(said, probs, strict=True):
        words.append(Word(t, t + 0.4, text, p))
        t += 0.5
    turn = Turn("a" * 16, 0, 0.0, t, "".join(said).strip(), "Ana", words=tuple(words))
    st = Statement("s", "a" * 16, 0, 0.5, t, "We need flux-core welders.", "Ana")
    got = quotes.statement_word_probs([st], [turn])
    # "flux-core" is two of Whisper's words: the surer of nothing, so the lower one
    assert got == {"s": (0.8, 0.7, 0.3, 0.95)}
    # a typed transcript's turn has no words: nothing to give
    typed = Turn("b" * 16, 0, 0.0, 4.0, st.text, "Ana", line=0)
    assert quotes.statement_word_probs([st], [typed]) == {}


# --- the store, the exports and the ballot use the same rule ---------------------------------


def test_stored_word_probabilities_choose_and_withdrawal_clears_them(engine) -> None:
    from test_store import load, result

    from synth.decisions import privacy
    from synth.export.results import priority_quotes
    from synth.store import queries, transaction

    data = result({"t1": range(0, 4)}, n=4, speakers={i: "Ana" for i in range(4)})
    texts = [LONG, LONG_2, LONG_3, "Our welders are retiring and nobody is coming up behind them."]
    for i, st in enumerate(data["statements"]):
        st["text"] = texts[i]
        st["word_probs"] = [0.2 if i < 2 else 0.9] * len(texts[i].split())
    conv = load(engine, data).convening_id
    with transaction(engine) as s:
        rows = queries.statements_of(s, conv)
        assert rows["s02"].word_probs == [0.9] * len(LONG_3.split())
        (tid,) = [t.id for t in queries.themes_of(s, conv)]
        said = priority_quotes(s, queries.get_convening(s, conv), [tid])[tid]
    # the sure statements first; the unsure ones only after them
    assert [q.text for q in said][:2] == [LONG_3, texts[3]]
    privacy.withdraw(engine, conv, ["s02"], who="facilitator")
    with transaction(engine) as s:
        assert queries.statements_of(s, conv)["s02"].word_probs is None


def test_a_typed_transcript_quote_shows_its_line_in_the_exports() -> None:
    from synth.export.common import quote_line
    from synth.export.records import ReportQuote

    typed = ReportQuote(LONG, "Ana", 37.5, "plenary.txt", line=4)
    heard = ReportQuote(LONG, "Ana", 75.0, "plenary.ogg")
    assert quote_line(typed).endswith("Ana, line 5 (plenary.txt)")
    assert quote_line(heard).endswith("Ana, 1:15 (plenary.ogg)")
