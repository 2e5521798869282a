"""The lesson library: ready scenarios with what to watch, their settings and shareable links.

Pure Python (no Streamlit): every lesson's settings go through ui.settings.to_config, so the tests check the
lesson's claim on exactly the Config its link opens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from engine import Config
from ui.settings import defaults, to_config, to_query


@dataclass(frozen=True)
class Lesson:
    """A scenario: title, what to watch, the settings of each variant, and which page shows it best."""

    number: int
    title: str
    watch: str
    variants: dict[str, dict] = field(default_factory=dict)  #: variant name → settings (sidebar keys)
    page: str = "forward_backward"                          #: forward_backward | worked_example | vanishing
    steps: str = ""                                         #: what to press, in a few words

    def config(self, variant: str | None = None) -> Config:
        """Return the Config the lesson's (first or named) variant opens."""
        return to_config(self.settings(variant))

    def settings(self, variant: str | None = None) -> dict:
        """Return the full widget settings of a variant (defaults filled in)."""
        chosen = self.variants[variant] if variant else next(iter(self.variants.values()), {})
        return {**defaults(), **chosen}

    def query(self, variant: str | None = None) -> str:
        """Return the URL query string that reproduces the variant exactly (settings + lesson number)."""
        chosen = self.variants[variant] if variant else next(iter(self.variants.values()), {})
        return urlencode({**to_query({**defaults(), **chosen}), "lesson": self.number})


#: the lecture listing: RandomState(S) uniform [0, 1) weights and biases, sigmoid, ½·squared error; its η = 0.1 on
#: the sum over the four samples is η = 0.4 on their mean (the same number: 0.4 = 4 × 0.1 exactly in binary too)
XOR = {"ds": "xor", "hidden": "2", "act": "sigmoid", "loss": "half_sse", "init": "listing", "lr": 0.4}
DEEP = {"ds": "circle", "hidden": "8-8-8-8-8-8", "act": "sigmoid", "init": "standard", "lr": 1.0}
DEEP_XAVIER = {**DEEP, "init": "xavier_uniform"}
OVERFIT = {"ds": "circle", "n": 40, "noise": 0.2, "test": 0.5, "hidden": "16-16", "act": "tanh", "lr": 1.0}
OVERFIT_WIDE = {**OVERFIT, "hidden": "32-32", "lr": 0.3}
SATURATED = {"ds": "gaussians", "hidden": "4", "act": "tanh", "iscale": 10.0, "seed": 2, "lr": 1.0}

LESSONS: tuple[Lesson, ...] = (
    Lesson(1, "The classic 2-2-2 worked example",
           "One iteration of the textbook network, every number and every chain-rule product: "
           "E_total = 0.298371109 before the update, 0.291027774 after it. Change a weight and watch every "
           "dependent number follow.", page="worked_example", steps="Open the Worked example page."),
    Lesson(2, "XOR with a 2-2-1 sigmoid net: the lecture notes' listing, exactly",
           "The listing's own numbers: np.random.seed(S) then uniform [0, 1) draws for W_ih, W_ho, b_h, b_o, sigmoid "
           "layers, ½·squared error, η = 0.1 on the error summed over the four samples — which is η = 0.4 on their "
           "mean, as the app averages. After 10 000 epochs seed 0 outputs 0.06 / 0.94 / 0.94 / 0.06. Seed 10 gets "
           "stuck: inputs (0, 1) and (1, 1) stay at 0.50 (the listing still shows 0.50 after 300 000 epochs). "
           "Seeds 0–9 all learn.",
           {"learns (seed 0)": {**XOR, "seed": 0}, "stuck (seed 10)": {**XOR, "seed": 10}},
           steps="▶ Play at 100 iterations per frame (Speed), stopping at 10 000, and watch the output node."),
    Lesson(3, "Learning rate too high: oscillation, then divergence",
           "At η = 1 on this regression the loss jumps up and down from the first steps, each swing larger, "
           "until the numbers overflow (around iteration 166): the app stops there and keeps the last finite "
           "weights. η = 0.1 converges smoothly.",
           {"η = 1 (diverges)": {"ds": "plane", "lr": 1.0}, "η = 0.1 (converges)": {"ds": "plane", "lr": 0.1}},
           steps="Step ×10 and watch the loss curve (log scale)."),
    Lesson(4, "Learning rate too low",
           "At η = 0.001 two hundred iterations barely move the loss, while η = 1 halves it in the same time. "
           "Compare the gradient and update views: the gradient is the same, the step is tiny.",
           {"η = 0.001": {"lr": 0.001}, "η = 1": {"lr": 1.0}}, steps="Step ×10 twenty times on each."),
    Lesson(5, "Deep sigmoid net: vanishing gradients",
           "Six sigmoid layers: δ shrinks by roughly 4× per layer on the way back (σ′ ≤ ¼), so the first layer's "
           "gradients are hundreds of times smaller than the last layer's and it barely learns.",
           {"6 × 8 sigmoid": DEEP}, steps="Set the phase to 'backward' and compare node colours layer by layer; "
           "the Vanishing gradients page shows it per layer."),
    Lesson(6, "ReLU with a high learning rate: dead units",
           "At η = 5 a few big updates push ReLU units to negative z for every sample: they output 0, get zero "
           "gradient and never recover. At η = 0.1 almost all units stay alive.",
           {"η = 5": {"act": "relu", "hidden": "8-8", "init": "he_normal", "lr": 5.0},
            "η = 0.1": {"act": "relu", "hidden": "8-8", "init": "he_normal", "lr": 0.1}},
           steps="Step one epoch 20 times; dead units stay white (0) in every forward phase."),
    Lesson(7, "SGD vs mini-batch vs full batch on the same data",
           "Same data, same start. Full batch follows the smooth true gradient; mini-batches of 16 wobble; "
           "SGD (one sample) jumps at every step — but does 160 updates per epoch.",
           {"full batch": {"batch": "full", "lr": 0.3}, "mini-batch 16": {"batch": "mini", "bs": 16, "lr": 0.3},
            "SGD": {"batch": "sgd", "lr": 0.3}},
           steps="Step ×10 and watch the dotted batch-loss line; the Loss landscape page overlays the paths."),
    Lesson(8, "Over-fitting a small training set, and L2 fixing it",
           "20 noisy training points, a 16 × 16 net: the training loss goes to ~0 while the test loss turns "
           "around and climbs. With L2 = 0.01 both stay close and the test loss ends far lower.",
           {"no regularization": OVERFIT, "L2 = 0.01": {**OVERFIT, "l2": 0.01}},
           steps="Step one epoch many times (▶ Play) and compare train vs test loss."),
    Lesson(9, "Zero initialisation: symmetry",
           "All weights start at 0, so every hidden unit computes the same thing and gets the same gradient: "
           "after any number of steps all hidden units are still identical — the net has one hidden unit.",
           {"zeros": {"init": "zeros", "act": "sigmoid", "hidden": "4", "ds": "xor_quadrants", "lr": 1.0}},
           steps="Step ×10, then click two hidden neurons: the same numbers."),
    Lesson(10, "MSE vs cross-entropy on a saturated sigmoid output",
           "Large initial weights saturate the output on the wrong side. With MSE, δ_L = (a − t)·σ′(z) ≈ 0, so "
           "learning crawls; with cross-entropy δ_L = a − t stays large and it learns at once.",
           {"MSE": {**SATURATED, "loss": "mse"}, "cross-entropy": {**SATURATED, "loss": "bce"}},
           steps="Step once and compare the output δ; then Step ×10 a few times."),
    Lesson(11, "Over-fitting a small training set, and dropout closing the gap",
           "20 noisy training points, a 32 × 32 net, η = 0.3: after 3 000 iterations the training loss is 0.01 and "
           "the test loss has climbed back to 1.3 (it was 0.25 near iteration 1 000). With dropout p = 0.5 on the "
           "hidden layers the training loss stays near 0.16 and the test loss near 0.43: the gap shrinks from 1.3 "
           "to under 0.3. Dropped neurons are crossed out in each step; their δ is 0.",
           {"no dropout": OVERFIT_WIDE, "dropout p = 0.5": {**OVERFIT_WIDE, "drop": 0.5}},
           steps="▶ Play to iteration 3 000 and compare train vs test loss; click a crossed-out neuron."),
    Lesson(12, "Deep sigmoid net: stalled, then trained by batch norm",
           "Six sigmoid layers of 8 (Xavier), η = 1. Without batch norm the first hidden layer's δ is 4·10⁻⁴ of "
           "the last one's and for 500 iterations the loss sits at ln 2 = 0.693 — a coin toss. With batch norm "
           "before each sigmoid, δ no longer shrinks on the way back (first/last ≈ 1–10) and the same net reaches "
           "96 % training accuracy within 200 iterations, 95 % on the test set by 500 (it wobbles on the way while "
           "the running statistics that evaluation uses catch up).",
           {"no batch norm": DEEP_XAVIER, "batch norm": {**DEEP_XAVIER, "bn": True}},
           steps="Step ×10 a few times on each; set the phase to 'backward' and click a hidden neuron for the "
                 "batch-norm equations."),
)
BY_NUMBER = {lesson.number: lesson for lesson in LESSONS}
