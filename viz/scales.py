"""Colour scales for values that span decades, and text sizes for laying labels out without overlaps.

A signed log scale keeps the sign as the hue and puts log10 |x| on the depth of the colour, so δ = 1e-7 and
δ = 1e-3 get clearly different colours where a linear scale paints both white.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: more decades than this between the largest and the smallest |value| → the automatic choice is a log scale
AUTO_LOG_DECADES = 3.0
#: a log scale shows at most this many decades below the largest |value| (smaller ones are drawn as 0)
MAX_DECADES = 8
SCALE_CHOICES = {"auto": "auto", "linear": "linear", "log": "log |x|"}
#: average advance of a character of DejaVu Sans, in em (digits are 0.636 em; a little extra for bold)
CHAR_EM = 0.64
BOLD_EM = 0.72   #: DejaVu Sans Bold's letters and digits are about 0.70 em wide


def text_width(text: str, font_px: float, bold: bool = False) -> float:
    """Return the approximate width in pixels of `text` drawn at `font_px` (DejaVu Sans, or DejaVu Sans Bold)."""
    return len(text) * (BOLD_EM if bold else CHAR_EM) * font_px


def decade_span(values) -> float:
    """Return log10(max |x| / min |x|) over the finite non-zero values (0 when fewer than two)."""
    v = np.abs(np.asarray(values, dtype=np.float64))
    v = v[np.isfinite(v) & (v > 0)]
    if v.size < 2:
        return 0.0
    return float(np.log10(v.max()) - np.log10(v.min()))  # a ratio of extremes could overflow


@dataclass(frozen=True)
class ColourScale:
    """How values become colours: `linear` over ±m, or `log` over the decades lo..hi (log10 |x|)."""

    kind: str          #: "linear" | "log"
    m: float = 1.0     #: linear: the largest |value| (the ends of the scale)
    lo: float = -8.0   #: log: log10 of the smallest |value| drawn with colour
    hi: float = 0.0    #: log: log10 of the largest |value|
    auto: bool = False  #: chosen automatically (said on the colour bar)

    def position(self, values) -> np.ndarray:
        """Return each value's place on the scale in [−1, 1] (0 = white), NaN/inf as 0."""
        v = np.asarray(values, dtype=np.float64)
        v = np.where(np.isfinite(v), v, 0.0)
        if self.kind == "linear":
            return np.clip(v / self.m, -1.0, 1.0)
        with np.errstate(divide="ignore"):
            depth = (np.log10(np.abs(v)) - self.lo) / (self.hi - self.lo)
        return np.sign(v) * np.clip(np.where(v != 0, depth, 0.0), 0.0, 1.0)

    def ticks(self) -> tuple[list[float], list[str]]:
        """Return (positions in [−1, 1], labels) for the colour bar."""
        # no label at the very ends: the one at +1 would run into the colour bar's title
        if self.kind == "linear":
            step = _nice_step(0.45 * self.m)
            values = [k * step for k in (-2, -1, 0, 1, 2) if abs(k * step) <= 0.92 * self.m]
            return [v / self.m for v in values], [_short(v) for v in values]
        span = self.hi - self.lo
        top, bottom = math.floor(self.hi + 1e-9), math.ceil(self.lo - 1e-9)
        step = max(1, math.ceil((top - bottom) / 3))
        decades = [d for d in range(top, bottom - 1, -step) if 0.2 <= (d - self.lo) / span <= 0.92]
        pos = [(d - self.lo) / span for d in decades]
        labels = [f"1e{d}" for d in decades]
        return ([-p for p in pos] + [0.0] + pos[::-1],
                [f"−{t}" for t in labels] + ["0"] + labels[::-1])

    def tick_width(self, font_px: float) -> float:
        """Return the width in pixels of the widest colour-bar label."""
        return max(text_width(t, font_px) for t in self.ticks()[1])


def choose_scale(values, choice: str = "auto") -> ColourScale:
    """Return the ColourScale for values: `choice` "linear", "log", or "auto" (log past AUTO_LOG_DECADES)."""
    v = np.abs(np.asarray(values, dtype=np.float64))
    v = v[np.isfinite(v)]
    m = float(v.max()) if v.size and v.max() > 0 else 1.0
    use_log = choice == "log" or (choice == "auto" and decade_span(v) > AUTO_LOG_DECADES)
    if not use_log:
        return ColourScale("linear", m=m, auto=choice == "auto")
    hi = math.log10(m)
    nonzero = v[v > 0]
    lo = max(math.log10(float(nonzero.min())) if nonzero.size else hi - 1.0, hi - MAX_DECADES)
    if hi - lo < 1.0:
        lo = hi - 1.0
    return ColourScale("log", m=m, lo=lo, hi=hi, auto=choice == "auto")


def _nice_step(raw: float) -> float:
    """Return the largest 1-2-5 number not above raw (> 0)."""
    exp = 10.0 ** math.floor(math.log10(raw))
    return max(m * exp for m in (1, 2, 5) if m * exp <= raw * (1 + 1e-9))


def _short(v: float) -> str:
    a = abs(v)
    if a == 0:
        return "0"
    if 1e-2 <= a < 1e4:
        return f"{v:.3g}"
    return compact(v)


def compact(v: float, digits: int = 2) -> str:
    """Return v with `digits` (1 or 2) significant digits in few characters: 0.047, 7.2e-5, -1e-4, 3e4 (— NaN)."""
    if not math.isfinite(v):
        return "—"
    a = abs(v)
    if a == 0:
        return "0"
    if 1e-2 <= a < 100:
        return f"{v:.{digits}g}"
    mant, exp = f"{v:.{digits - 1}e}".split("e")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}e{int(exp)}"
