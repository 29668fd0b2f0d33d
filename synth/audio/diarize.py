"""Who spoke when, offline: voice activity, voice embeddings, clustering, re-segmentation.

The recipe, in order:

1. speech regions from Silero VAD (the copy bundled with faster-whisper), run block by block;
2. the speech regions' mel frames joined into one speech-only stream, so that windows do not
   straddle long silences and the voice encoder sees what it was trained on (Resemblyzer trims
   silences too);
3. a Resemblyzer embedding for a short window every ``hop`` seconds of that stream;
4. spectral clustering, on cosine similarity, of the windows that lie inside one speech region
   (a window across a pause mixes two turns), the number of speakers from the largest
   eigengap unless given;
5. where people's voices are known from their voice samples, a speaker whose centroid matches
   one (one to one, at ``SAME_VOICE`` or above) takes that voice as its centroid;
6. each 10 ms frame scored against every speaker's centroid by the windows covering it
   (centre-weighted), then a Viterbi pass that pays a price for every change of speaker, so
   that boundaries land on the frame where the voice changes rather than where a window ends.

Memory grows with the speech in the file, not with its square: mel frames cost 16 kB per
second of speech and clustering runs on at most ``max_cluster_windows`` windows (the rest are
scored against the centroids), so a 3-hour recording needs a few hundred MB beyond its audio.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from synth.audio import voice_encoder
from synth.audio.voice_encoder import FRAMES_PER_SECOND, HOP
from synth.sequence import best_path

log = logging.getLogger(__name__)

Progress = Callable[[float], None]  # called with the share of the work done, 0..1

# Two voices are one person when they are at least this similar (cosine, Resemblyzer
# embeddings), each pair being also the best one-to-one match between the two sets: speakers of
# different recordings of one convening, a speaker and a person's voice sample. Measured with
# ``python -m pipelines.evaluate_speakers --cross`` (the sample convening cut into 2 and 3
# recordings, each diarized alone, with the two-speaker call and JFK as other people): the
# same person scored 0.93 to 0.99 across recordings; different people up to 0.94 inside the
# convening (synthetic voices; the one-to-one matching keeps those apart) and 0.85 for the
# call's two real speakers; people from other recordings 0.51 to 0.64. Every threshold from
# 0.75 to 0.90 gave the same joins there (all true pairs joined with 2 parts, 0.905 with 3
# parts and 7 speakers given, no wrong join of distinct people); 0.95 missed true pairs. 0.90
# sits above the two real people of the call and below the lowest same-person score; a
# recording from another microphone scores lower, so a person may then stay split in two
# (which the facilitator can merge) rather than two people being joined.
SAME_VOICE = 0.90


@dataclass(frozen=True, slots=True)
class SpeakerSegment:
    """One stretch of a recording attributed to one speaker (seconds from its start)."""

    start: float
    end: float
    speaker: str


@dataclass(frozen=True, slots=True)
class DiarizationOptions:
    """Settings of the recipe above; the defaults were tuned on the two-speaker call."""

    vad_threshold: float = 0.35
    vad_min_silence_ms: int = 250
    vad_pad_ms: int = 60
    vad_block_s: float = 600.0  # VAD runs on blocks this long to bound memory
    window: float = 1.6  # seconds of speech per embedding (Resemblyzer's partial length)
    hop: float = 0.25  # seconds between embedding windows
    max_speakers: int = 8
    # Two clusters whose centroids are this similar are one voice: the eigengap always finds
    # two or more groups, even in a monologue.
    merge_similarity: float = 0.95
    max_cluster_windows: int = 2000
    # Frames are scored with shorter windows than those clustered: a 1.6 s window cannot
    # place a boundary inside a one-second reply, a 0.8 s one can, and the centroids (from the
    # longer, steadier windows) keep their noise in check.
    score_window: float = 1.0
    score_hop: float = 0.1
    switch_penalty: float = 4.0  # Viterbi cost of a change of speaker (in frame scores)
    score_scale: float = 20.0  # sharpens cosine scores into log-likelihood-like units


def speech_regions(audio: np.ndarray, options: DiarizationOptions,
                   sample_rate: int = 16000) -> list[tuple[int, int]]:
    """(start, end) sample spans of speech, found block by block and joined across blocks."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    vad = VadOptions(threshold=options.vad_threshold,
                     min_silence_duration_ms=options.vad_min_silence_ms,
                     speech_pad_ms=options.vad_pad_ms)
    block = int(options.vad_block_s * sample_rate)
    regions: list[tuple[int, int]] = []
    for offset in range(0, len(audio), block):
        for span in get_speech_timestamps(audio[offset:offset + block], vad, sample_rate):
            start, end = span["start"] + offset, span["end"] + offset
            # A region cut by a block edge continues in the next block: join them.
            if regions and start - regions[-1][1] <= 1:
                regions[-1] = (regions[-1][0], end)
            else:
                regions.append((start, end))
    return regions


def _speech_stream(audio: np.ndarray, regions: Sequence[tuple[int, int]]
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mel frames of the speech regions back to back, each frame's index in the recording,
    and whether a frame opens a region (a likely place for a change of speaker)."""
    mels, where, opens = [], [], []
    for start, end in regions:
        n = (end - start) // HOP
        if n == 0:
            continue
        mels.append(voice_encoder.mel_frames(audio[start:end])[:n])
        first = int(round(start / HOP))
        where.append(np.arange(first, first + n))
        opening = np.zeros(n, dtype=bool)
        opening[0] = True
        opens.append(opening)
    if not mels:
        return np.zeros((0, voice_encoder.N_MELS), np.float32), np.zeros(0, int), np.zeros(0, bool)
    return np.concatenate(mels), np.concatenate(where), np.concatenate(opens)


def _window_starts(n_frames: int, length: int, hop: int) -> np.ndarray:
    """Start frames of windows covering the whole stream, the last one flush with its end."""
    if n_frames <= length:
        return np.zeros(1, dtype=np.int64)
    starts = np.arange(0, n_frames - length + 1, hop)
    if starts[-1] != n_frames - length:
        starts = np.append(starts, n_frames - length)
    return starts.astype(np.int64)


def _embed(mels: np.ndarray, starts: np.ndarray, length: int, progress: Progress | None,
           done: float, share: float) -> np.ndarray:
    """Embeddings of all windows, in batches so the progress callback keeps moving."""
    chunk = 512
    parts = []
    for i in range(0, len(starts), chunk):
        parts.append(voice_encoder.embed_windows(mels, starts[i:i + chunk], length))
        if progress is not None:
            progress(done + share * min(i + chunk, len(starts)) / len(starts))
    return np.concatenate(parts)


def _inside_one_region(starts: np.ndarray, length: int, opens: np.ndarray) -> np.ndarray:
    """Which windows of the speech stream start and end in the same speech region."""
    region = np.cumsum(opens) - 1
    last = np.minimum(starts + length, len(opens)) - 1
    return region[starts] == region[last]


def _spectral_labels(embeddings: np.ndarray, num_speakers: int | None,
                     max_speakers: int) -> np.ndarray:
    """Cluster unit vectors by spectral clustering; k from the eigengap unless given."""
    from sklearn.cluster import KMeans

    n = len(embeddings)
    if n < 4 or num_speakers == 1:  # too few windows to tell voices apart, or told one
        return np.zeros(n, dtype=np.int64)
    similarity = np.clip(embeddings @ embeddings.T, 0.0, 1.0)
    np.fill_diagonal(similarity, 0.0)
    top = min(max_speakers + 1, n)
    if num_speakers is None:
        # Keep each window's p strongest neighbours only (weak cross-speaker links blur the
        # block structure the eigengap depends on), with p chosen per recording as in Park et
        # al. (2020, "auto-tuning spectral clustering", NME-SC): the p with the smallest
        # p / (largest eigengap). A fixed 20% found 2 voices of 7 in the sample convening
        # and in either half of it; the tuned p finds 6 in each (2 on the call, as before).
        tried = [_pruned_spectrum(similarity, share, top) for share in _PRUNE_SHARES]
        keep, values, vectors = min(
            tried, key=lambda t: (t[0] / n) / max(float(np.diff(t[1]).max()), 1e-10))
        k = int(np.argmax(np.diff(values)[:max_speakers])) + 1
    else:
        keep, values, vectors = _pruned_spectrum(similarity, 0.2, top)
        k = num_speakers
    k = max(1, min(k, n))
    if k == 1:
        return np.zeros(n, dtype=np.int64)
    features = vectors[:, :k]
    features /= np.maximum(np.linalg.norm(features, axis=1, keepdims=True), 1e-10)
    return KMeans(n_clusters=k, n_init=10, random_state=0).fit_predict(features).astype(np.int64)


_PRUNE_SHARES = (0.02, 0.04, 0.06, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3)


def _pruned_spectrum(similarity: np.ndarray, share: float, top: int
                     ) -> tuple[int, np.ndarray, np.ndarray]:
    """Neighbours kept per row, and the ``top`` smallest eigenvalues and eigenvectors of the
    normalised Laplacian of the affinity that keeps each row's strongest ``share``."""
    from scipy.linalg import eigh

    n = len(similarity)
    keep = max(5, int(share * n))
    if keep < n - 1:
        cutoff = np.partition(similarity, n - keep, axis=1)[:, n - keep][:, None]
        similarity = np.where(similarity >= cutoff, similarity, 0.0)
    affinity = (similarity + similarity.T) / 2
    degree = np.maximum(affinity.sum(1), 1e-10)
    scale = 1.0 / np.sqrt(degree)
    laplacian = np.eye(n) - scale[:, None] * affinity * scale[None, :]
    values, vectors = eigh(laplacian, subset_by_index=[0, top - 1])
    return keep, values, vectors


def _centroids(embeddings: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Unit-length mean embedding of every cluster, in label order."""
    means = np.stack([embeddings[labels == k].mean(0) for k in np.unique(labels)])
    return means / np.maximum(np.linalg.norm(means, axis=1, keepdims=True), 1e-10)


def _merge_similar(centroids: np.ndarray, threshold: float) -> np.ndarray:
    """Map cluster -> cluster after merging any pair of centroids above ``threshold``."""
    owner = np.arange(len(centroids))
    similarity = centroids @ centroids.T
    for i in range(len(centroids)):
        for j in range(i + 1, len(centroids)):
            if similarity[i, j] >= threshold:
                owner[owner == owner[j]] = owner[i]
    return np.unique(owner, return_inverse=True)[1]


def one_to_one(a: np.ndarray, b: np.ndarray,
               threshold: float) -> list[tuple[int, int, float]]:
    """(row of ``a``, row of ``b``, cosine) pairs of the best one-to-one matching of two sets
    of unit voices (Hungarian algorithm), keeping the pairs at ``threshold`` or above."""
    from scipy.optimize import linear_sum_assignment

    similarity = a @ b.T
    rows, cols = linear_sum_assignment(-similarity)
    return [(int(r), int(c), float(similarity[r, c])) for r, c in zip(rows, cols, strict=True)
            if similarity[r, c] >= threshold]


def _with_known_voices(centroids: np.ndarray, known: np.ndarray | None) -> np.ndarray:
    """The centroids with each one that matches a known voice (one to one, ``SAME_VOICE`` or
    above) replaced by that voice.

    A voice sample is the person alone for several seconds; a centroid is the mean of windows
    the clustering gave that speaker, some of them another, similar voice's. On the sample
    convening (7 speakers given, every centroid matched at 0.93-0.96) the share of words given
    the right speaker went from 0.942 to 0.964, DER from 0.118 to 0.103: as good as the
    reference's own speaker means (0.965). Averaging the two instead gave 0.955. A sample
    recorded on another microphone that matches no centroid changes nothing.
    """
    if known is None or not len(known) or not len(centroids):
        return centroids
    out = centroids.copy()
    for r, c, _ in one_to_one(centroids, known, SAME_VOICE):
        out[r] = known[c]
    return out


def _frame_scores(scores: np.ndarray, starts: np.ndarray, length: int,
                  n_frames: int) -> np.ndarray:
    """Centre-weighted mean of the window scores covering each frame: (frames, speakers)."""
    weight = np.hanning(length + 2)[1:-1]
    total = np.zeros((n_frames + length, scores.shape[1]))
    norm = np.zeros(n_frames + length)
    for offset in range(length):
        total[starts + offset] += weight[offset] * scores
        norm[starts + offset] += weight[offset]
    return total[:n_frames] / np.maximum(norm[:n_frames], 1e-10)[:, None]


def _segments(frame_index: np.ndarray, labels: np.ndarray) -> list[SpeakerSegment]:
    """Runs of one label over contiguous frames, named S1, S2... by first appearance."""
    names: dict[int, str] = {}
    segments: list[SpeakerSegment] = []
    run_start = 0
    for t in range(1, len(labels) + 1):
        same = t < len(labels) and labels[t] == labels[t - 1]
        if same and frame_index[t] == frame_index[t - 1] + 1:
            continue
        label = int(labels[run_start])
        name = names.setdefault(label, f"S{len(names) + 1}")
        segments.append(SpeakerSegment(float(frame_index[run_start]) / FRAMES_PER_SECOND,
                                       float(frame_index[t - 1] + 1) / FRAMES_PER_SECOND, name))
        run_start = t
    return segments


def diarize(audio: np.ndarray, *, sample_rate: int = 16000, num_speakers: int | None = None,
            progress: Progress | None = None, options: DiarizationOptions | None = None,
            known_voices: np.ndarray | None = None) -> list[SpeakerSegment]:
    """Who spoke when in a mono 16 kHz recording, as segments labelled S1, S2... in order.

    ``num_speakers`` fixes the number of voices (for instance from the roster); otherwise it
    is found from the data (at most ``options.max_speakers``). ``known_voices`` (unit voices,
    one row per person, from their voice samples: see
    :func:`synth.audio.speakers.voice_samples`) sharpen the speakers they match. ``progress``
    is called with the share of the work done. Silence, or audio too short to embed, gives no
    segments.
    """
    if sample_rate != voice_encoder.SAMPLE_RATE:
        raise ValueError(f"diarize expects 16 kHz audio, got {sample_rate} Hz; resample first")
    options = options or DiarizationOptions()
    audio = np.asarray(audio, dtype=np.float32)
    regions = speech_regions(audio, options, sample_rate)
    if progress is not None:
        progress(0.1)
    mels, frame_index, opens = _speech_stream(audio, regions)
    length = int(round(options.window * FRAMES_PER_SECOND))
    if len(mels) < FRAMES_PER_SECOND // 4:  # under a quarter second of speech: nobody spoke
        log.info("diarize: no speech found")
        return []
    starts = _window_starts(len(mels), length, int(round(options.hop * FRAMES_PER_SECOND)))
    embeddings = _embed(mels, starts, length, progress, 0.1, 0.4)

    # Cluster only the windows that lie inside one speech region: a window across a pause
    # usually holds the end of one turn and the start of the next, two voices in one vector,
    # and such windows formed a cluster of their own that took the place of a real speaker
    # (sample convening, 7 speakers given: 0.82 -> 0.94 of words right). Regions shorter than
    # a window are still scored below; their own sub-window embeddings were too noisy to help.
    sample = embeddings[_inside_one_region(starts, length, opens)]
    if len(sample) < 4:
        sample = embeddings
    # Cluster an evenly spaced subset when there are many windows: the affinity matrix is
    # quadratic in their number; the others are scored against the centroids below.
    sample = sample[::int(np.ceil(len(sample) / options.max_cluster_windows))]
    labels = _spectral_labels(sample, num_speakers, options.max_speakers)
    centroids = _centroids(sample, labels)
    if num_speakers is None:
        centroids = _centroids(sample, _merge_similar(centroids, options.merge_similarity)[labels])
    centroids = _with_known_voices(centroids, known_voices)
    log.info("diarize: %d speech regions, %.0f s of speech, %d windows, %d speakers",
             len(regions), len(mels) / FRAMES_PER_SECOND, len(embeddings), len(centroids))

    score_length = int(round(options.score_window * FRAMES_PER_SECOND))
    if (options.score_window, options.score_hop) != (options.window, options.hop):
        starts = _window_starts(len(mels), score_length,
                                int(round(options.score_hop * FRAMES_PER_SECOND)))
        embeddings = _embed(mels, starts, score_length, progress, 0.5, 0.4)
    scores = _frame_scores(embeddings @ centroids.T, starts, score_length, len(mels))
    penalty = np.where(opens, options.switch_penalty / 4, options.switch_penalty)
    path = best_path(scores * options.score_scale, penalty)
    if progress is not None:
        progress(1.0)
    return _segments(frame_index, path)


def diarize_channels(channels: np.ndarray, *, sample_rate: int = 16000,
                     options: DiarizationOptions | None = None) -> list[SpeakerSegment]:
    """Who spoke when in a recording with one microphone per person: channel = speaker.

    ``channels`` is (n_channels, samples). Each channel's speech regions come from the VAD;
    a region is dropped as crosstalk when, over its span, another channel is more than 10 dB
    louder (that voice leaking into this microphone). Overlapping speech on two channels is
    kept on both. Speakers are named S1, S2... in order of first appearance.
    """
    options = options or DiarizationOptions()
    channels = np.atleast_2d(np.asarray(channels, dtype=np.float32))
    n_frames = channels.shape[1] // HOP
    if n_frames == 0:
        return []
    frames = channels[:, :n_frames * HOP].reshape(len(channels), n_frames, HOP)
    power = np.mean(frames.astype(np.float64) ** 2, axis=2)  # per channel per 10 ms
    found: list[tuple[float, float, int]] = []
    for c, channel in enumerate(channels):
        for start, end in speech_regions(channel, options, sample_rate):
            span = slice(start // HOP, max(-(-end // HOP), start // HOP + 1))
            own = power[c, span].mean()
            others = np.delete(power[:, span], c, axis=0).mean(1) if len(channels) > 1 else []
            if len(others) and 10 * np.log10((max(others) + 1e-12) / (own + 1e-12)) > 10.0:
                continue
            found.append((start / sample_rate, end / sample_rate, c))
    found.sort()
    names: dict[int, str] = {}
    return [SpeakerSegment(start, end, names.setdefault(c, f"S{len(names) + 1}"))
            for start, end, c in found]
