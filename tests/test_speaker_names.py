"""Naming voices from the roster's voice samples (issue 27, item 1).

The roster's optional ``voice`` column, the one-to-one matching of found voices to people,
the real voice encoder on the sample convening (its turns from the reference, so no Whisper
run is needed), the pipeline's wiring, and a few seconds of a recording cut for a clip.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import SAMPLE_DIR

from synth.errors import InputError
from synth.records import Recording, Transcript, Turn
from synth.text.roster import load_roster, load_voices

ROSTER = SAMPLE_DIR / "roster.csv"


def _unit(*v: float) -> np.ndarray:
    return np.array(v, dtype=np.float64) / np.linalg.norm(v)


def test_sample_roster_gives_every_person_a_voice_sample() -> None:
    voices = load_voices(ROSTER)
    assert set(voices) == {p.name for p in load_roster(ROSTER)}
    assert voices["Tom Reyes"] == (SAMPLE_DIR / "voices" / "tom-reyes.ogg").resolve()
    assert all(p.is_file() for p in voices.values())


def test_voice_column_is_optional_relative_and_checked(tmp_path: Path) -> None:
    plain = tmp_path / "plain.csv"
    plain.write_text("name,company,role\nAna Lee,Lee Tools,business\n", encoding="utf-8")
    assert load_voices(plain) == {}
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "ana.ogg").write_bytes(b"x")
    some = tmp_path / "some.csv"
    some.write_text("name,company,role,voice\nAna Lee,Lee Tools,business,v/ana.ogg\n"
                    "Bo Park,Park Inc,business,\n", encoding="utf-8")
    assert load_voices(some) == {"Ana Lee": (tmp_path / "v" / "ana.ogg").resolve()}
    assert [p.name for p in load_roster(some)] == ["Ana Lee", "Bo Park"]  # column ignored
    typo = tmp_path / "typo.csv"
    typo.write_text("name,company,role,voice\nAna Lee,Lee Tools,business,v/anna.ogg\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="line 2: no voice sample at v/anna.ogg"):
        load_voices(typo)


def test_name_voices_is_one_to_one_and_needs_a_close_voice() -> None:
    from synth.audio.speakers import name_voices

    people = {"Ana": _unit(1, 0, 0), "Bo": _unit(0.9, 0.3, 0), "Cy": _unit(0, 0, 1)}
    # Both labels are closest to Ana; one to one, the second still finds Bo.
    found = {"S1": _unit(0.95, 0.2, 0), "S2": _unit(0.99, 0.05, 0), "S3": _unit(0, 1, 0)}
    assert name_voices(found, people, threshold=0.9) == {"S1": "Bo", "S2": "Ana"}
    # S3 is nobody's voice: it keeps its label rather than taking the closest person.
    assert name_voices({"S3": _unit(0, 1, 0)}, people, threshold=0.9) == {}
    assert name_voices({}, people) == {} and name_voices(found, {}) == {}


def _reference_transcript() -> tuple[Transcript, dict[str, str]]:
    """The sample convening's turns as diarization would give them: anonymous labels."""
    doc = json.loads((SAMPLE_DIR / "reference.json").read_text(encoding="utf-8"))
    label: dict[str, str] = {}
    for ln in doc["lines"]:
        label.setdefault(ln["speaker"], f"S{len(label) + 1}")
    turns = tuple(Turn("sample", i, ln["start"], ln["end"], ln["text"],
                       speaker=label[ln["speaker"]]) for i, ln in enumerate(doc["lines"]))
    return (Transcript(Recording("sample", "convening.ogg", "audio"), turns),
            {v: k for k, v in label.items()})


def test_voice_samples_name_every_speaker_of_the_sample() -> None:
    """The real voice encoder: each speaker of the sample meeting matches their own voice
    sample (recorded apart, other words, no room); without Rachel Kim's sample her label
    stays anonymous and nobody else is called Rachel Kim."""
    from synth.audio.speakers import name_speakers

    transcript, person_of = _reference_transcript()
    audio = SAMPLE_DIR / "convening.ogg"
    named = name_speakers([transcript], [audio], load_voices(ROSTER))[0]
    for before, after in zip(transcript.turns, named.turns, strict=True):
        assert after.speaker == person_of[before.speaker or ""]
        assert after.text == before.text and (after.start, after.end) == (before.start, before.end)

    some = {k: v for k, v in load_voices(ROSTER).items() if k != "Rachel Kim"}
    partly = name_speakers([transcript], [audio], some)[0]
    rachel = next(k for k, v in person_of.items() if v == "Rachel Kim")
    got = {b.speaker: a.speaker for b, a in zip(transcript.turns, partly.turns, strict=True)}
    assert got[rachel] == rachel
    assert {k: v for k, v in got.items() if k != rachel} == {
        k: v for k, v in person_of.items() if k != rachel}


def test_text_transcripts_and_no_samples_are_left_as_they_are() -> None:
    from synth.audio.speakers import name_speakers

    typed = Transcript(Recording("t", "notes.txt", "transcript"),
                       (Turn("t", 0, 0.0, 1.0, "Hello.", speaker="Ana Lee"),))
    assert name_speakers([typed], ["notes.txt"], load_voices(ROSTER)) == [typed]
    transcript, _ = _reference_transcript()
    assert name_speakers([transcript], ["unused.ogg"], {}) == [transcript]


def test_synthesize_names_speakers_after_sharing_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """synthesize hands the voice samples and each recording's path to name_speakers, only
    when speakers were looked for."""
    from synth.audio import speakers, transcribe
    from synth.convening import pipeline

    def fake_transcribe(path, **kwargs):  # noqa: ANN001, ANN003, ANN202
        rec = Recording(str(path), str(path), "audio")
        return Transcript(rec, (Turn(rec.id, 0, 0.0, 1.0, "hi", speaker="S1"),))

    calls = []
    handed = []
    monkeypatch.setattr(transcribe, "transcribe_file",
                        lambda path, **kwargs: handed.append(kwargs.get("voices"))
                        or fake_transcribe(path, **kwargs))
    monkeypatch.setattr(speakers, "name_speakers",
                        lambda ts, paths, samples: calls.append((list(paths), dict(samples)))
                        or list(ts))
    monkeypatch.setattr(pipeline, "synthesize_transcripts", lambda ts, **kwargs: list(ts))
    samples = {"Ana Lee": "ana.ogg"}
    pipeline.synthesize(["a.ogg"], settings=object(), speakers=2, voices=samples)
    assert calls == [(["a.ogg"], samples)]
    assert handed == [samples]  # the diarizer gets them too (see the tests below)
    pipeline.synthesize(["a.ogg"], settings=object(), speakers=None, voices=samples)
    pipeline.synthesize(["a.ogg"], settings=object(), speakers=2, voices={})
    assert len(calls) == 1


def test_known_voices_replace_the_centroids_they_match() -> None:
    from synth.audio.diarize import _with_known_voices

    centroids = np.stack([_unit(1, 0.1, 0), _unit(0, 1, 0.1), _unit(0.5, 0.5, 0.7)])
    known = np.stack([_unit(0, 1, 0), _unit(1, 0, 0), _unit(0, 0, 1)])
    out = _with_known_voices(centroids, known)
    # the first two match (0.995 each, one to one); the third's best (0.70) is below 0.90
    assert np.allclose(out[0], known[1]) and np.allclose(out[1], known[0])
    assert np.allclose(out[2], centroids[2])
    assert _with_known_voices(centroids, None) is centroids
    assert _with_known_voices(centroids, np.zeros((0, 3))) is centroids


def test_voice_samples_sharpen_the_speakers_of_the_sample() -> None:
    """The real voice encoder on the recorded sample convening, its 7 people given: scored
    against their voice samples, the speakers say who spoke when better (DER 0.118 -> 0.103
    when measured)."""
    from pipelines.evaluate_speakers import diarization_error
    from synth.audio.diarize import SpeakerSegment, diarize
    from synth.audio.ingest import decode_audio
    from synth.audio.speakers import voice_samples

    doc = json.loads((SAMPLE_DIR / "reference.json").read_text(encoding="utf-8"))
    reference = [SpeakerSegment(ln["start"], ln["end"], ln["speaker"]) for ln in doc["lines"]]
    audio = decode_audio(SAMPLE_DIR / "convening.ogg")
    known = np.stack(list(voice_samples(load_voices(ROSTER)).values()))
    plain = diarization_error(reference, diarize(audio, num_speakers=7)).der
    sharpened = diarization_error(reference, diarize(audio, num_speakers=7,
                                                     known_voices=known)).der
    assert sharpened < plain - 0.005
    assert sharpened < 0.115


def test_speakers_are_cached_per_voice_samples(settings, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Other voice samples (or a sample recorded again) find the speakers again; the same
    ones use the cache; no samples keep the cache they always had."""
    from synth.audio import transcribe
    from synth.audio.diarize import SpeakerSegment

    found = []

    def fake_find(audio, speakers, voices=None):  # noqa: ANN001, ANN202
        found.append(dict(voices or {}))
        return [SpeakerSegment(0.0, 1.0, "S1")]

    monkeypatch.setattr(transcribe, "find_speakers", fake_find)
    sample = tmp_path / "ana.ogg"
    sample.write_bytes(b"first take")
    rec = Recording("r" * 64, "r.ogg", "audio")

    def segments(voices):  # noqa: ANN001, ANN202
        return transcribe._speaker_segments("r.ogg", rec, 2, settings, audio=np.zeros(16000),
                                            force=False, voices=voices)

    for voices in ({"Ana Lee": sample}, {"Ana Lee": sample}, None, None):
        assert segments(voices) == [SpeakerSegment(0.0, 1.0, "S1")]
    assert found == [{"Ana Lee": sample}, {}]
    sample.write_bytes(b"second take")
    segments({"Ana Lee": sample})
    segments({"Bo Park": sample})
    assert len(found) == 4


def test_known_speakers_make_a_label_facilitator_talk(settings) -> None:
    """A re-run told that S1 is the facilitator keeps S1's words out of every candidate, and
    counts S2 (mapped to a business leader) as that leader."""
    from synth.convening.pipeline import synthesize_transcripts
    from synth.records import Participant

    lines = [("S1", "Welcome everyone. What keeps you up at night about hiring welders?"),
             ("S2", "We cannot find welders, and the ones we hire leave within a year."),
             ("S3", "Welders are hard to find here, we lost two to the shipyard."),
             ("S1", "So hiring welders and keeping them is the big one for this group."),
             ("S2", "Childcare for the second shift is the other problem for my people."),
             ("S3", "No daycare is open in the evening, so parents cannot work nights.")]
    turns = tuple(Turn("r", i, 10.0 * i, 10.0 * i + 8, text, speaker=who)
                  for i, (who, text) in enumerate(lines))
    transcript = Transcript(Recording("r", "r.ogg", "audio"), turns)
    roster = [Participant("Karen Holloway", "Board", "facilitator"),
              Participant("Tom Reyes", "Reyes Machining", "business")]
    result = synthesize_transcripts([transcript], settings=settings, roster=roster,
                                    known_speakers={"S1": "Karen Holloway", "S2": "Tom Reyes",
                                                    "S9": "Not On Roster"})
    s1 = [s for s in result.statements if s.speaker == "S1"]
    assert s1 and not any(s.clusterable for s in s1)
    assert any(s.clusterable for s in result.statements if s.speaker == "S2")
    clustered = {sid for t in result.themes.themes for sid in t.statement_ids}
    assert clustered and not clustered & {s.id for s in s1}


def test_decode_clip_is_the_same_samples_as_the_whole_recording() -> None:
    from synth.audio.ingest import decode_audio, decode_clip

    path = SAMPLE_DIR / "convening.ogg"
    whole = decode_audio(path)
    for start, end in [(0.0, 2.0), (99.6, 104.1), (340.0, 350.0)]:
        clip = decode_clip(path, start, end)
        ref = whole[int(round(start * 16000)):int(round(end * 16000))]
        assert abs(len(clip) - len(ref)) <= 1
        n = min(len(clip), len(ref))
        assert np.allclose(clip[:n], ref[:n], atol=1e-4)
    t = time.monotonic()
    decode_clip(path, 300.0, 306.0)
    assert time.monotonic() - t < 1.0  # a seek, not a decode of five minutes
    assert decode_clip(path, 400.0, 405.0).size == 0
    with pytest.raises(InputError):
        decode_clip(ROSTER, 0.0, 1.0)


def test_speaker_samples_pick_telling_sentences_and_a_short_clip() -> None:
    from types import SimpleNamespace

    from synth.decisions.speaker_samples import pick_samples

    def said(n: int, speaker: str, text: str, start: float, end: float, *,
             clusterable: bool = True, line: int | None = None) -> SimpleNamespace:
        return SimpleNamespace(speaker=speaker, text=text, start=start, end=end,
                               recording_id="r", line=line, clusterable=clusterable, position=n)

    rows = [said(0, "S1", "Yeah.", 0.0, 0.5),
            said(1, "S1", "We have six open machinist jobs and nobody to fill them.", 1.0, 5.0),
            said(2, "S1", "Good morning and welcome, everyone, to the launch meeting today.",
                 6.0, 9.0, clusterable=False),
            said(3, "S1", "Welders leave us for the shipyard after a year of training them here.",
                 10.0, 22.0),
            said(4, "S2", "Right.", 23.0, 23.4),
            said(5, "T1", "A typed line from the notes about childcare.", 0.0, 3.0, line=4),
            said(6, None, "Nobody's words.", 30.0, 31.0)]
    got = pick_samples(rows)
    assert set(got) == {"S1", "S2", "T1"}
    s1 = got["S1"]
    # The two longest substantive sentences, in spoken order; procedural talk and "Yeah" not.
    assert [text for _, _, text in s1.sentences] == [rows[1].text, rows[3].text]
    assert (s1.recording_id, s1.start, s1.end) == ("r", 10.0, 16.0)  # at most six seconds
    assert [text for _, _, text in got["S2"].sentences] == ["Right."]  # all there is
    assert got["T1"].recording_id is None and got["T1"].sentences[0][1] == 4  # typed: no clip
