"""The app builds figures without Plotly's validators (viz/objs.py): they must serialise exactly as validated ones."""

import json

import plotly.io as pio
import plotly.tools as ptools
import pytest

import viz.objs as vo
from engine import Config, Trainer
from engine import worked as ew
from engine.diagnostics import Comparison
from engine.landscape import (
    INTERP_ALPHAS,
    LossModel,
    MapSettings,
    frame_map,
    interpolation,
    path_of,
    side_by_side,
    slice_through,
    update_frame,
)
from viz import landscape as vl
from viz import vanishing as vv
from viz import worked as vw
from viz.curves import loss_figure
from viz.dataview import data_figure
from viz.network import Selection, network_figure, phases
from viz.pictures import neuron_pictures
from viz.theme import Style


def _as_sent(figs: dict) -> dict:
    # the same path st.plotly_chart takes: figure → dict → JSON
    return {k: json.loads(pio.to_json(ptools.return_figure_from_figure_or_data(f, True), validate=False))
            for k, f in figs.items()}


def _figures(dataset: str, batch_mode: str) -> dict:
    trainer = Trainer(Config(dataset=dataset, batch_mode=batch_mode, batch_size=16))
    trainer.run(12)
    trace, style = trainer.last_trace, Style.for_mode(presenter=True)
    L = trainer.n_layers
    figs = {"net": network_figure(trace, style, phase=phases(L)[2], sample=None,
                                  input_names=["a", "b"][: trace.x.shape[1]]),
            "net_loss": network_figure(trace, style, phase=phases(L)[L], sample=3, net=trainer.net,
                                       selection=Selection("edge", 1, 0, -1)),
            "net_pictures": network_figure(trace, style, phase=phases(L)[-1], selection=Selection("node", 1, 2),
                                           pictures=neuron_pictures(trainer, trace), scale="log"),
            "data": data_figure(trainer, style, trace.batch_index),
            "data_compact": data_figure(trainer, style, trace.batch_index, width=360, height=300, compact=True,
                                        params=trainer.params_at(3)),
            "loss": loss_figure(trainer.history, style, log_y=True, current=5, compact=True, width=360)}
    return _as_sent(figs)


def _other_pages() -> dict:
    style = Style()
    trainer = Trainer(Config())
    path = path_of(trainer)
    frame = update_frame(None, trainer, path, MapSettings(grid_n=15))
    trainer.run(10)
    path = path_of(trainer, path)
    ls = frame_map(frame, trainer, path, heights=True)
    cut = slice_through(frame, LossModel.of(trainer), trainer.param_vector())
    line = interpolation(trainer, path.points[0], trainer.param_vector(), INTERP_ALPHAS)
    runs, _ = side_by_side(trainer.config, trainer.dataset, trainer.initial_params, "optimizer", 2, 11)
    comparison = Comparison(Config(n_samples=60, hidden=(6,) * 3, clip_norm=0.05))
    comparison.run(4)
    snaps = comparison.snapshots()
    worked, trace = ew.first_step()
    fw = ew.forward_numbers(worked, trace)
    worked.run(20)
    figs = {"contour": vl.contour_figure(ls, style, width=500, title="Re-framed"),
            "surface": vl.surface3d_figure(ls, style), "slice": vl.slice_figure(cut, style),
            "interpolation": vl.interpolation_figure(INTERP_ALPHAS, line, style), "runs": vl.curves_figure(runs, style),
            "worked": vw.worked_network(trace, fw, style),
            "table": vw.update_table(ew.update_rows(trace), style),
            "worked_loss": vw.loss_curve_figure(*ew.loss_curve(worked), style),
            "worked_outputs": vw.outputs_figure(*ew.output_path(worked), fw.targets, style),
            "flow": vv.gradient_flow_figure(comparison, snaps, style)}
    figs.update({f"detail {v}": vv.detail_figure(v, comparison, snaps, style) for v in vv.DETAIL_VIEWS})
    return _as_sent(figs)


def test_the_other_pages_figures_serialise_like_validated_ones(monkeypatch):
    monkeypatch.setattr(vo, "VALIDATE", True)
    validated = _other_pages()
    monkeypatch.setattr(vo, "VALIDATE", False)
    assert _other_pages() == validated


@pytest.mark.parametrize(("dataset", "batch_mode"), [("circle", "full"), ("sine", "mini"), ("spiral3", "sgd")])
def test_unvalidated_figures_serialise_like_validated_ones(monkeypatch, dataset, batch_mode):
    monkeypatch.setattr(vo, "VALIDATE", True)
    validated = _figures(dataset, batch_mode)
    monkeypatch.setattr(vo, "VALIDATE", False)
    fast = _figures(dataset, batch_mode)
    assert fast == validated
    # the viewed-iteration line and the grey over the later ones, plus an epoch boundary once a mini-batch
    # epoch has passed
    assert len(fast["loss"]["layout"]["shapes"]) == (3 if batch_mode == "mini" else 2)
