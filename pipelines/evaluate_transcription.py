"""Measure transcription: word error, speed and memory, and what silence and noise produce.

    .venv/bin/python pipelines/evaluate_transcription.py [--models tiny.en base] [--long-minutes 60]

Prints one table and writes JSON (``--out``). Each measurement runs in a fresh subprocess so
peak memory (max RSS) and model loading are measured per run, not shared. Real-time factor is
audio seconds per wall second of ``transcribe_file`` (decode + VAD + decode + guard), with the
model already loaded, int8, 2 threads.
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "audio"
SAMPLE = ROOT / "samples" / "convening" / "convening.ogg"
log = logging.getLogger("evaluate_transcription")


def reference_texts(data: Path = DATA) -> dict[str, tuple[Path, str]]:
    """Clips with real reference transcripts (``data``: the shared audio folder)."""
    stm = (data / "two-speaker-call" / "sample.stm").read_text().splitlines()
    call = " ".join(line.split(maxsplit=5)[5] for line in stm if line.strip())
    refs = {"jfk": (data / "jfk" / "jfk.flac", (data / "jfk" / "jfk.ref.txt").read_text()),
            "two-speaker-call": (data / "two-speaker-call" / "sample.wav", call)}
    sample_ref = ROOT / "samples" / "convening" / "reference.json"
    if sample_ref.exists():
        lines = json.loads(sample_ref.read_text())
        lines = lines["lines"] if isinstance(lines, dict) else lines
        refs["sample-convening"] = (SAMPLE, " ".join(x["text"] for x in lines))
    return refs


def write_wav(path: Path, audio: np.ndarray, rate: int = 16000) -> None:
    """16-bit mono WAV with the standard library (no soundfile needed)."""
    import wave

    pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1)
        f.setsampwidth(2)
        f.setframerate(rate)
        f.writeframes(pcm.tobytes())


def make_inputs(folder: Path, long_minutes: int) -> dict[str, Path]:
    """Silence, pink noise and a long file assembled from real clips and the sample."""
    from synth.audio.ingest import decode_audio

    rng = np.random.default_rng(0)
    five = 5 * 60 * 16000
    silence = folder / "silence-5min.wav"
    write_wav(silence, np.zeros(five, dtype=np.float32))
    # Pink noise (1/f) at a room-noise level: white noise shaped in the frequency domain.
    spec = np.fft.rfft(rng.standard_normal(five))
    spec /= np.sqrt(np.maximum(np.arange(spec.size), 1))
    pink = np.fft.irfft(spec, n=five)
    noise = folder / "pink-noise-5min.wav"
    write_wav(noise, (0.1 * pink / np.abs(pink).max()).astype(np.float32))
    clips = [decode_audio(p) for p in (SAMPLE, DATA / "two-speaker-call" / "sample.wav",
                                       DATA / "jfk" / "jfk.flac") if p.exists()]
    gap = np.zeros(16000, dtype=np.float32)
    pieces, total = [], 0
    while total < long_minutes * 60 * 16000:
        for clip in clips:
            pieces += [clip, gap]
            total += clip.size + gap.size
    long = folder / f"long-{long_minutes}min.wav"
    write_wav(long, np.concatenate(pieces)[: long_minutes * 60 * 16000])
    return {"silence-5min": silence, "pink-noise-5min": noise, f"long-{long_minutes}min": long}


def measure_one(model: str, path: str, beam: int) -> dict[str, object]:
    """Run in a subprocess: load the model, transcribe once, report time, RSS and text."""
    from synth import models, settings
    from synth.audio.transcribe import transcribe_file

    cfg = settings.load().with_(cache_dir=Path(tempfile.mkdtemp()), beam_size=beam)
    t0 = time.perf_counter()
    models.load_whisper(model, cfg)
    loaded = time.perf_counter()
    try:
        t = transcribe_file(path, settings=cfg, model=model)
        text = " ".join(turn.text for turn in t.turns)
        removed = [r.reason for r in t.removed]
        duration = t.recording.duration or 0.0
    except Exception as exc:  # NoSpeechError is the expected outcome on silence
        text, removed, duration = "", [f"{type(exc).__name__}: {exc}"], 0.0
    done = time.perf_counter()
    return {"model": model, "path": path, "load_s": loaded - t0, "wall_s": done - loaded,
            "audio_s": duration, "rtf": duration / (done - loaded) if duration else None,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "text": text, "removed": removed}


def run_child(model: str, path: Path, beam: int) -> dict[str, object]:
    out = subprocess.run([sys.executable, __file__, "--child", model, str(path), str(beam)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="+", default=["tiny.en", "base"])
    ap.add_argument("--long-minutes", type=int, default=60)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--skip-long", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "evaluate_transcription.json")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        logging.basicConfig(level=logging.WARNING)
        print(json.dumps(measure_one(args.child[0], args.child[1], int(args.child[2]))))
        return
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from synth.audio.wer import word_error_rate

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        extra = make_inputs(Path(tmp), args.long_minutes)
        if args.skip_long:
            extra.pop(f"long-{args.long_minutes}min")
        for model in args.models:
            for name, (path, ref) in reference_texts().items():
                r = run_child(model, path, args.beam)
                r |= {"input": name, "wer": word_error_rate(ref, str(r["text"]))}
                rows.append(r)
                log.info("%-8s %-18s WER %.3f  RTF %.1fx", model, name, r["wer"], r["rtf"] or 0)
            for name, path in extra.items():
                r = run_child(model, path, args.beam) | {"input": name, "wer": None}
                rows.append(r)
                log.info("%-8s %-18s words %d  RTF %.1fx  RSS %.0f MB", model, name,
                         len(str(r["text"]).split()), r["rtf"] or 0, r["max_rss_mb"])
    print(f"\n{'model':8} {'input':18} {'WER':>6} {'RTF':>7} {'load s':>7} {'peak MB':>8} words")
    for r in rows:
        wer = "" if r["wer"] is None else f"{r['wer']:.3f}"
        rtf = "" if not r["rtf"] else f"{r['rtf']:.1f}x"
        print(f"{r['model']:8} {r['input']:18} {wer:>6} {rtf:>7} {r['load_s']:7.1f} "
              f"{r['max_rss_mb']:8.0f} {len(str(r['text']).split())}")
        if r["wer"] is None and "long" not in str(r["input"]):
            print(f"{'':27} output: {str(r['text'])[:80]!r}  removed: {r['removed'][:3]}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
