"""Walking one iteration phase by phase with a clicker, and viewing past iterations without losing any.

Pure Python (no Streamlit), so the rules are unit-tested on their own. A View is (iteration, phase):
iteration k ≥ 1 shows the trace of update k; iteration 0 shows the preview of update 1 (the initial weights'
forward and backward pass, not yet applied). "Next" walks the phases forward 1 … loss … backward … update
and then moves to the next iteration's forward 1 — training it if it has not been computed yet.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class View:
    """Which iteration the page shows (0 = before any update) and which phase of it (index into phases)."""

    iteration: int
    phase: int

    @property
    def trace_iteration(self) -> int:
        """Return the update whose trace is drawn: the iteration itself, or 1 (the preview) at iteration 0."""
        return max(self.iteration, 1)


def next_view(view: View, head: int, n_phases: int) -> tuple[View, int]:
    """Return (the view one phase on, how many updates to train first so that it exists).

    After the last phase (the update) comes forward 1 of the next iteration; at the newest iteration that
    means training (at iteration 0 twice: the preview of update 1 was just walked, so 1 is applied and 2
    is shown).
    """
    if view.phase < n_phases - 1:
        return View(view.iteration, view.phase + 1), 0
    target = view.trace_iteration + 1
    return View(target, 0), max(0, target - head)


def previous_view(view: View, n_phases: int) -> View:
    """Return the view one phase back (the previous iteration's update before forward 1; stays at the start)."""
    if view.phase > 0:
        return View(view.iteration, view.phase - 1)
    if view.iteration <= 1:
        return View(view.iteration, 0)
    return View(view.iteration - 1, n_phases - 1)


def clamp_view(view: View, head: int, n_phases: int) -> View:
    """Return the view moved inside what exists: iteration ≤ head, phase < n_phases (after a reset or rebuild)."""
    return View(min(max(view.iteration, 0), head), min(max(view.phase, 0), n_phases - 1))
