"""Live Play, shared by every page that trains: keep stepping until Pause, a divergence or the user's limit,
redrawing everything that depends on the weights as it goes.

A page puts what a step changes in `live_area(key, body)`: while playing, `body` first calls `play_frame`,
which trains `per_frame` iterations, and draws its main figure with `live_chart(..., pace=frame(key))`. The
browser asks for the next frame as soon as it has drawn that figure, so one frame is in flight at a time: the
server never runs ahead of what a slow laptop can draw, and Pause is not stuck behind frames still waiting to
be drawn. A timer (PACE_SECONDS) restarts a frame that was lost. The fragment's timer is set when the page
declares it, so starting and stopping end in a full rerun; the Play and Pause buttons act in their click
callbacks, before the fragment body, so a Pause trains nothing more and the next run drops the timer at once.
The state machine (`PlayState`, `advance`) is plain Python, tested without a browser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

PACE_SECONDS = 2.0           #: a frame the browser never asked for after this long is run anyway
SPEEDS = (1, 2, 5, 10, 20, 50, 100)
DEFAULT_SPEED = 10           #: iterations per frame: with ~5 redraws a second, ≈ 50 iterations a second
#: Advance(n) trains up to n iterations; it returns (iterations done, why it had to stop or None)
Advance = Callable[[int], tuple[int, str | None]]


@dataclass
class PlayState:
    """One page's Play: whether it runs, how fast, where it stops, and why it stopped last."""

    playing: bool = False
    per_frame: int = DEFAULT_SPEED
    until: int = 0                 #: stop when the iteration reaches this (0 = no limit)
    note: str | None = None        #: why Play stopped, shown once
    timer: bool = False            #: whether the page declared its live fragment with the frame timer
    frame: int = 0                 #: frames played so far (the browser names the one it has drawn)


def advance(state: PlayState, iteration: int, train: Advance) -> int:
    """Run one frame of `state` from `iteration`; stop Play at a divergence or at the limit. Return iterations run."""
    if not state.playing:
        return 0
    n = state.per_frame
    if state.until:
        n = min(n, state.until - iteration)
    if n <= 0:
        state.playing, state.note = False, f"Play stopped at iteration {iteration}: the limit you set."
        return 0
    done, problem = train(n)
    state.frame += 1
    if problem:
        state.playing, state.note = False, f"Play stopped: {problem}"
    elif state.until and iteration + done >= state.until:
        state.playing, state.note = False, f"Play stopped at iteration {iteration + done}: the limit you set."
    return done


def play_state(key: str) -> PlayState:
    """Return the PlayState of the page `key` (kept in the session)."""
    name = f"_play_{key}"
    if name not in st.session_state:
        st.session_state[name] = PlayState()
    return st.session_state[name]


def is_playing(key: str) -> bool:
    """Return True while the page `key` is playing."""
    return play_state(key).playing


def stop(key: str, note: str | None = None) -> None:
    """Stop Play on page `key` (with a note to show), effective from the next full run."""
    state = play_state(key)
    if state.playing:
        state.playing, state.note = False, note


def play_button(key: str) -> None:
    """Draw ▶ Play (key `{key}_play`) or ❚❚ Pause (key `{key}_pause`), both on Space, and the speed settings.

    Two keys, not one toggle: a click that reaches the server twice (a frame rerun in between) still means
    what the button said, so Play never flips back on by itself.
    """
    state = play_state(key)
    if state.playing:
        pressed = st.button("❚❚ Pause", key=f"{key}_pause", shortcut="Space", type="primary",
                            help="Stop training (Space); Step and rewind go on from here exactly")
    else:
        pressed = st.button("▶ Play", key=f"{key}_play", shortcut="Space",
                            help="Train continuously until Pause (Space), redrawing as it goes")
    if pressed:
        state.playing, state.note = not state.playing, None
        st.rerun(scope="app")  # the fragment's frame timer is set when the page declares it
    with st.popover("Speed", help="Play speed (iterations per frame) and where Play stops"):
        state.per_frame = st.select_slider("Iterations per frame", SPEEDS, value=state.per_frame,
                                           key=f"{key}_speed")
        state.until = int(st.number_input("Stop at iteration (0 = never)", 0, 10**7, state.until, step=100,
                                          key=f"{key}_until"))


def play_frame(key: str, iteration: int, train: Advance) -> None:
    """Train one frame if page `key` is playing. When Play started or stopped since the page declared its live
    fragment, restart the page first (the fragment's frame timer is set there); when a frame stops Play (its
    limit, a divergence), restart it after the frame."""
    state = play_state(key)
    if state.playing != state.timer:
        st.rerun(scope="app")
    if not state.playing:
        return
    advance(state, iteration, train)
    if not state.playing:
        st.rerun(scope="app")


def frame(key: str) -> int | None:
    """Return the number of the frame being drawn while page `key` plays (its main figure passes it to
    live_chart, which asks for the next frame once it is drawn), else None."""
    state = play_state(key)
    return state.frame if state.playing else None


def show_note(key: str) -> None:
    """Show (once) why Play stopped."""
    state = play_state(key)
    if state.note:
        st.warning(state.note)
        state.note = None


def live_area(key: str, body: Callable[[], None]) -> None:
    """Run body() as the page's live fragment: it reruns alone on a click, and every frame while playing."""
    state = play_state(key)
    state.timer = state.playing
    st.fragment(body, run_every=PACE_SECONDS if state.playing else None, key=f"{key}_live")()
