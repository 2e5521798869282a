"""Per-neuron pictures, as the Playground draws them: each hidden neuron's output over the input plane,
as a small PNG drawn inside its node (2-D inputs only)."""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np

from engine.network import BatchNorm, forward
from engine.trace import StepTrace
from engine.trainer import Trainer
from viz.theme import DIVERGING

PICTURE_PX = 28  #: pixels per side: the node is at most ~90 px, and 28×28 keeps a frame's images small


def _rgb(stops: list) -> tuple[np.ndarray, np.ndarray]:
    pos = np.array([p for p, _ in stops])
    rgb = np.array([[int(c[i:i + 2], 16) for i in (1, 3, 5)] for _, c in stops], dtype=np.float64)
    return pos, rgb


_POS, _RGB = _rgb(DIVERGING)


def colour_image(values: np.ndarray) -> np.ndarray:
    """Return values (h, w) in [−1, 1] as the diverging scale's colours, shape (h, w, 3) uint8."""
    t = (np.clip(values, -1.0, 1.0) + 1.0) / 2.0
    channels = [np.interp(t, _POS, _RGB[:, c]) for c in range(3)]
    return np.stack(channels, axis=-1).round().astype(np.uint8)


def png_data_uri(rgb: np.ndarray) -> str:
    """Return an RGB image (h, w, 3) uint8 as a 'data:image/png;base64,…' URI (a minimal PNG writer)."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + row.tobytes() for row in np.ascontiguousarray(rgb))

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode()


def neuron_outputs(trainer: Trainer, trace: StepTrace, n: int = PICTURE_PX) -> list[np.ndarray] | None:
    """Return each hidden layer's activations over an n × n grid of the input plane, [(n, n, width_l)] for
    l = 1..L−1 (row 0 = the top of the plane), with the weights the trace's forward pass used; None unless 2-D."""
    X = trainer.dataset.X
    if X.shape[1] != 2:
        return None
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = 0.1 * np.maximum(hi - lo, 1e-9)
    xs = np.linspace(lo[0] - pad[0], hi[0] + pad[0], n)
    ys = np.linspace(hi[1] + pad[1], lo[1] - pad[1], n)
    gx, gy = np.meshgrid(xs, ys)
    grid = trainer.split.transform(np.c_[gx.ravel(), gy.ravel()])
    # batch norm as this step applied it: its γ, β and the statistics it normalised the batch with
    norms = [None if lt.bn is None else BatchNorm(lt.bn.gamma, lt.bn.beta, lt.bn.mean, lt.bn.var)
             for lt in trace.layers]
    with np.errstate(all="ignore"):
        _, acts = forward(trainer.net, [(lt.W, lt.b) for lt in trace.layers], grid, norms)
    return [a.reshape(n, n, -1) for a in acts[1:-1]]


def neuron_pictures(trainer: Trainer, trace: StepTrace, n: int = PICTURE_PX) -> dict[tuple[int, int], str] | None:
    """Return {(layer, j): PNG data URI} of every hidden neuron's output over the input plane, each scaled to its
    own range (the shape of what the neuron responds to); None for data that is not 2-D."""
    outputs = neuron_outputs(trainer, trace, n)
    if outputs is None:
        return None
    pictures = {}
    for layer, a in enumerate(outputs, start=1):
        for j in range(a.shape[2]):
            values = a[:, :, j]
            lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
            scaled = 2.0 * (values - lo) / (hi - lo) - 1.0 if hi > lo else np.zeros_like(values)
            pictures[(layer, j)] = png_data_uri(colour_image(np.nan_to_num(scaled)))
    return pictures
