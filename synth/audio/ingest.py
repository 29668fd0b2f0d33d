"""Find, hash, validate and decode the inputs of a convening.

A file is identified by the sha256 of its bytes, so the same recording under another name is
recognised and never transcribed twice. The kind of a file is decided by its content, not its
name: a text file renamed ``.wav`` is reported as such instead of crashing the decoder.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

import numpy as np

from synth.errors import InputError, NoSpeechError
from synth.files import sha256_file
from synth.records import Recording

log = logging.getLogger(__name__)

InputKind = Literal["audio", "transcript"]  # as Recording.kind

SAMPLE_RATE = 16_000
AUDIO_EXTENSIONS = {".wav", ".flac", ".mp3", ".m4a", ".ogg", ".opus", ".webm", ".mp4", ".mkv",
                    ".mov", ".aac", ".wma", ".aiff", ".aif"}
TRANSCRIPT_EXTENSIONS = {".txt", ".vtt", ".srt", ".json"}
# Magic numbers of containers PyAV decodes; anything else is tried only if named as audio.
_AUDIO_MAGIC = (b"RIFF", b"fLaC", b"OggS", b"ID3", b"\x1aE\xdf\xa3", b"FORM", b"\xff\xfb",
                b"\xff\xf3", b"\xff\xf2", b"\xff\xf1", b"\xff\xf9", b"0&\xb2u")


def _looks_like_audio(head: bytes) -> bool:
    return head.startswith(_AUDIO_MAGIC) or head[4:8] == b"ftyp"


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    # A NUL counts as one unprintable byte: a stray one in a text file is then reported by
    # the transcript reader with its line, as one further in the file is.
    printable = sum(1 for b in head if b >= 32 or b in b"\t\r\n")
    return printable / max(len(head), 1) > 0.95


def input_kind(path: str | Path) -> InputKind:
    """Check that ``path`` is a readable, non-empty input and say what it holds, without
    reading it whole (a saved upload is checked at once; it is hashed when it is processed).

    Raises :class:`InputError` naming the file and the problem.
    """
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file. Check the path.")
    if p.is_dir():
        raise InputError(f"{p}: is a folder; give the recording or transcript files inside it.")
    size = p.stat().st_size
    if size == 0:
        raise InputError(f"{p}: the file is empty (0 bytes). Re-export or copy it again.")
    with open(p, "rb") as f:
        head = f.read(4096)
    ext = p.suffix.lower()
    kind: InputKind
    if _looks_like_audio(head):
        kind = "audio"
    elif ext in TRANSCRIPT_EXTENSIONS and _looks_like_text(head):
        kind = "transcript"
    elif ext in AUDIO_EXTENSIONS and _looks_like_text(head):
        raise InputError(
            f"{p}: named like audio ({ext}) but holds text. If it is a transcript, give it a "
            ".txt, .vtt, .srt or .json name; otherwise export the recording again."
        )
    elif ext in AUDIO_EXTENSIONS:
        kind = "audio"  # unusual container; let the decoder decide
    elif ext in TRANSCRIPT_EXTENSIONS:
        raise InputError(
            f"{p}: named like a transcript ({ext}) but is not text. Check the file."
        )
    else:
        raise InputError(
            f"{p}: unsupported file type '{ext or 'no extension'}'. Give audio or video "
            f"({', '.join(sorted(AUDIO_EXTENSIONS))}) or a transcript (.txt, .vtt, .srt, .json)."
        )
    return kind


def identify(path: str | Path) -> Recording:
    """Check an input (:func:`input_kind`) and describe it, identified by the sha256 of its
    bytes. Raises :class:`InputError` naming the file and the problem."""
    p = Path(path)
    kind = input_kind(p)
    sha = sha256_file(p)
    return Recording(id=sha[:16], name=p.name, kind=kind, sha256=sha)


def decode_audio(path: str | Path, sampling_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Decode any audio or video file to mono float32 at ``sampling_rate``, without ffmpeg.

    Uses PyAV (bundled with faster-whisper). Raises :class:`InputError` for files with no
    audio track or that cannot be decoded, and :class:`NoSpeechError` for empty audio.
    """
    import av

    p = Path(path)
    try:
        with av.open(str(p), metadata_errors="ignore") as container:
            if not container.streams.audio:
                kinds = ", ".join(sorted({s.type for s in container.streams})) or "nothing"
                raise InputError(
                    f"{p}: has no audio track (it contains {kinds}). Export the recording "
                    "with its sound, or give the audio file itself."
                )
            audio = _decode_samples(container, sampling_rate)
    except InputError:
        raise
    except (av.error.FFmpegError, OSError, ValueError, IndexError, StopIteration) as exc:
        raise InputError(
            f"{p}: cannot be decoded as audio ({type(exc).__name__}: {exc}). The file may be "
            "corrupt, truncated or not audio; export it again as wav, flac, mp3 or m4a."
        ) from exc
    if audio.size == 0:
        raise NoSpeechError(f"{p}: decoded to no audio at all (0 samples). Check the recording.")
    return audio


def decode_clip(path: str | Path, start: float, end: float,
                sampling_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Seconds ``start`` to ``end`` of a recording as mono float32, like :func:`decode_audio`.

    Seeks instead of decoding from the beginning, so a few seconds of a speaker in a
    three-hour recording cost a few seconds of decoding. Raises :class:`InputError` when
    the file cannot be decoded; past the end of the recording the clip is short or empty.
    """
    import av

    p = Path(path)
    chunks: list[np.ndarray] = []
    first: float | None = None
    try:
        with av.open(str(p), metadata_errors="ignore") as container:
            stream = container.streams.audio[0]
            if stream.time_base is None:  # PyAV allows it; no decodable audio track lacks one
                raise ValueError("the audio track has no time base")
            resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono",
                                                          rate=sampling_rate)
            # A second early: a seek lands on the packet at or before the time asked for.
            container.seek(int(max(start - 1.0, 0.0) / stream.time_base), stream=stream)
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                if first is None:
                    first = float(frame.time)
                chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(frame)]
                if frame.time > end:
                    break
            chunks += [f.to_ndarray().reshape(-1) for f in resampler.resample(None)]
    except (av.error.FFmpegError, OSError, ValueError, IndexError) as exc:
        raise InputError(f"{p.name}: cannot be decoded as audio ({type(exc).__name__}).") from exc
    if first is None or not chunks:
        return np.zeros(0, dtype=np.float32)
    audio = np.concatenate(chunks).astype(np.float32) / 32768.0
    a = max(int(round((start - first) * sampling_rate)), 0)
    b = max(int(round((end - first) * sampling_rate)), a)
    return audio[a:b]


def _decode_samples(container: Any, sampling_rate: int) -> np.ndarray:
    """The first audio track as mono float32, written straight into one array.

    Gives the same samples as faster-whisper's ``decode_audio`` (16-bit, then / 32768) with
    about a third of its peak memory: that one keeps every 16-bit sample in a buffer and then
    makes two float copies (1.7 GB for a 3-hour recording, against 0.7 GB here). The array is
    sized from the container's duration and grown only if the duration was wrong.
    """
    import gc

    import av
    from faster_whisper.audio import _group_frames, _ignore_invalid_frames, _resample_frames

    resampler = av.audio.resampler.AudioResampler(format="s16", layout="mono",
                                                  rate=sampling_rate)
    seconds = container.duration / av.time_base if container.duration else 600.0
    out = np.empty(int(seconds * sampling_rate) + sampling_rate, dtype=np.float32)
    n = 0
    frames = _resample_frames(_group_frames(_ignore_invalid_frames(
        container.decode(audio=0)), 500_000), resampler)
    for frame in frames:
        chunk = frame.to_ndarray().reshape(-1)
        if n + chunk.size > out.size:
            out.resize(max(n + chunk.size, int(out.size * 1.5)), refcheck=False)
        block = out[n:n + chunk.size]
        block[:] = chunk
        block *= 1.0 / 32768.0  # exact (a power of two): the same values as dividing
        n += chunk.size
    del resampler, frames
    gc.collect()  # PyAV's resampler holds buffers until collected (faster-whisper #390)
    out.resize(n, refcheck=False)  # in place: no second copy of a long recording
    return out
