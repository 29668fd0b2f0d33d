"""The benchmark's own arithmetic and table (the figures come from running it, not tests)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from conftest import SHARED, needs_shared

from pipelines.benchmark import configs, growth_exponent, table
from synth.settings import GPU_DECODERS, Settings


def test_decoders_side_by_side_on_the_cpu_and_replicas_on_a_gpu() -> None:
    cores = os.cpu_count() or 1
    assert configs([0, 8], [1, 2]) == [(0, 1), (0, 2), (8, 1)]
    # Settings agree: batching means one decoder on the CPU, otherwise one per thread; a GPU
    # gets GPU_DECODERS replicas where the machine has a core for each one's voice detection.
    assert Settings(threads=2).whisper_workers() == 2
    assert Settings(threads=2, decoders=1).whisper_workers() == 1
    assert Settings(threads=4, decoders=8).whisper_workers() == 4
    assert Settings(threads=2, batch_size=8).whisper_workers() == 1
    assert Settings(threads=2, device="cuda").whisper_workers() == min(GPU_DECODERS, cores)
    assert Settings(threads=2, device="cuda", decoders=3).whisper_workers() == 3
    assert Settings(threads=2, batch_size=8, decoders=2).whisper_workers() == 2


def test_growth_exponent_of_linear_and_quadratic_work() -> None:
    sizes = [100.0, 1000.0, 10000.0]
    assert growth_exponent(sizes, [0.1, 1.0, 10.0]) == pytest.approx(1.0)
    assert growth_exponent(sizes, [0.01, 1.0, 100.0]) == pytest.approx(2.0)


def test_table_has_one_line_per_row_with_its_figures() -> None:
    rows = [{"what": "transcribe sample", "config": "base beam 5 seq, 2 decoders",
             "wall_s": 41.4, "rtf": 8.26, "rss_mb": 1210.0},
            {"what": "text 1000 statements", "n": 1000, "statements_s": 5.0, "embed_s": 8.0,
             "themes_s": 2.0, "rss_mb": 900.0},
            {"what": "growth exponent themes", "value": 0.93},
            {"what": "end to end sample, base", "cold_s": 60.2, "warm_s": 41.0, "themes": 6,
             "rss_mb": 1500.0}]
    lines = table(rows).splitlines()
    assert len(lines) == 2 + len(rows)
    assert "8.3x real time" in lines[2] and "41.4" in lines[2] and "1210" in lines[2]
    assert "125 embedded/s" in lines[3] and "15.0" in lines[3]
    assert lines[4].split()[-1] == "0.93"
    assert "warm 41 s" in lines[5] and "cold, 6 themes" in lines[5]


@needs_shared(SHARED / "audio")
def test_clips_carried_as_16_bit_samples_match_the_decoded_ones(tmp_path: Path) -> None:
    """The GPU machine has no PyAV: its clips come decoded, and must be the same audio."""
    from pipelines.benchmark_gpu import clips, long_audio, save_clips

    audio_dir = SHARED / "audio"
    save_clips(audio_dir, tmp_path / "clips.npz")
    decoded, carried = clips(audio_dir), clips(tmp_path / "clips.npz")
    assert [t for _, t in carried] == [t for _, t in decoded] and len(decoded) == 3
    for (a, _), (b, _) in zip(decoded, carried, strict=True):
        assert b.dtype == np.float32 and a.shape == b.shape
        assert np.max(np.abs(a - b)) <= 1 / 32767
    audio, reference = long_audio(10, tmp_path / "clips.npz")
    assert audio.size >= 10 * 60 * 16000 and reference.startswith(decoded[0][1])
