"""Make real audio and video files of every supported format from a decoded clip."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

FORMATS = {  # extension -> (container format, audio codec)
    ".wav": ("wav", "pcm_s16le"), ".flac": ("flac", "flac"), ".mp3": ("mp3", "mp3"),
    ".m4a": ("ipod", "aac"), ".ogg": ("ogg", "libopus"), ".opus": ("opus", "libopus"),
    ".webm": ("webm", "libopus"), ".mp4": ("mp4", "aac"),
}


def encode(audio: np.ndarray, path: Path, *, rate: int = 16000, video: bool = False,
           audio_track: bool = True) -> Path:
    """Encode mono float32 ``audio`` into ``path``; optionally add a small video track."""
    container_format, codec = FORMATS[path.suffix]
    out_rate = 48000 if codec in {"libopus", "vorbis"} else rate
    if out_rate != rate:
        idx = np.arange(int(len(audio) * out_rate / rate)) * rate / out_rate
        audio = np.interp(idx, np.arange(len(audio)), audio).astype(np.float32)
    with av.open(str(path), "w", format=container_format) as out:
        vstream = None
        if video:
            vstream = out.add_stream("mpeg4", rate=10)
            vstream.width, vstream.height, vstream.pix_fmt = 64, 48, "yuv420p"
        if audio_track:
            # The native vorbis encoder is flagged experimental in FFmpeg; it is fine for tests.
            stream = out.add_stream(codec, rate=out_rate, options={"strict": "experimental"})
            stream.layout = "mono"
            frame_size = stream.codec_context.frame_size or 1024
            pts = 0
            for i in range(0, len(audio), frame_size):
                chunk = audio[i:i + frame_size]
                if len(chunk) < frame_size and codec in {"libopus", "vorbis", "aac", "mp3"}:
                    chunk = np.pad(chunk, (0, frame_size - len(chunk)))
                frame = av.AudioFrame.from_ndarray(chunk[None, :].astype(np.float32),
                                                   format="flt", layout="mono")
                frame.sample_rate, frame.pts = out_rate, pts
                frame.time_base = Fraction(1, out_rate)
                pts += len(chunk)
                for packet in stream.encode(frame):
                    out.mux(packet)
            for packet in stream.encode(None):
                out.mux(packet)
        if vstream is not None:
            seconds = max(1, int(len(audio) / out_rate))
            for n in range(seconds * 10):
                img = np.full((48, 64, 3), n % 255, dtype=np.uint8)
                frame = av.VideoFrame.from_ndarray(img, format="rgb24")
                for packet in vstream.encode(frame):
                    out.mux(packet)
            for packet in vstream.encode(None):
                out.mux(packet)
    return path
