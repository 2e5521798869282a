"""The textbook 2-2-2 worked example: build its Trainer and read every number of one step from the StepTrace.

Names follow the lecture notes: inputs i1, i2; hidden h1, h2; outputs o1, o2; w1, w2 into h1, w3, w4 into h2,
w5, w6 into o1, w7, w8 into o2; one bias b1 for the hidden layer and b2 for the output layer.
The engine keeps one bias per neuron: while biases are frozen that is the same as a shared one; when they
train, each neuron's bias moves on its own, as PyTorch's `optimizer.step()` moves an `nn.Linear` bias.

Nothing here recomputes the step: the numbers are read from the trace the engine produced, and the
chain-rule factors come from the same activation and loss functions the engine used.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .config import Config
from .data import Dataset
from .gradcheck import numeric_gradients
from .network import forward, unflatten
from .trace import StepTrace
from .trainer import Trainer

Array = np.ndarray

#: (layer 1-based, j = to-neuron, k = from-neuron; k = −1 is the bias) → the lecture notes' name
EDGE_NAMES: dict[tuple[int, int, int], str] = {
    (1, 0, 0): "w1", (1, 0, 1): "w2", (1, 1, 0): "w3", (1, 1, 1): "w4",
    (2, 0, 0): "w5", (2, 0, 1): "w6", (2, 1, 0): "w7", (2, 1, 1): "w8",
}
INPUT_NAMES = ("i1", "i2")
HIDDEN_NAMES = ("h1", "h2")
OUTPUT_NAMES = ("o1", "o2")


@dataclass(frozen=True)
class WorkedNumbers:
    """Every number the example starts from: inputs, targets, w1..w8, the two biases and η."""

    i1: float = 0.05
    i2: float = 0.10
    t1: float = 0.01
    t2: float = 0.99
    w1: float = 0.15
    w2: float = 0.20
    w3: float = 0.25
    w4: float = 0.30
    w5: float = 0.40
    w6: float = 0.45
    w7: float = 0.50
    w8: float = 0.55
    b1: float = 0.35
    b2: float = 0.60
    lr: float = 0.5

    @classmethod
    def from_dict(cls, values: dict) -> WorkedNumbers:
        """Return the numbers in `values` (missing names keep the textbook value), as floats."""
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: float(v) for k, v in values.items() if k in names})

    def to_dict(self) -> dict[str, float]:
        """Return {name: value} for every number."""
        return dataclasses.asdict(self)

    def params(self) -> list[tuple[Array, Array]]:
        """Return [(W1 (2, 2), b1 (2,)), (W2 (2, 2), b2 (2,))] in the engine's (n_out, n_in) layout."""
        W1 = np.array([[self.w1, self.w2], [self.w3, self.w4]])
        W2 = np.array([[self.w5, self.w6], [self.w7, self.w8]])
        return [(W1, np.full(2, self.b1)), (W2, np.full(2, self.b2))]

    def dataset(self) -> Dataset:
        """Return the one-sample dataset: X = [[i1, i2]] (1, 2), y = [[t1, t2]] (1, 2)."""
        return Dataset("two_two_two", np.array([[self.i1, self.i2]]), np.array([[self.t1, self.t2]]),
                       "regression", INPUT_NAMES, OUTPUT_NAMES)


TEXTBOOK = WorkedNumbers()


def worked_config(lr: float = 0.5, train_biases: bool = False) -> Config:
    """Return the textbook Config: 2-2-2, sigmoid everywhere, ½·SSE, plain SGD on the one sample."""
    return Config(dataset="two_two_two", hidden=(2,), activation="sigmoid", output="sigmoid", loss="half_sse",
                  lr=lr, train_biases=train_biases, test_ratio=0.0)


def build_trainer(numbers: WorkedNumbers = TEXTBOOK, train_biases: bool = False) -> Trainer:
    """Return a fresh Trainer (iteration 0) for these numbers; ValueError names what is out of range."""
    return Trainer(worked_config(numbers.lr, train_biases), dataset=numbers.dataset(), params=numbers.params())


def first_step(numbers: WorkedNumbers = TEXTBOOK, train_biases: bool = False) -> tuple[Trainer, StepTrace]:
    """Return (trainer after one update, the StepTrace of that update)."""
    trainer = build_trainer(numbers, train_biases)
    return trainer, trainer.step()


@dataclass(frozen=True)
class ForwardNumbers:
    """The forward pass and the error for the one sample; every array is (2,)."""

    inputs: Array     #: i1, i2
    targets: Array    #: t1, t2
    net_h: Array      #: net_h1, net_h2 (pre-activation z of layer 1)
    out_h: Array      #: out_h1, out_h2 = σ(net_h)
    net_o: Array      #: net_o1, net_o2
    out_o: Array      #: out_o1, out_o2
    E_o: Array        #: E_o1, E_o2 = ½(t − out)²
    E_total: float    #: E_o1 + E_o2 (the trace's loss before the update)


def forward_numbers(trainer: Trainer, trace: StepTrace) -> ForwardNumbers:
    """Return the forward pass and error of trace's (single) sample."""
    hid, out = trace.layers
    per_output = [float(trainer.net.loss.per_sample(out.z[:, [k]], out.a[:, [k]], trace.y[:, [k]])[0])
                  for k in range(out.a.shape[1])]
    return ForwardNumbers(trace.x[0], trace.y[0], hid.z[0], hid.a[0], out.z[0], out.a[0], np.array(per_output),
                          float(trace.loss))


@dataclass(frozen=True)
class LayerChain:
    """The chain rule of one layer: ∂E/∂w[j, k] = ∂E/∂out_j · ∂out_j/∂net_j · ∂net_j/∂w[j, k].

    For the hidden layer, ∂E/∂out_j is the sum over the output paths: paths[m, j] = δ_m · w_old[m, j].
    """

    out: Array        #: (n_out,) out_j, this layer's activation
    dE_dout: Array    #: (n_out,) ∂E/∂out_j
    dout_dnet: Array  #: (n_out,) ∂out_j/∂net_j = f'(net_j)
    delta: Array      #: (n_out,) δ_j = ∂E/∂net_j (the engine's δ, product of the two above)
    dnet_dw: Array    #: (n_in,) ∂net_j/∂w[j, k] = the incoming activation out_k
    grad_W: Array     #: (n_out, n_in) ∂E/∂w, from the trace
    W: Array          #: (n_out, n_in) weights before the update
    W_after: Array    #: (n_out, n_in) weights after the update
    paths: Array | None = None  #: (n_next, n_out) δ_m · w[m, j] per path (hidden layer only)
    W_next: Array | None = None  #: (n_next, n_out) the ORIGINAL next-layer weights the paths use
    next_delta: Array | None = None  #: (n_next,) δ of the next layer's neurons


def output_chain(trainer: Trainer, trace: StepTrace) -> LayerChain:
    """Return the chain-rule factors of ∂E/∂w5..w8 (the output layer)."""
    hid, out = trace.layers
    dE_dout = trainer.net.loss.dloss_da(out.a, trace.y)[0]
    dout_dnet = trainer.net.output.df(out.z, out.a)[0]
    return LayerChain(out.a[0], dE_dout, dout_dnet, out.delta[0], hid.a[0], out.grad_W, out.W, out.W_after)


def hidden_chain(trainer: Trainer, trace: StepTrace) -> LayerChain:
    """Return the chain-rule factors of ∂E/∂w1..w4, with ∂E/∂out_h as a sum of per-output paths."""
    hid, out = trace.layers
    paths = out.delta[0][:, None] * out.W  # (outputs, hidden): ∂E_om/∂out_hj through the original w5..w8
    dout_dnet = trainer.net.hidden.df(hid.z, hid.a)[0]
    return LayerChain(hid.a[0], paths.sum(axis=0), dout_dnet, hid.delta[0], trace.x[0], hid.grad_W, hid.W,
                      hid.W_after, paths, out.W, out.delta[0])


@dataclass(frozen=True)
class UpdateRow:
    """One parameter of the before / gradient / after table."""

    name: str
    before: float
    grad: float
    after: float
    numeric: float = float("nan")  #: central finite-difference gradient (NaN when not asked for)


def finite_differences(trainer: Trainer, trace: StepTrace) -> list[tuple[Array, Array]]:
    """Return [(∂E/∂W (n_out, n_in), ∂E/∂b (n_out,))] per layer by central differences at the trace's weights."""
    params = [(lt.W, lt.b) for lt in trace.layers]
    return numeric_gradients(trainer.net, params, trace.x, trace.y)


def update_rows(trace: StepTrace, numeric: list[tuple[Array, Array]] | None = None,
                biases: bool = False) -> list[UpdateRow]:
    """Return one row per weight w1..w8 (then per neuron bias when `biases`), read from the trace."""
    rows = []
    for (l, j, k), name in EDGE_NAMES.items():
        lt = trace.layers[l - 1]
        fd = numeric[l - 1][0][j, k] if numeric is not None else np.nan
        rows.append(UpdateRow(name, float(lt.W[j, k]), float(lt.grad_W[j, k]), float(lt.W_after[j, k]), float(fd)))
    if biases:
        for l, (lt, names) in enumerate(zip(trace.layers, (HIDDEN_NAMES, OUTPUT_NAMES))):
            for j, neuron in enumerate(names):
                fd = numeric[l][1][j] if numeric is not None else np.nan
                rows.append(UpdateRow(f"b{l + 1} ({neuron})", float(lt.b[j]), float(lt.grad_b[j]),
                                      float(lt.b_after[j]), float(fd)))
    return rows


def outputs_after(trainer: Trainer, trace: StepTrace) -> Array:
    """Return out_o1, out_o2 (2,) with the weights after the update."""
    params = [(lt.W_after, lt.b_after) for lt in trace.layers]
    _, acts = forward(trainer.net, params, trace.x)
    return acts[-1][0]


def error_after(trace: StepTrace) -> float:
    """Return E_total after the update (the trace's training loss: the training set is the one sample)."""
    return float(trace.train_loss)


def loss_curve(trainer: Trainer) -> tuple[Array, Array]:
    """Return (iterations (S + 1,), E_total (S + 1,)): E at iteration 0, then after each of the S updates.

    Both are empty before the first step.
    """
    its = trainer.history.column("iteration")
    if its.size == 0:
        return np.zeros(0), np.zeros(0)
    return np.r_[0.0, its], np.r_[trainer.history.column("loss")[:1], trainer.history.column("train_loss")]


def output_path(trainer: Trainer) -> tuple[Array, Array]:
    """Return (iterations (S,), out_o1/out_o2 (S, 2)) at the trainer's parameter snapshots and now."""
    its, flat = trainer.param_path()
    outs = np.empty((len(its), trainer.sizes[-1]))
    for s, vec in enumerate(flat):
        _, acts = forward(trainer.net, unflatten(vec, trainer.sizes), trainer.split.X_train[:1])
        outs[s] = acts[-1][0]
    return its.astype(np.float64), outs

