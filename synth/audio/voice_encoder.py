"""Speaker embeddings from Resemblyzer's voice encoder, loaded offline and verified.

The network and its weights are Resemblyzer's (``resemblyzer==0.1.4``, Apache-2.0): a 3-layer
LSTM over 40-band mel frames whose last hidden state goes through a linear layer, a ReLU and
L2 normalisation. Importing the ``resemblyzer`` package itself pulls in librosa (seconds of
import and numba compilation) and webrtcvad (which fails to import on this Python), and
neither is needed to *run* the encoder. So this module rebuilds the same small network, loads
the package's ``pretrained.pt`` after checking its sha256, and computes the mel frames with
numpy exactly as ``librosa.feature.melspectrogram`` does for Resemblyzer's settings.
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import numpy as np
import torch
from torch import nn

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
# Resemblyzer's hparams: 25 ms windows every 10 ms, 40 mel bands, 1.6 s partial utterances.
N_FFT = 400
HOP = 160
N_MELS = 40
FRAMES_PER_SECOND = SAMPLE_RATE // HOP
EMBEDDING_SIZE = 256

class _SpeakerLSTM(nn.Module):
    """The network of ``resemblyzer.VoiceEncoder``, with the same parameter names."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = nn.LSTM(N_MELS, 256, 3, batch_first=True)
        self.linear = nn.Linear(256, EMBEDDING_SIZE)
        self.relu = nn.ReLU()

    def forward(self, mels: torch.Tensor) -> torch.Tensor:
        """(batch, frames, 40) mel frames -> (batch, 256) L2-normalised embeddings."""
        _, (hidden, _) = self.lstm(mels)
        raw = self.relu(self.linear(hidden[-1]))
        # A window of digital silence gives an all-zero vector; keep it finite.
        return raw / torch.clamp(torch.norm(raw, dim=1, keepdim=True), min=1e-8)


def weights_path() -> Path:
    """The verified ``pretrained.pt`` of the installed resemblyzer package (not imported)."""
    from synth.models import packaged_dir

    # The manifest entry names the package and the sha256; packaged_dir checks both.
    return packaged_dir("voice-encoder") / "pretrained.pt"


@functools.cache
def load_voice_encoder() -> _SpeakerLSTM:
    """The verified voice encoder on CPU in eval mode, built once per process."""
    path = weights_path()
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model = _SpeakerLSTM()
    # The checkpoint also holds the GE2E loss's similarity scale and bias, used only in
    # training; everything else must match exactly.
    state = {k: v for k, v in checkpoint["model_state"].items()
             if not k.startswith("similarity_")}
    model.load_state_dict(state)
    model.eval()
    log.info("loaded voice encoder from %s", path)
    return model


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (librosa's default, htk=False): linear below 1 kHz, log above."""
    hz = np.asarray(hz, dtype=np.float64)
    mel = hz / (200.0 / 3)
    log_part = hz >= 1000.0
    mel[log_part] = 15.0 + np.log(hz[log_part] / 1000.0) / (np.log(6.4) / 27.0)
    return mel


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    hz = mel * (200.0 / 3)
    log_part = mel >= 15.0
    hz[log_part] = 1000.0 * np.exp((np.log(6.4) / 27.0) * (mel[log_part] - 15.0))
    return hz


@functools.cache
def _mel_filterbank() -> np.ndarray:
    """(40, 201) triangular filters with Slaney area normalisation, as librosa.filters.mel."""
    fft_freqs = np.linspace(0, SAMPLE_RATE / 2, N_FFT // 2 + 1)
    mel_points = _mel_to_hz(np.linspace(_hz_to_mel(np.array([0.0]))[0],
                                        _hz_to_mel(np.array([SAMPLE_RATE / 2]))[0], N_MELS + 2))
    widths = np.diff(mel_points)
    ramps = mel_points[:, None] - fft_freqs[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_points[2:] - mel_points[:-2]))[:, None]
    return weights.astype(np.float32)


@functools.cache
def _window() -> np.ndarray:
    # Periodic Hann, as scipy.signal.get_window("hann", N_FFT) used by librosa.
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)


def mel_frames(audio: np.ndarray) -> np.ndarray:
    """(frames, 40) power mel spectrogram of 16 kHz audio, one frame every 10 ms.

    Frame i is centred on sample i * 160 (librosa's ``center=True`` with zero padding), so
    ``len(audio) // 160 + 1`` frames come back.
    """
    audio = np.asarray(audio, dtype=np.float32)
    padded = np.pad(audio, N_FFT // 2)
    n_frames = 1 + (len(padded) - N_FFT) // HOP
    if n_frames <= 0:
        return np.zeros((0, N_MELS), dtype=np.float32)
    frames = np.lib.stride_tricks.sliding_window_view(padded, N_FFT)[::HOP][:n_frames]
    power = np.abs(np.fft.rfft(frames * _window(), axis=1)) ** 2
    return (power.astype(np.float32) @ _mel_filterbank().T).astype(np.float32)


def embed_windows(mels: np.ndarray, starts: np.ndarray, length: int, *,
                  batch_size: int = 256, threads: int | None = 1) -> np.ndarray:
    """Embed windows ``mels[s : s + length]`` for every start frame; (n, 256) float32.

    Windows running past the end are zero-padded, as Resemblyzer pads its last partial.
    ``threads`` caps torch's intra-op threads while embedding (restored afterwards): the
    LSTM gains little from a second thread and, on a busy 2-core machine, two threads ran
    4 to 20 times slower than one. ``None`` keeps torch's setting.
    """
    starts = np.asarray(starts, dtype=np.int64)
    if len(starts) == 0:
        return np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
    need = int(starts.max()) + length
    if need > len(mels):
        mels = np.concatenate([mels, np.zeros((need - len(mels), N_MELS), np.float32)])
    view = np.lib.stride_tricks.sliding_window_view(mels, (length, N_MELS))[:, 0]
    model = load_voice_encoder()
    out = np.empty((len(starts), EMBEDDING_SIZE), dtype=np.float32)
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        with torch.inference_mode():
            for i in range(0, len(starts), batch_size):
                batch = torch.from_numpy(np.ascontiguousarray(view[starts[i:i + batch_size]]))
                out[i:i + batch_size] = model(batch).numpy()
    finally:
        torch.set_num_threads(before)
    return out
