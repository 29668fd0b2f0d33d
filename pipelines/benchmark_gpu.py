"""GPU benchmark: Whisper on CUDA, sequential against batched, and MiniLM embeddings.

    python pipelines/benchmark_gpu.py --whisper DIR [--embedder DIR] [--sentences FILE.gz]
        [--audio-dir DIR | FILE.npz] [--minutes 60] [--batches 0 16] [--chunks 30 20 15]
        [--decoders 1 2 4] [--out FILE]
    python pipelines/benchmark_gpu.py --save-clips clips.npz   # for a machine without PyAV

Made for the lent GPU machine, where neither the packaged models nor ../shared exist: the
Whisper and sentence-transformers folders, the shared audio clips and a file of real sentences
are passed in. The long recording is the sample convening and the real clips, repeated whole
until it lasts ``--minutes`` (so its reference transcript is exact), decoded once and kept in
memory. Every configuration runs synth's own path (``WhisperTranscriber`` + guard +
``transcribe_audio``) after a warm-up, and reports wall time, real-time factor, words, word
error rate against the reference and peak GPU memory (NVML, sampled every 20 ms).
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "pipelines"))

log = logging.getLogger("benchmark_gpu")


class GpuPeak:
    """Peak used GPU memory while the block runs (whole device, so CTranslate2 counts too)."""

    def __enter__(self) -> GpuPeak:
        self.peak_mb = float("nan")
        try:
            import pynvml

            pynvml.nvmlInit()
            handle = pynvml.nvmlDeviceGetHandleByIndex(0)
        except Exception:  # noqa: BLE001 - no NVML: report NaN rather than fail the run
            return self
        self._stop = threading.Event()

        def sample() -> None:
            peak = 0
            while not self._stop.is_set():
                peak = max(peak, pynvml.nvmlDeviceGetMemoryInfo(handle).used)
                self.peak_mb = peak / 2**20
                time.sleep(0.02)

        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if hasattr(self, "_thread"):
            self._stop.set()
            self._thread.join()


def clips(audio_dir: Path) -> list[tuple[np.ndarray, str]]:
    """The sample convening and the real clips with their references, decoded.

    ``audio_dir`` is the shared audio folder, or a ``.npz`` written by ``--save-clips`` (the
    clips decoded to 16-bit samples on another machine, for one without PyAV).
    """
    if audio_dir.suffix == ".npz":
        with np.load(audio_dir) as z:
            return [(z[f"audio{i}"].astype(np.float32) / 32767, str(z[f"text{i}"]))
                    for i in range(len(z.files) // 2)]
    from evaluate_transcription import reference_texts

    from synth.audio.ingest import decode_audio

    refs = reference_texts(audio_dir)
    return [(decode_audio(path), text) for path, text in
            (refs[k] for k in ("sample-convening", "two-speaker-call", "jfk"))]


def save_clips(audio_dir: Path, out: Path) -> None:
    arrays: dict[str, np.ndarray] = {}
    for i, (audio, text) in enumerate(clips(audio_dir)):
        arrays[f"audio{i}"] = (np.clip(audio, -1, 1) * 32767).round().astype("<i2")
        arrays[f"text{i}"] = np.array(text)
    np.savez_compressed(out, **arrays)


def long_audio(minutes: float, audio_dir: Path) -> tuple[np.ndarray, str]:
    """Whole clips with one-second gaps until ``minutes``; the reference is theirs, in order."""
    decoded = clips(audio_dir)
    gap = np.zeros(16000, dtype=np.float32)
    pieces, texts, total = [], [], 0
    while total < minutes * 60 * 16000:
        for audio, text in decoded:
            pieces += [audio, gap]
            texts.append(text)
            total += audio.size + gap.size
    return np.concatenate(pieces), " ".join(texts)


def transcribe_runs(args: argparse.Namespace, report: Callable[[dict[str, object]], None]
                    ) -> None:
    from synth import models, settings
    from synth.audio.transcribe import WhisperTranscriber, transcribe_audio
    from synth.audio.wer import word_error_rate
    from synth.records import Recording

    audio, reference = long_audio(args.minutes, args.audio_dir)
    duration = audio.size / 16000
    log.info("%.1f minutes of audio, %d reference words", duration / 60, len(reference.split()))
    for decoders in args.decoders:
        cfg = settings.load().with_(device=args.device, compute_type=args.compute_type,
                                    decoders=decoders)
        models._whisper.cache_clear()  # noqa: SLF001 - one set of replicas in GPU memory at once
        t0 = time.perf_counter()
        whisper = models.load_whisper(args.whisper, cfg)
        log.info("Whisper loaded with %d decoder(s) in %.1f s", decoders,
                 time.perf_counter() - t0)
        for batch in args.batches:
            for chunk in (args.chunks if batch else [0]):
                tr = WhisperTranscriber(whisper, name="base", language="en",
                                        beam_size=args.beam, batch_size=batch,
                                        chunk_s=chunk or 20)
                transcribe_audio(audio[: 30 * 16000], Recording("warm", "warm", "audio"), tr)
                with GpuPeak() as peak:
                    start = time.perf_counter()
                    t = transcribe_audio(audio, Recording("bench", "long", "audio"), tr)
                    wall = time.perf_counter() - start
                hyp = " ".join(x.text for x in t.turns)
                report({"what": f"transcribe {duration / 60:.0f} min", "config":
                        f"{args.compute_type} beam {args.beam} "
                        + (f"batch {batch} chunk {chunk} s" if batch else "sequential")
                        + f", {decoders} decoder{'s' if decoders > 1 else ''}",
                        "wall_s": round(wall, 1), "rtf": round(duration / wall, 1),
                        "words": len(hyp.split()), "ref_words": len(reference.split()),
                        "wer": round(word_error_rate(reference, hyp), 4),
                        "removed": len(t.removed), "gpu_peak_mb": round(peak.peak_mb, 1)})
        del whisper


def embed_runs(args: argparse.Namespace, report: Callable[[dict[str, object]], None]) -> None:
    import torch

    from synth import models, settings
    from synth.text.embed import embed_texts

    with gzip.open(args.sentences, "rt", encoding="utf-8") as f:
        texts = [line for line in f.read().splitlines() if line.strip()]
    cfg = settings.load().with_(device=args.device, embedding_model=str(args.embedder))
    gpu = models.load_embedder(cfg)
    for n in args.sizes:
        sample = [texts[i % len(texts)] + ("" if i < len(texts) else f" ({i // len(texts)})")
                  for i in range(n)]
        embed_texts(sample[:256], model=gpu, cache_dir=args.cache / "warm")
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        with GpuPeak() as peak:
            start = time.perf_counter()
            embed_texts(sample, model=gpu, cache_dir=args.cache / f"gpu-{n}")
            wall = time.perf_counter() - start
        row = {"what": f"embed {n} sentences", "config": f"{args.device}, synth embed_texts "
               "(SQLite cache written)", "wall_s": round(wall, 2),
               "per_s": round(n / wall), "gpu_peak_mb": round(peak.peak_mb, 1)}
        report(row)
    # Half precision against the CPU's float32 on the same sentences: how close the vectors are.
    cpu = models._embedder.__wrapped__(str(args.embedder), "cpu").float()  # noqa: SLF001
    few = texts[:1000]
    a = embed_texts(few, model=gpu, cache_dir=args.cache / "cmp-gpu")
    b = embed_texts(few, model=cpu, cache_dir=args.cache / "cmp-cpu")
    cos = np.sum(a * b, axis=1)
    report({"what": "embed float16 GPU vs float32 CPU", "config": "1000 sentences",
            "min_cosine": round(float(cos.min()), 5), "mean_cosine": round(float(cos.mean()), 6)})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--whisper", help="CTranslate2 Whisper folder (skip transcription if unset)")
    ap.add_argument("--embedder", type=Path, help="sentence-transformers folder")
    ap.add_argument("--sentences", type=Path, help="gzip text, one sentence per line")
    ap.add_argument("--audio-dir", type=Path, default=ROOT.parent / "shared" / "data" / "audio")
    ap.add_argument("--minutes", type=float, default=60)
    ap.add_argument("--beam", type=int, default=5)
    ap.add_argument("--device", default="cuda", help="cuda, or cpu for a smoke test")
    ap.add_argument("--compute-type", default="float16")
    ap.add_argument("--batches", nargs="+", type=int, default=[0, 16],
                    help="batch sizes; 0 decodes sequentially")
    ap.add_argument("--decoders", nargs="+", type=int, default=[1],
                    help="blocks decoded side by side (model replicas), one model load each: "
                         "several overlap the blocks' voice detection on the CPU with decoding")
    ap.add_argument("--chunks", nargs="+", type=int, default=[30, 20])
    ap.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000, 100000])
    ap.add_argument("--cache", type=Path, default=Path("/tmp/synth-gpu-cache"))
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "benchmark_gpu.json")
    ap.add_argument("--save-clips", type=Path,
                    help="only write the decoded clips of --audio-dir to this .npz and stop")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.save_clips:
        save_clips(args.audio_dir, args.save_clips)
        return
    rows: list[dict[str, object]] = []
    args.out.parent.mkdir(parents=True, exist_ok=True)

    def report(row: dict[str, object]) -> None:
        """Log a row and rewrite the results file, so a run cut short keeps what it measured."""
        log.info("%s", row)
        rows.append(row)
        args.out.write_text(json.dumps(rows, indent=1))

    if args.embedder and args.sentences:
        embed_runs(args, report)
    if args.whisper:
        transcribe_runs(args, report)
    print("\n".join(json.dumps(r) for r in rows))


if __name__ == "__main__":
    main()
