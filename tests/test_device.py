"""The --device path: settings, clear refusals on a machine without a GPU, batched decoding.

The GPU itself is measured by pipelines/benchmark_gpu.py on a machine that has one; CI has
none, so here the CPU side of the same code runs for real.
"""

from __future__ import annotations

import random

import pytest
from conftest import CALL, needs_shared
from typer.testing import CliRunner

from synth import models
from synth.audio.transcribe import BATCH_CHUNK_SECONDS, WhisperTranscriber, transcribe_audio
from synth.audio.wer import edit_distance, word_error_rate
from synth.cli.main import app
from synth.errors import ModelError
from synth.settings import Settings
from synth.settings import load as load_settings

CALL_REF = CALL.parent / "sample.stm"


def test_compute_type_and_batch_follow_the_device(monkeypatch: pytest.MonkeyPatch) -> None:
    cpu, gpu = Settings(), Settings(device="cuda")
    assert (cpu.whisper_compute_type(), cpu.whisper_batch_size()) == ("int8", 0)
    assert (gpu.whisper_compute_type(), gpu.whisper_batch_size()) == ("float16", 16)
    assert Settings(device="cuda", compute_type="int8_float16",
                    batch_size=0).whisper_compute_type() == "int8_float16"
    assert Settings(device="cuda", batch_size=0).whisper_batch_size() == 0
    monkeypatch.setenv("SYNTH_DEVICE", "cuda:1")
    monkeypatch.setenv("SYNTH_BATCH_SIZE", "8")
    loaded = load_settings()
    assert loaded.on_gpu and loaded.whisper_batch_size() == 8


def test_gpu_asked_for_without_one_is_a_clear_error(settings) -> None:
    import ctranslate2
    import torch

    if ctranslate2.get_cuda_device_count() or torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the refusal cannot be shown here")
    with pytest.raises(ModelError, match=r"--device cuda.*--device cpu"):
        models.load_whisper("tiny.en", settings.with_(device="cuda"))
    with pytest.raises(ModelError, match=r"--device cuda.*--device cpu"):
        models.load_embedder(settings.with_(device="cuda"))
    with pytest.raises(ModelError, match="Unknown device 'gpu'"):
        models.load_whisper("tiny.en", settings.with_(device="gpu"))


@needs_shared(CALL)
def test_cli_device_option_refuses_cleanly(tmp_path) -> None:
    import ctranslate2

    if ctranslate2.get_cuda_device_count():
        pytest.skip("this machine has a GPU")
    result = CliRunner().invoke(app, ["transcribe", str(CALL), "--model", "tiny.en",
                                      "--device", "cuda", "--out", str(tmp_path / "x.json")])
    assert result.exit_code != 0
    assert "--device cpu" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x.json").exists()
    bad = CliRunner().invoke(app, ["transcribe", str(CALL), "--batch-size", "-2"])
    assert bad.exit_code == 2 and "--batch-size" in bad.output


def test_embedding_model_folder(settings, tmp_path, embedder) -> None:
    with pytest.raises(ModelError, match="not a sentence-transformers model folder"):
        models.load_embedder(settings.with_(embedding_model=str(tmp_path)))
    folder = models.packaged_dir("embeddings", settings)
    own = models.load_embedder(settings.with_(embedding_model=str(folder)))
    texts = ["We cannot hire welders fast enough.", "Housing near the plant is scarce."]
    a = own.encode(texts, normalize_embeddings=True)
    b = embedder.encode(texts, normalize_embeddings=True)
    assert (a * b).sum(axis=1).min() > 0.9999


@needs_shared(CALL, CALL_REF)
def test_batched_decoding_keeps_the_words(settings) -> None:
    """Batched (the GPU default) against sequential on a real two-speaker call, on the CPU."""
    from synth.audio.ingest import decode_audio
    from synth.records import Recording

    audio = decode_audio(CALL)
    whisper = models.load_whisper("tiny.en", settings)
    results = {}
    for batch in (0, 4):
        tr = WhisperTranscriber(whisper, name="tiny.en", batch_size=batch)
        t = transcribe_audio(audio, Recording("call", "call", "audio"), tr)
        results[batch] = " ".join(x.text for x in t.turns)
        # Words stay timed and inside their turns whichever way they were decoded.
        assert all(t0.start <= w.start <= w.end <= t0.end + 0.01
                   for t0 in t.turns for w in t0.words)
    seq, batched = (len(results[b].split()) for b in (0, 4))
    assert abs(batched - seq) <= 0.1 * seq
    reference = " ".join(line.split(maxsplit=5)[5] for line in CALL_REF.read_text().splitlines())
    assert word_error_rate(reference, results[4]) < 0.35
    assert BATCH_CHUNK_SECONDS <= 20  # 30 s chunks lose whole sentences (see transcribe.py)


def _slow_distance(ref: list[str], hyp: list[str]) -> int:
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]


def test_vectorised_edit_distance_matches_the_textbook_one() -> None:
    rng = random.Random(7)
    for _ in range(400):
        a = [rng.choice("abcde") for _ in range(rng.randint(0, 15))]
        b = [rng.choice("abcde") for _ in range(rng.randint(0, 15))]
        assert edit_distance(a, b) == _slow_distance(a, b), (a, b)
    assert word_error_rate("the cat sat", "the cat sat down") == pytest.approx(1 / 3)
