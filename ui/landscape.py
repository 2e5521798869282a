"""The Loss landscape page's Streamlit glue: the map's settings in one compact row, the page's memory of a
trainer's path and frame (in the session, tied to the trainer object itself), the layout that makes the map the
main thing, and the side-by-side runs."""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass

import streamlit as st

from engine import Trainer
from engine.landscape import (
    COMPARE_EPOCHS,
    KIND_HELP,
    KINDS,
    REASONS,
    RUN_LR,
    SIDE_BY_SIDE,
    Frame,
    MapSettings,
    Path,
    describe_param,
    param_names,
    path_of,
    side_by_side,
    update_frame,
)
from engine.network import params_vector
from ui.settings import LR_STEPS
from ui.viewport import Space
from viz import landscape as vl
from viz.theme import Style, fmt

WATCH_KEY = "ls_watch"
SPANS = ("auto", 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
SIDE_MIN = 300              #: narrowest side column (px) worth drawing the slice in; else it goes below the map
MAP_MIN = 480               #: narrowest map (px) that shares the row with the side column
SURFACES = {"full": "Whole training set", "batch": "This batch"}
COMPARE = {"batch_mode": "Batch modes: full batch, mini-batch, SGD", "optimizer": "Optimizers: SGD, momentum, Adam"}


@dataclass
class Watch:
    """The page's memory of one trainer: its path, the frame the map is drawn in, the last re-frame notice."""

    trainer: weakref.ref      #: not id(trainer): ids are reused once a trainer is gone
    path: Path
    frame: Frame | None = None
    notice: str | None = None


@dataclass(frozen=True)
class Options:
    """The map options the lecturer chose: the frame's settings and how to draw it."""

    settings: MapSettings
    reframe: bool = False     #: the lecturer asked for a new frame on this run
    follow: bool = False      #: re-frame on every redraw, centred on the point (the old way)
    batch: bool = False       #: draw the surface of the next step's batch instead of the training set's
    show_3d: bool = False


def watch(trainer: Trainer, options: Options) -> Watch:
    """Return the session's Watch of `trainer` brought up to now: its path extended and its frame kept, or chosen
    anew (a re-frame because the point left the map leaves a notice and a toast: never silently)."""
    w = st.session_state.get(WATCH_KEY)
    if w is None or w.trainer() is not trainer:
        w = Watch(weakref.ref(trainer), path_of(trainer))
        st.session_state[WATCH_KEY] = w
    else:
        w.path = path_of(trainer, w.path)
    frame = update_frame(w.frame, trainer, w.path, options.settings, options.reframe, options.follow)
    if frame is not w.frame:
        if frame.reason == "left":
            w.notice = f"Re-framed at iteration {trainer.iteration}: the point had left the map."
            st.toast(w.notice, icon=":material/open_with:")
        else:
            w.notice = None
        w.frame = frame
    return w


def frame_caption(frame: Frame, follow: bool) -> str:
    """Return one line under the map: what its axes are (plain words) and when and why it was chosen."""
    note = f" ({frame.note[0].upper()}{frame.note[1:]})" if frame.note else ""
    when = ("The map follows the point: it is drawn anew around it at every step" if follow else
            f"The map was {REASONS[frame.reason]} at iteration {frame.iteration} and stays still while you train")
    return f"{KIND_HELP[frame.directions.kind]} {when}{note}."


def map_options(key: str, trainer: Trainer) -> Options:
    """Draw the map's options in one row (key `{key}_options`): axes, surface, Re-frame and a popover with the rest."""
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key=f"{key}_options"):
        kind = st.selectbox("Axes", list(KINDS), format_func=lambda k: f"Axes: {KINDS[k]}", key=f"{key}_kind",
                            label_visibility="collapsed", width=270)
        batch = False
        if trainer.config.batch_mode != "full":
            batch = st.segmented_control("Surface", list(SURFACES), format_func=SURFACES.get, default="full",
                                         required=True, key=f"{key}_surface", label_visibility="collapsed") == "batch"
        reframe = st.button("Re-frame", key=f"{key}_reframe", icon=":material/center_focus_strong:",
                            help="Choose the map again for the path so far (and where the next steps go)")
        with st.popover("Map", icon=":material/tune:", key=f"{key}_more"):
            settings, follow, show_3d = _more_options(key, trainer, kind)
    return Options(settings, reframe, follow, batch, show_3d)


def _more_options(key: str, trainer: Trainer, kind: str) -> tuple[MapSettings, bool, bool]:
    """Draw the popover's options; return (settings, follow the point, 3-D)."""
    follow = st.toggle("Follow the point", key=f"{key}_follow",
                       help="Re-frame at every step, centred on the point (the map moves instead of the point)")
    show_3d = st.toggle("3-D view", value=False, key=f"{key}_3d", help="Off costs nothing; on, every Step redraws it")
    grid_n = st.slider("Grid size (points per side)", 21, 81, 41, step=2, key=f"{key}_grid")
    span = st.select_slider("Span (± around the frame's centre)", SPANS, value="auto", key=f"{key}_span")
    seed, picks, biases = (trainer.config.seed, st.session_state.get(f"{key}_seed", 0)), (0, 1), False
    if kind == "random":
        if st.button("New random directions", key=f"{key}_new_dirs"):
            st.session_state[f"{key}_seed"] = seed[1] + 1
            seed = (seed[0], seed[1] + 1)
        biases = st.checkbox("Move the biases too", key=f"{key}_biases")
    elif kind == "weights":
        names = param_names(trainer.sizes)
        for k in (f"{key}_w1", f"{key}_w2"):
            if st.session_state.get(k, 0) >= len(names):   # the network shrank: back to the defaults
                del st.session_state[k]
        picks = tuple(st.selectbox(label, range(len(names)), index=index, key=f"{key}_{w}",
                                   format_func=lambda i: describe_param(names[i]))
                      for label, index, w in (("First weight (x axis)", 0, "w1"), ("Second weight (y axis)", 1, "w2")))
    return MapSettings(kind, grid_n, None if span == "auto" else float(span), seed, picks, biases), follow, show_3d


def viewed_iteration(key: str, trainer: Trainer) -> int:
    """Return the iteration the page shows: the newest, unless the slider (drawn later) looks back."""
    widget, newest = f"{key}_view", f"{key}_view_max"
    if st.session_state.get(newest) != trainer.iteration or widget not in st.session_state:
        st.session_state[widget] = st.session_state[newest] = trainer.iteration   # a step shows the newest
    return min(int(st.session_state[widget]), trainer.iteration)


def view_slider(key: str, trainer: Trainer) -> None:
    """Draw the slider that moves the point back along its path (the map stays; the trainer is untouched)."""
    if trainer.iteration > 0:
        st.slider("Show the point at iteration", 0, trainer.iteration, key=f"{key}_view")


def map_layout(space: Space) -> tuple[int, int, int]:
    """Return (map width, side column width or 0, height) in px: a map about as tall as the window allows and a
    roughly square plot, with the side column beside it only when both fit."""
    # down to the window's bottom, but no taller than wide: on a tall screen the map stays a map, not a strip
    height = min(space.height_left(below=14, least=360), max(360, int(0.75 * space.width)))
    want = height + 130       # the plot about square, plus the y-axis title and the colour bar with its labels
    if space.width - want >= SIDE_MIN:
        return want, space.width - want, height
    if space.width - SIDE_MIN >= MAP_MIN:
        return space.width - SIDE_MIN, SIDE_MIN, height
    return space.width, 0, height


# ---- side by side -------------------------------------------------------------------------------------
def start_key(trainer: Trainer) -> str:
    """Return a hash naming the trainer's start: settings, training data and initial weights (a cache key)."""
    h = hashlib.sha1(repr(trainer.config).encode())
    for a in (trainer.split.X_train, trainer.split.y_train, params_vector(trainer.initial_params)):
        h.update(a.tobytes())
    return h.hexdigest()[:20]


def _with_progress(text: str, compute):
    """Return compute(on_progress) with a progress bar that shows only while it works."""
    slot = st.empty()   # made inside the cached function, so a cache hit replays it harmlessly
    out = compute(lambda done, total: slot.progress(done / total, text=text))
    slot.empty()
    return out


@st.cache_data(max_entries=8, show_spinner=False)
def _runs(_trainer: Trainer, key: str, field: str, epochs: int, grid_n: int, lrs: tuple[tuple[str, float], ...]):
    """Return side_by_side's (runs, map) for the trainer's start (named by `key`), cached with a progress bar."""
    return _with_progress("Training the runs side by side…", lambda progress: side_by_side(
        _trainer.config, _trainer.dataset, _trainer.initial_params, field, epochs, grid_n, dict(lrs), progress))


def _reset_epochs() -> None:
    """Put the epochs slider at the new comparison's default length."""
    st.session_state["ls_cmp_epochs"] = COMPARE_EPOCHS[st.session_state["ls_cmp_field"]]


def side_by_side_section(trainer: Trainer, style: Style, grid_n: int) -> None:
    """Draw the side-by-side runs: each with its own η (editable) and its own status, all paths on one map."""
    st.subheader("Side by side, from the same initial weights")
    c = st.columns([2.6, 1.6, 1], vertical_alignment="bottom")
    field = c[0].radio("Compare", list(COMPARE), format_func=COMPARE.get, key="ls_cmp_field", horizontal=True,
                       on_change=_reset_epochs)
    epochs = c[1].slider("Epochs each", 1, 200, COMPARE_EPOCHS[field], key="ls_cmp_epochs")
    if c[2].button("Run them", key="ls_cmp_run", type="primary", width="stretch"):
        st.session_state["ls_cmp"] = True
    values = SIDE_BY_SIDE[field]
    panels = st.columns(len(values))
    lrs = {}
    for panel, (value, label) in zip(panels, values.items()):
        lrs[value] = panel.select_slider(f"{label}: η", LR_STEPS, value=RUN_LR[field][value],
                                         key=f"ls_cmp_lr_{field}_{value}",
                                         help="Its own learning rate: measured to train smoothly on the default "
                                              "experiment (bench/side_by_side_lr.py)")
    if not st.session_state.get("ls_cmp"):
        st.caption(f"Runs {', '.join(values.values())} from this network's initial weights, each at its own η.")
        return
    try:
        runs, cmp = _runs(trainer, start_key(trainer), field, epochs, grid_n, tuple(sorted(lrs.items())))
    except ValueError as e:
        st.warning(f"These runs can't be drawn on one map: {e}.")
        return
    for panel, run in zip(panels, runs):
        if run.diverged:
            panel.error(f"**{run.label} blew up at iteration {run.diverged}** (η = {run.lr:g}): its loss grew without "
                        "bound, so it stopped there; the others go on. Lower its η and run again.")
        elif not run.trained:
            panel.warning(f"**{run.label} ended higher than it started** (η = {run.lr:g}): training loss "
                          f"{fmt(run.train_loss[0])} → {fmt(run.train_loss[-1])}. Its η is too big for it; the map "
                          "is drawn for the others.")
        else:
            panel.success(f"{run.label}: training loss {fmt(run.train_loss[0])} → {fmt(run.train_loss[-1])} in "
                          f"{run.iterations[-1]} steps.")
    left, right = st.columns(2)
    left.plotly_chart(vl.contour_figure(cmp, style, show_point=False), key="ls_cmp_map", theme=None)
    left.caption(f"All {len(runs)} runs start at the black square and train {epochs} epochs, drawn on one PCA "
                 "plane of the runs that trained: " + ("the noisier the gradient, the more the path wanders."
                                                      if field == "batch_mode" else
                                                      "see how far and how straight each optimizer goes."))
    right.plotly_chart(vl.curves_figure(runs, style), key="ls_cmp_curves", theme=None)
    right.caption("The training loss of each run against epochs: which one gets lowest for the same number of "
                  "passes over the data?")
