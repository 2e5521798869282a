"""The app builds figures without Plotly's validators (viz/objs.py): they must serialise exactly as validated ones."""

import json

import plotly.io as pio
import plotly.tools as ptools
import pytest

import viz.objs as vo
from engine import Config, Trainer
from viz.curves import loss_figure
from viz.dataview import data_figure
from viz.network import animated_network, network_figure, phases
from viz.theme import Style


def _figures(dataset: str, batch_mode: str) -> dict:
    trainer = Trainer(Config(dataset=dataset, batch_mode=batch_mode, batch_size=16))
    traces = [trainer.step() for _ in range(12)]
    trace, style = trainer.last_trace, Style.for_mode(presenter=True)
    figs = {"net": network_figure(trace, style, phase=phases(trainer.n_layers)[2], sample=None,
                                  input_names=["a", "b"][: trace.x.shape[1]]),
            "data": data_figure(trainer, style, trace.batch_index),
            "loss": loss_figure(trainer.history, style, log_y=True, current=5),
            "play": animated_network(traces[-4:], style)}
    # the same path st.plotly_chart takes: figure → dict → JSON
    return {k: json.loads(pio.to_json(ptools.return_figure_from_figure_or_data(f, True), validate=False))
            for k, f in figs.items()}


@pytest.mark.parametrize(("dataset", "batch_mode"), [("circle", "full"), ("sine", "mini"), ("spiral3", "sgd")])
def test_unvalidated_figures_serialise_like_validated_ones(monkeypatch, dataset, batch_mode):
    monkeypatch.setattr(vo, "VALIDATE", True)
    validated = _figures(dataset, batch_mode)
    monkeypatch.setattr(vo, "VALIDATE", False)
    fast = _figures(dataset, batch_mode)
    assert fast == validated
    # the current-iteration line, plus an epoch boundary once a mini-batch epoch has passed
    assert len(fast["loss"]["layout"]["shapes"]) == (2 if batch_mode == "mini" else 1)
