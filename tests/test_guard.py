"""The hallucination guard removes loops and stock phrases, and keeps real speech."""

from __future__ import annotations

from synth.audio.guard import RawSegment, guard_segments
from synth.records import Word


def seg(text: str, start: float = 0.0, **kw: float) -> RawSegment:
    words = tuple(Word(start + i * 0.3, start + i * 0.3 + 0.25, f" {w}", 0.9)
                  for i, w in enumerate(text.split()))
    return RawSegment(start, start + 0.3 * len(words), " " + text, words, **kw)


def test_normal_speech_is_kept_untouched() -> None:
    s = seg("We need welders, yeah yeah, and we need them now.")
    kept, removed = guard_segments([s], "r")
    assert kept == [s] and removed == []


def test_phrase_loop_keeps_first_occurrence_and_reports_the_rest() -> None:
    s = seg("we need more welders " * 5 + "for the new line")
    kept, removed = guard_segments([s], "r")
    assert kept[0].text == "we need more welders for the new line"
    assert len(removed) == 1 and "repeated 5 times" in removed[0].reason
    assert removed[0].text.count("welders") == 4


def test_single_word_loop() -> None:
    kept, removed = guard_segments([seg("the " * 12 + "end")], "r")
    assert kept[0].text == "the end" and removed


def test_high_compression_ratio_drops_segment_when_the_decoder_was_unsure() -> None:
    kept, removed = guard_segments([seg("la la la", compression_ratio=3.1, avg_logprob=-0.7)],
                                   "r")
    assert kept == [] and "compression ratio 3.1" in removed[0].reason
    said_twice = seg("ask what you can do. " * 2, compression_ratio=2.5, avg_logprob=-0.1)
    assert guard_segments([said_twice], "r") == ([said_twice], [])


def test_stock_phrase_from_silence_is_dropped_only_on_evidence() -> None:
    quiet = seg("Thank you.", no_speech_prob=0.5)
    kept, removed = guard_segments([quiet], "r")
    assert kept == [] and "stock phrase" in removed[0].reason
    confident = seg("Thank you.", no_speech_prob=0.01, avg_logprob=-0.2)
    assert guard_segments([confident], "r")[0] == [confident]


def test_not_speech_by_decoder_signals() -> None:
    kept, removed = guard_segments([seg("mm hmm", no_speech_prob=0.9, avg_logprob=-1.2)], "r")
    assert kept == [] and "not speech" in removed[0].reason


def test_same_segment_three_times_in_a_row() -> None:
    segs = [seg("Okay, let's go.", start=i * 2.0) for i in range(4)]
    kept, removed = guard_segments(segs, "r")
    assert len(kept) == 2 and len(removed) == 2
