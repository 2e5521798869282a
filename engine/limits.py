"""The one table of limits: what any experiment may ask of the server, whoever asks.

Config validation, the experiment import, the CSV loader and the sidebar widgets' ranges all read these, so a
link, a file or a widget can never build what another refuses. Each refusal names its limit. The values keep
one session at the largest allowed data and network well under 100 MB of server memory and a Step
interactive (measured by bench/limits.py).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass


@dataclass(frozen=True)
class Limit:
    """An allowed range lo..hi for one quantity, named as the user reads it."""

    name: str
    lo: int
    hi: int

    def problem(self, value: int, where: str = "") -> str | None:
        """Return a message naming this limit when value is outside lo..hi (None when it fits)."""
        if self.lo <= value <= self.hi:
            return None
        return f"{self.name} is limited to {self.lo:,}–{self.hi:,} (got {value:,}{' ' + where if where else ''})"


HIDDEN_LAYERS = Limit("the number of hidden layers", 0, 12)
WIDTH = Limit("neurons per hidden layer", 1, 64)
ROWS = Limit("the number of data rows (samples)", 1, 50_000)
FEATURES = Limit("the number of input features", 1, 63)
OUTPUTS = Limit("the number of outputs (classes or targets)", 1, 10)
CLASSES = Limit("the number of classes", 2, OUTPUTS.hi)
#: rows × (inputs + neurons): what one pass over the data holds (x, and z and a of every neuron, for every row)
CELLS = Limit("rows × (inputs + neurons), the data times the network's size", 1, 500_000)
#: multiply-adds a restore or a rewind may replay (a few seconds of one core)
REPLAY_WORK = Limit("the replay work (steps × rows × weights)", 0, 2 * 10**9)
FILE_BYTES = 5 * 2**20                  #: largest CSV or experiment file
TRACE_MEMORY_BUDGET = 8 * 2**20         #: bytes of full step traces a trainer keeps (at least the newest one)
MAX_TRACES = 8                          #: the newest traces stay inspectable; older ones come back through rewind
SNAPSHOT_MEMORY_BUDGET = 8 * 2**20      #: bytes of parameter snapshots a trainer keeps for rewind
#: training rows a loss surface is computed on at most; beyond, a fixed sample of them (the map stays quick)
SURFACE_ROWS = 2_000
PATH_MEMORY_BUDGET = 4 * 2**20          #: bytes of the descent path the Loss landscape page keeps per session


def cells_width(n_in: int, hidden: tuple[int, ...], n_out: int, batch_norm: bool = False) -> int:
    """Return the columns one data row costs in CELLS: inputs + neurons, hidden neurons counted twice with batch
    norm (a step keeps z, x̂, y, a, δ_y and δ_z of each, against z, a and δ without it)."""
    return n_in + (2 if batch_norm else 1) * sum(hidden) + n_out


def max_rows(n_in: int, hidden: tuple[int, ...], n_out: int, batch_norm: bool = False) -> int:
    """Return the most data rows CELLS allows a network of widths (n_in, *hidden, n_out)."""
    return CELLS.hi // cells_width(n_in, hidden, n_out, batch_norm)


def network_problems(n_in: int, hidden: tuple[int, ...], n_out: int, rows: int,
                     batch_norm: bool = False, copies: int = 1) -> list[str]:
    """Return one message per limit a network of widths (n_in, *hidden, n_out) on `rows` rows breaks; `copies`
    of it trained in one session (the compared nets) share one CELLS budget."""
    problems = [HIDDEN_LAYERS.problem(len(hidden)), FEATURES.problem(n_in), OUTPUTS.problem(n_out),
                ROWS.problem(rows)]
    problems += [WIDTH.problem(h, f"in hidden layer {l}") for l, h in enumerate(hidden, start=1)]
    problems = [p for p in problems if p]
    if not problems:
        width = cells_width(n_in, hidden, n_out, batch_norm)
        nets = f"{copies} nets × " if copies > 1 else ""
        note = (", batch-norm neurons counted twice" if batch_norm else "") + \
            (", as they share one session" if copies > 1 else "")
        fit = CELLS.hi // (copies * width)   # said, so the reader knows how far to lower the rows
        cells = CELLS.problem(copies * rows * width, f"= {nets}{rows:,} rows × {width}{note}; at most {fit:,} rows "
                                                     "fit this network")
        problems += [cells] if cells else []
    return problems


def replay_work(steps: int, rows: int, sizes: tuple[int, ...]) -> int:
    """Return the multiply-adds of `steps` training steps on `rows` rows of a net with widths `sizes`."""
    weights = sum(a * b for a, b in itertools.pairwise(sizes))
    return 3 * steps * rows * weights   # forward, backward and the evaluation after the update
