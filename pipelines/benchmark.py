"""Benchmarks: transcription, statements, embeddings, theme finding and the whole convening.

    .venv/bin/python pipelines/benchmark.py [--sections transcribe text e2e] [--runs 3]
        [--models tiny.en base] [--beams 1 5] [--batches 0 8] [--decoders 1 2]
        [--sizes 100 1000 10000 100000] [--long-minutes 60]

Prints one table; every figure is the median of ``--runs`` runs, each in a fresh subprocess so
that peak memory (max RSS) belongs to that run alone. Timings on a shared 2-core machine are
noisy: compare ratios within one run of this script, not across runs.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QMSUM = ROOT.parent / "shared" / "data" / "qmsum" / "train"
SAMPLE = ROOT / "samples" / "convening" / "convening.ogg"
log = logging.getLogger("benchmark")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def long_recording(minutes: int, folder: Path) -> Path:
    """A recording of ``minutes`` assembled from the sample convening and the real clips."""
    sys.path.insert(0, str(ROOT / "pipelines"))
    from evaluate_transcription import make_inputs

    return make_inputs(folder, minutes)[f"long-{minutes}min"]


def child_transcribe(model: str, path: str, beam: int, batch: int,
                     decoders: int) -> dict[str, object]:
    from synth import models, settings
    from synth.audio.ingest import decode_audio
    from synth.audio.transcribe import WhisperTranscriber, transcribe_audio
    from synth.records import Recording

    cfg = settings.load().with_(beam_size=beam, batch_size=batch, decoders=decoders)
    t0 = time.perf_counter()
    whisper = models.load_whisper(model, cfg)
    t1 = time.perf_counter()
    audio = decode_audio(path)
    tr = WhisperTranscriber(whisper, name=model, language="en", beam_size=beam, batch_size=batch)
    t = transcribe_audio(audio, Recording("bench", Path(path).name, "audio"), tr)
    t2 = time.perf_counter()
    return {"load_s": t1 - t0, "wall_s": t2 - t1, "audio_s": len(audio) / 16000,
            "words": sum(len(x.text.split()) for x in t.turns), "rss_mb": _rss_mb()}


def qmsum_turns(limit_statements: int):
    """Real meeting turns from QMSum train, as many as needed for the statement count."""
    import re

    from synth.records import Turn

    turns, words = [], 0
    for path in sorted(QMSUM.glob("*.json")):
        for i, t in enumerate(json.loads(path.read_text())["meeting_transcripts"]):
            text = " ".join(re.sub(r"\{[^}]*\}", " ", t["content"]).split())
            if len(text.split()) < 3:
                continue
            turns.append(Turn(path.stem, i, i * 5.0, i * 5.0 + 4.0, text, t["speaker"]))
            words += len(text.split())
            # About 1.3 statements per turn: stop once we surely have enough.
            if len(turns) > limit_statements * 1.2 + 50:
                return turns
    return turns


def child_text(n: int) -> dict[str, object]:
    from synth import models
    from synth.text.embed import embed_texts
    from synth.text.statements import extract_statements
    from synth.themes.candidates import ThemeSettings, find_themes

    nlp, embedder = models.load_nlp(), models.load_embedder()
    turns = qmsum_turns(n)
    t0 = time.perf_counter()
    statements = extract_statements(turns, nlp)[:n]
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as cache:
        vectors = embed_texts([s.text for s in statements], model=embedder,
                              cache_dir=Path(cache))
        t2 = time.perf_counter()
        # as synthesize does: the labels' phrases embedded by the same model (their time counted)
        result = find_themes(statements, vectors, settings=ThemeSettings(), embed=lambda texts:
                             embed_texts(texts, model=embedder, cache_dir=Path(cache)))
        t3 = time.perf_counter()
    return {"n": len(statements), "statements_s": t1 - t0, "embed_s": t2 - t1,
            "themes_s": t3 - t2, "themes": len(result.themes), "rss_mb": _rss_mb()}


def child_e2e(path: str, model: str) -> dict[str, object]:
    """Cold: a new process with models loading; warm: the same job again, models loaded."""
    t0 = time.perf_counter()
    from synth import settings
    from synth.convening.pipeline import synthesize

    out = {}
    for label in ("cold", "warm"):
        with tempfile.TemporaryDirectory() as cache:
            cfg = settings.load().with_(cache_dir=Path(cache))
            start = t0 if label == "cold" else time.perf_counter()
            result = synthesize([path], settings=cfg, model=model)
            out[f"{label}_s"] = time.perf_counter() - start
    out |= {"themes": len(result.themes.themes), "rss_mb": _rss_mb()}  # type: ignore[attr-defined]
    return out


def run_child(*args: str) -> dict[str, object]:
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                          text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median_of(runs: int, *args: str) -> dict[str, object]:
    results = [run_child(*args) for _ in range(runs)]
    keys = results[0].keys()
    return {k: statistics.median(r[k] for r in results) if isinstance(results[0][k], float)
            else results[0][k] for k in keys}


def growth_exponent(sizes: list[float], times: list[float]) -> float:
    """Slope of log(time) against log(size): 1 is linear, 2 quadratic."""
    xs, ys = [math.log(s) for s in sizes], [math.log(max(t, 1e-6)) for t in times]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs)


def configs(batches: list[int], decoders: list[int]) -> list[tuple[int, int]]:
    """(batch size, decoders): decoders side by side only for sequential decoding."""
    return [(b, d) for b in batches for d in (decoders if b == 0 else [1])]


def table(rows: list[dict[str, object]]) -> str:
    """One plain-text table of every row: what, configuration, time, rate, peak memory."""
    lines = [f"{'what':34} {'configuration':34} {'time s':>8} {'rate':>16} {'peak MB':>8}",
             "-" * 104]
    for r in rows:
        if "value" in r:  # a growth exponent
            lines.append(f"{r['what']:34} {'':34} {'':>8} {r['value']:>16.2f}")
            continue
        if "rtf" in r:
            time_s, rate, config = r["wall_s"], f"{r['rtf']:.1f}x real time", r["config"]
        elif "cold_s" in r:
            time_s, rate = r["cold_s"], f"warm {r['warm_s']:.0f} s"
            config = f"cold, {r['themes']} themes"
        else:
            time_s = r["statements_s"] + r["embed_s"] + r["themes_s"]  # type: ignore[operator]
            rate = f"{r['n'] / r['embed_s']:.0f} embedded/s"  # type: ignore[operator]
            config = (f"split {r['statements_s']:.1f} embed {r['embed_s']:.1f} "
                      f"themes {r['themes_s']:.1f}")
        lines.append(f"{r['what']:34} {config:34} {time_s:8.1f} {rate:>16} {r['rss_mb']:8.0f}")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sections", nargs="+", default=["transcribe", "text", "e2e"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--models", nargs="+", default=["tiny.en", "base"])
    ap.add_argument("--beams", nargs="+", type=int, default=[1, 5])
    ap.add_argument("--batches", nargs="+", type=int, default=[0, 8])
    ap.add_argument("--decoders", nargs="+", type=int, default=[1, 2],
                    help="Whisper decoders side by side for sequential decoding")
    ap.add_argument("--sizes", nargs="+", type=int, default=[100, 1000, 10000, 100000])
    ap.add_argument("--long-minutes", type=int, default=60)
    ap.add_argument("--no-long", action="store_true", help="skip the long recording")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "benchmark.json")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    return ap


def _child(kind: str, *rest: str) -> dict[str, object]:
    """One measurement in this (fresh) process, as the parent asked for it on the command line."""
    fn = {"transcribe": lambda m, p, b, k, d: child_transcribe(m, p, int(b), int(k), int(d)),
          "text": lambda n: child_text(int(n)), "e2e": child_e2e}[kind]
    return fn(*rest)


def _transcribe_rows(args: argparse.Namespace, inputs: dict[str, Path]) -> list[dict[str, object]]:
    """Each input under each model, beam and batching: speed, words and memory."""
    rows: list[dict[str, object]] = []
    for name, path in inputs.items():
        runs = args.runs if name == "sample" else 1
        for model in args.models:
            for beam in args.beams:
                for batch, decoders in configs(args.batches, args.decoders):
                    r = median_of(runs, "transcribe", model, str(path), str(beam),
                                  str(batch), str(decoders))
                    mode = (f"batch {batch}" if batch else
                            f"seq, {decoders} decoder{'s' if decoders > 1 else ''}")
                    r |= {"what": f"transcribe {name}",
                          "config": f"{model} beam {beam} {mode}",
                          "rtf": r["audio_s"] / r["wall_s"]}  # type: ignore[operator]
                    rows.append(r)
                    log.info("%s %s: %.1fx real time, %d words, %.0f MB", r["what"],
                             r["config"], r["rtf"], r["words"], r["rss_mb"])
    return rows


def _text_rows(args: argparse.Namespace) -> list[dict[str, object]]:
    """The text steps at each size, then how their time grows with the size."""
    rows: list[dict[str, object]] = []
    for n in args.sizes:
        r = median_of(args.runs if n <= 10000 else 1, "text", str(n))
        r |= {"what": f"text {r['n']} statements"}
        rows.append(r)
        log.info("%d statements: split %.1f s, embed %.1f s (%.0f/s), themes %.1f s, "
                 "%.0f MB", r["n"], r["statements_s"], r["embed_s"],
                 r["n"] / r["embed_s"], r["themes_s"], r["rss_mb"])
    if len(rows) > 1:
        sizes = [float(r["n"]) for r in rows]  # type: ignore[arg-type]
        growth = []
        for key in ("statements_s", "embed_s", "themes_s"):
            e = growth_exponent(sizes, [float(r[key]) for r in rows])  # type: ignore[arg-type]
            growth.append({"what": f"growth exponent {key[:-2]}", "value": e})
        rows += growth
    return rows


def _e2e_rows(inputs: dict[str, Path]) -> list[dict[str, object]]:
    """The whole pipeline on each input, cold and warm, in a fresh process."""
    rows = []
    for name, path in inputs.items():
        r = run_child("e2e", str(path), "base") | {"what": f"end to end {name}, base"}
        rows.append(r)
        log.info("%s: cold %.0f s, warm %.0f s, %.0f MB", r["what"], r["cold_s"],
                 r["warm_s"], r["rss_mb"])
    return rows


def main() -> None:
    args = _parser().parse_args()
    logging.basicConfig(level=logging.WARNING if args.child else logging.INFO,
                        format="%(message)s")
    if args.child:
        print(json.dumps(_child(*args.child)))
        return
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        inputs = {"sample": SAMPLE}
        if not args.no_long and ("transcribe" in args.sections or "e2e" in args.sections):
            inputs[f"{args.long_minutes} min"] = long_recording(args.long_minutes, Path(tmp))
        if "transcribe" in args.sections:
            rows += _transcribe_rows(args, inputs)
        if "text" in args.sections:
            rows += _text_rows(args)
        if "e2e" in args.sections:
            rows += _e2e_rows(inputs)
    print(table(rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(rows, indent=1))

if __name__ == "__main__":
    main()
