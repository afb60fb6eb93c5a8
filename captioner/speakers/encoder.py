"""Resemblyzer's GE2E voice encoder (Apache-2.0) run on NumPy: a 256-number voice embedding for
each 1.6 s of 16 kHz audio, as ``resemblyzer.VoiceEncoder`` computes it with PyTorch.

The features are librosa's ``melspectrogram`` as resemblyzer calls it (power spectrum of 25 ms
Hann windows every 10 ms, centred with zero padding, 40 Slaney mel bands up to 8 kHz); the
network is a 3-layer LSTM (hidden 256) whose last state goes through a linear layer, a ReLU and
an L2 norm.  The weights are resemblyzer 0.1.4's ``pretrained.pt``, converted by
:mod:`captioner.speakers.weights`.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import cache

import numpy as np

from captioner.speakers.weights import load_weights

SAMPLE_RATE = 16000
N_FFT = 400  # 25 ms
HOP = 160  # 10 ms
N_MELS = 40
PARTIAL_FRAMES = 160  # 1.6 s a partial utterance
PARTIAL_SAMPLES = PARTIAL_FRAMES * HOP
LAYERS = 3
THREADS = 2
TARGET_DBFS = -30.0  # resemblyzer's volume normalisation (louder only)


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """Slaney's mel scale (librosa's default): linear below 1 kHz, logarithmic above."""
    step, min_log_mel, logstep = 200.0 / 3, 1000.0 / (200.0 / 3), np.log(6.4) / 27.0
    mel = hz / step
    log_part = hz >= 1000.0
    mel[log_part] = min_log_mel + np.log(hz[log_part] / 1000.0) / logstep
    return mel


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    step, min_log_mel, logstep = 200.0 / 3, 1000.0 / (200.0 / 3), np.log(6.4) / 27.0
    hz = mel * step
    log_part = mel >= min_log_mel
    hz[log_part] = 1000.0 * np.exp(logstep * (mel[log_part] - min_log_mel))
    return hz


@cache
def mel_basis() -> np.ndarray:
    """librosa.filters.mel(sr=16000, n_fft=400, n_mels=40): (40, 201), float32."""
    fft_freqs = np.fft.rfftfreq(N_FFT, 1.0 / SAMPLE_RATE)
    edges = _mel_to_hz(np.linspace(_hz_to_mel(np.array([0.0]))[0], _hz_to_mel(np.array([8000.0]))[0], N_MELS + 2))
    widths = np.diff(edges)
    ramps = np.subtract.outer(edges, fft_freqs)
    weights = np.zeros((N_MELS, len(fft_freqs)), dtype=np.float32)
    for i in range(N_MELS):
        lower = -ramps[i] / widths[i]
        upper = ramps[i + 2] / widths[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2 : N_MELS + 2] - edges[:N_MELS]))[:, None]
    return weights


def mel_frames(audio: np.ndarray) -> np.ndarray:
    """The (frames, 40) mel power spectrogram of 16 kHz ``audio``: a frame every 10 ms."""
    padded = np.pad(audio.astype(np.float32), N_FFT // 2)
    count = 1 + (len(padded) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(
        padded, shape=(count, N_FFT), strides=(padded.strides[0] * HOP, padded.strides[0]), writeable=False
    )
    window = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)
    power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
    return (power.astype(np.float32) @ mel_basis().T).astype(np.float32)


def louder(audio: np.ndarray, rms_of: np.ndarray | None = None) -> np.ndarray:
    """``audio`` raised to -30 dBFS by the RMS of ``rms_of`` (default: itself), never lowered."""
    sample = audio if rms_of is None or not len(rms_of) else rms_of
    rms = float(np.sqrt(np.mean(np.square(sample, dtype=np.float64)))) if len(sample) else 0.0
    if rms <= 0:
        return audio
    change = TARGET_DBFS - 20 * np.log10(rms)
    return audio if change < 0 else (audio * 10 ** (change / 20)).astype(np.float32)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))  # no overflow warnings for large negative x


def embed_mels(mels: np.ndarray) -> np.ndarray:
    """The embeddings (batch, 256) of a batch of mel spectrograms (batch, frames, 40): L2-normed."""
    w = load_weights()
    x = mels.astype(np.float32)
    batch, steps, _ = x.shape
    for layer in range(LAYERS):
        w_ih, w_hh = w[f"lstm.weight_ih_l{layer}"], w[f"lstm.weight_hh_l{layer}"]
        bias = w[f"lstm.bias_ih_l{layer}"] + w[f"lstm.bias_hh_l{layer}"]
        inputs = x @ w_ih.T + bias  # all steps at once: (batch, steps, 1024)
        recurrent = np.ascontiguousarray(w_hh.T)
        h = np.zeros((batch, w_hh.shape[1]), dtype=np.float32)
        c = np.zeros_like(h)
        out = np.empty((batch, steps, h.shape[1]), dtype=np.float32)
        for t in range(steps):
            gates = inputs[:, t] + h @ recurrent
            i, f, g, o = np.split(gates, 4, axis=1)  # PyTorch's gate order
            c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
            h = _sigmoid(o) * np.tanh(c)
            out[:, t] = h
        x = out
    raw = np.maximum(h @ w["linear.weight"].T + w["linear.bias"], 0)
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    return raw / np.where(norms > 0, norms, 1.0)


def embed_windows(audio: np.ndarray, starts: np.ndarray, batch: int = 64) -> np.ndarray:
    """The embedding of each 1.6 s window of ``audio`` starting at the sample offsets ``starts``
    (windows past the end are zero-padded, as resemblyzer pads the last partial)."""
    from threadpoolctl import threadpool_limits

    if not len(starts):
        return np.zeros((0, 256), dtype=np.float32)
    mels = mel_frames(np.pad(audio, (0, PARTIAL_SAMPLES)))
    first = (np.asarray(starts) // HOP).astype(int)
    batches = [first[k : k + batch] for k in range(0, len(first), batch)]

    def one(starts_of: np.ndarray) -> np.ndarray:
        return embed_mels(np.stack([mels[s : s + PARTIAL_FRAMES] for s in starts_of]))

    # One BLAS thread each: the products are small, and OpenBLAS's own two threads on two busy
    # cores ran them 5 times slower (0.95 against 4.8 GFLOP/s for 128x256 by 256x1024); the
    # batches go to two threads of their own instead (NumPy releases the GIL in them).
    with threadpool_limits(1):
        if len(batches) == 1:
            return one(batches[0])
        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            return np.concatenate(list(pool.map(one, batches)))
