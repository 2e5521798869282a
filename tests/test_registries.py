"""Every registry entry reaches every reader: a new activation, loss, optimizer or initialisation shows up in the
sidebar with its label, renders in the equation panel and trains, without an edit outside its engine file.
"""

import pytest

from engine import ACTIVATIONS, HIDDEN_ACTIVATIONS, INITIALIZERS, LOSSES, OPTIMIZER_RULES, Config, Trainer
from ui.settings import BY_KEY, from_config, to_config
from viz.equations import edge_equations, neuron_equations
from viz.vanishing import act_label


@pytest.mark.parametrize("name", HIDDEN_ACTIVATIONS)
def test_each_hidden_activation_is_offered_drawn_and_trained(name):
    act = ACTIVATIONS[name]
    assert BY_KEY["act"].options[name] == act.label == act_label(name)
    assert act.symbol and act.tex and act.tex_df
    trainer = Trainer(Config(activation=name, hidden=(3,), lr=0.05))
    trace = trainer.step()
    assert trace.ok
    lines = neuron_equations(trace, trainer.net, 1, 0) + neuron_equations(trace, trainer.net, 2, 0)
    assert any(act.symbol in line for line in lines)
    assert to_config(from_config(trainer.config)).activation == name


@pytest.mark.parametrize("name", list(OPTIMIZER_RULES))
def test_each_optimizer_is_offered_with_its_hyper_parameters_and_explained(name):
    rule = OPTIMIZER_RULES[name]
    assert BY_KEY["opt"].options[name] == rule.label
    assert all(h in {f for s in BY_KEY.values() for f in [s.field]} for h in rule.hyper if h != "eps")
    values = {**from_config(Config(optimizer=name)), "opt": name}
    for s in BY_KEY.values():
        if s.field in {h for r in OPTIMIZER_RULES.values() for h in r.hyper}:
            assert s.shown(values) == (s.field in rule.hyper), (s.key, name)
    trainer = Trainer(Config(optimizer=name, lr=0.01, clip_norm=0.5))
    trace = trainer.step()
    lines = edge_equations(trace, trainer.config, 1, 0, 0)
    if name != "sgd":
        assert any(rule.tex in line for line in lines)


@pytest.mark.parametrize("name", list(INITIALIZERS))
def test_each_initialisation_is_offered(name):
    assert BY_KEY["init"].options[name] == INITIALIZERS[name].label
    assert Trainer(Config(init=name)).params[0][0].shape == (4, 2)


@pytest.mark.parametrize("name", list(LOSSES))
def test_each_loss_is_offered(name):
    assert BY_KEY["loss"].options[name] == LOSSES[name].label
    assert LOSSES[name].tex
