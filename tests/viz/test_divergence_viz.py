"""At learning rates 10 and 100, for every activation × optimizer: 50 steps, every figure and equation drawn,
never a NaN or inf shown as a number."""

import re

import pytest

from engine import Config, Trainer
from viz.curves import loss_figure
from viz.dataview import data_figure
from viz.equations import edge_equations, neuron_equations
from viz.network import network_figure, phases
from viz.theme import Style

BAD_NUMBER = re.compile(r"\b(nan|inf)\b", re.I)


def _figure_texts(fig) -> list[str]:
    texts = []
    for trace in fig.data:
        for attr in ("text", "hovertext"):
            value = getattr(trace, attr, None)
            if value is not None:
                texts += [str(v) for v in (value if isinstance(value, (list, tuple)) else list(value))]
    texts += [str(a.text) for a in fig.layout.annotations]
    return texts


@pytest.mark.parametrize("lr", [10.0, 100.0])
@pytest.mark.parametrize("act", ["sigmoid", "tanh", "relu", "leaky_relu", "linear"])
@pytest.mark.parametrize("opt", ["sgd", "momentum", "adam"])
def test_no_nan_is_ever_drawn(lr, act, opt):
    trainer = Trainer(Config(dataset="plane", loss="mse", activation=act, optimizer=opt, lr=lr, hidden=(8, 8),
                             init_scale=3.0))
    for _ in range(50):
        trainer.step()
    trace = trainer.diverged or trainer.last_trace or trainer.peek()
    style = Style()
    texts = []
    for phase in phases(trainer.n_layers)[:: max(1, trainer.n_layers)]:
        texts += _figure_texts(network_figure(trace, style, phase=phase, sample=None))
    texts += _figure_texts(data_figure(trainer, style, trace.batch_index))
    if len(trainer.history):
        texts += _figure_texts(loss_figure(trainer.history, style, log_y=True))
    texts += neuron_equations(trace, trainer.net, 1, 0) + neuron_equations(trace, trainer.net, trainer.n_layers, 0)
    texts += edge_equations(trace, trainer.config, 1, 0, 0) + edge_equations(trace, trainer.config, 2, 0, -1)
    bad = [t for t in texts if BAD_NUMBER.search(t)]
    assert not bad, bad[:3]
