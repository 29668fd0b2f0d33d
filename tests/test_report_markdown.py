"""result.md: the candidates as a partnership could send them
(synth.convening.report.to_markdown)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from types import SimpleNamespace

from synth.convening.pipeline import Convening
from synth.convening.report import to_json, to_markdown
from synth.records import Participant, Quote, Recording, Statement, Theme, Transcript, Turn

ROSTER = (
    Participant("Karen Holloway", "Cascade Valley Workforce Board", "facilitator"),
    Participant("Tom Reyes", "Reyes Precision Machining", "business"),
    Participant("Linda Park", "Northfork Fabrication", "business"),
    Participant("Rachel Kim", "Cascade Valley Community College", "public"),
)


def convening(kind: str = "transcript", roster: tuple[Participant, ...] = ROSTER,
              extra_recording: bool = False) -> Convening:
    """Two candidates from four turns, built by hand (no models)."""
    name = "notes.txt" if kind == "transcript" else "plenary.m4a"
    rec = Recording("r1", name, kind, duration=200.0)  # type: ignore[arg-type]
    line = (lambda n: n) if kind == "transcript" else (lambda n: None)
    said = [("Karen Holloway", "What do you need?", 0.0, 2.0, 0),
            ("Tom Reyes", "We need welders.", 2.0, 4.0, 1),
            ("Linda Park", "Welders *and*\n\n# machinists > all <b>else</b> &amp; more.", 4.0,
             10.0, 3),
            ("Rachel Kim", "Our welding course starts in May.", 125.0, 129.0, 4),
            ("Greg Olsen", "Housing is the problem.", 131.0, 133.0, 5),
            (None, "Nobody can afford to live here.", 133.0, 137.0, 6)]
    turns = tuple(Turn("r1", i, a, b, text, who, line=line(n))
                  for i, (who, text, a, b, n) in enumerate(said))
    statements = tuple(Statement(f"s{i}", "r1", i, a, b, text, who, line(n),
                                 clusterable=who != "Karen Holloway", position=i)
                       for i, (who, text, a, b, n) in enumerate(said))
    quote = {s.id: Quote(s.id, s.text, s.speaker, s.start, s.end, "r1", s.line)
             for s in statements}
    themes = (
        Theme("theme-aaa", "Welder *apprenticeship* pipeline", ("welders", "course"),
              ("s1", "s2", "s3"), ("Tom Reyes", "Rachel Kim", "Linda Park"),
              ("Cascade Valley Community College", "Northfork Fabrication",
               "Reyes Precision Machining"),
              (quote["s1"], quote["s2"], quote["s3"]), stability=0.8312, talk_share=0.6154),
        Theme("theme-bbb", "Housing", ("housing",), ("s4", "s5"), ("Greg Olsen",), (),
              (quote["s4"], quote["s5"]), stability=0.5, talk_share=0.3077),
    )
    result = SimpleNamespace(themes=themes, assignment={
        "s0": None, "s1": "theme-aaa", "s2": "theme-aaa", "s3": "theme-aaa", "s4": "theme-bbb",
        "s5": "theme-bbb"})
    transcripts = (Transcript(rec, turns),)
    if extra_recording:
        transcripts += (Transcript(Recording("r2", "table 2.m4a", "audio", 1.0), ()),)
    return Convening(transcripts=transcripts, statements=statements, themes=result,
                     participants=roster)


EXPECTED = """\
# Candidate shared priorities

From notes.txt: 2 candidate priorities, the one raised by the most business leaders first.

**The names are suggestions.** synth generated each name from what was said; the facilitator \
confirms, renames, merges or drops each candidate with the partnership before it becomes a \
shared priority. The quotes are participants' own words, exactly as in the transcript, with \
who said them and the line of the transcript.

Business leaders did 40% of the talking, public partners 20%, facilitators 10%, others 10% \
and unidentified speakers 20%.

## 1. Welder \\*apprenticeship\\* pipeline

_Suggested name, to be confirmed by the facilitator._

Raised by 2 business leaders and 1 public partner:

- Linda Park, Northfork Fabrication
- Tom Reyes, Reyes Precision Machining
- Rachel Kim, Cascade Valley Community College (public partner)

In their words:

> \u201cWe need welders.\u201d\x20\x20
> \u2014 Tom Reyes, Reyes Precision Machining, line 2

> \u201cWelders \\*and\\* \\# machinists \\> all \\<b\\>else\\</b\\> \\&amp; more.\u201d\x20\x20
> \u2014 Linda Park, Northfork Fabrication, line 4

> \u201cOur welding course starts in May.\u201d\x20\x20
> \u2014 Rachel Kim, Cascade Valley Community College, line 5

## 2. Housing

_Suggested name, to be confirmed by the facilitator._

Raised by 1 person not on the roster:

- Greg Olsen

In their words:

> \u201cHousing is the problem.\u201d\x20\x20
> \u2014 Greg Olsen, line 6

> \u201cNobody can afford to live here.\u201d\x20\x20
> \u2014 unidentified speaker, line 7
"""


def test_result_md_reads_as_a_partnership_would_send_it() -> None:
    assert to_markdown(convening()) == EXPECTED


def test_technical_figures_stay_in_the_json() -> None:
    c = convening()
    md = to_markdown(c)
    for figure in ("stability", "0.83", "0.62", "62%", "theme-aaa", "s1", "r1", "statements",
                   "Keywords", "(generated label)"):
        assert figure not in md, figure
    data = json.loads(to_json(c))
    assert data["themes"][0]["stability"] == 0.8312 and data["themes"][0]["talk_share"] == 0.6154


def test_a_quote_never_leaves_its_blockquote() -> None:
    md = to_markdown(convening())
    quoted = [ln for ln in md.splitlines() if "machinists" in ln]
    assert len(quoted) == 1 and quoted[0].startswith("> \u201cWelders")
    body = md.split("In their words:")[1].split("## 2.")[0]
    for chunk in body.strip().split("\n\n"):  # every paragraph of quotes is all blockquote
        assert all(ln.startswith("> ") for ln in chunk.splitlines()), chunk


def test_audio_quotes_give_the_time_and_several_recordings_name_theirs() -> None:
    md = to_markdown(convening(kind="audio", extra_recording=True))
    assert md.startswith("# Candidate shared priorities\n\nFrom plenary.m4a and table 2.m4a: ")
    assert "> \u2014 Tom Reyes, Reyes Precision Machining, plenary.m4a at 0:02\n" in md
    assert "> \u2014 Rachel Kim, Cascade Valley Community College, plenary.m4a at 2:05\n" in md
    assert not re.search(r"line \d", md)
    assert "exactly as transcribed, with who said them and when in the recording." in md


def test_without_a_roster_people_are_counted_and_no_role_shares() -> None:
    md = to_markdown(convening(roster=()))
    assert "the one raised by the most people first." in md
    assert "Raised by 3 people:\n\n- Linda Park\n- Rachel Kim\n- Tom Reyes\n" in md
    assert "Raised by 1 person:\n\n- Greg Olsen\n" in md
    assert "of the talking" not in md and "Northfork" not in md


def test_no_candidates_says_so() -> None:
    c = convening()
    empty = Convening(c.transcripts, c.statements,
                      SimpleNamespace(themes=(), assignment=dict.fromkeys(c.themes.assignment)),
                      c.participants)
    md = to_markdown(empty)
    assert "No candidate priorities were found" in md and "##" not in md


def test_markdown_is_byte_deterministic() -> None:
    assert to_markdown(convening()) == to_markdown(convening())
    assert not re.search(r"\d\.\d", to_markdown(convening()))  # no decimals in the prose


def test_candidates_the_recap_named_say_so_and_the_order_says_why() -> None:
    c = convening()
    housing = replace(c.themes.themes[1], read_back=True)
    c = replace(c, themes=SimpleNamespace(themes=(housing, c.themes.themes[0]),
                                          assignment=c.themes.assignment))
    md = to_markdown(c)
    assert ("2 candidate priorities, those the facilitator read back in the recap first, then "
            "by how many business leaders raised them.") in md
    assert md.index("## 1. Housing") < md.index("_Named from the facilitator's recap, to be "
                                                 "confirmed with the partnership._") \
        < md.index("## 2. Welder")
    assert json.loads(to_json(c))["themes"][0]["read_back"] is True
    assert json.loads(to_json(convening()))["themes"][0]["read_back"] is False
