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


XOR = {"ds": "xor", "hidden": "2", "act": "sigmoid", "loss": "half_sse", "init": "uniform01", "lr": 1.0}
DEEP = {"ds": "circle", "hidden": "8-8-8-8-8-8", "act": "sigmoid", "init": "standard", "lr": 1.0}
OVERFIT = {"ds": "circle", "n": 40, "noise": 0.2, "test": 0.5, "hidden": "16-16", "act": "tanh", "lr": 1.0}
SATURATED = {"ds": "gaussians", "hidden": "4", "act": "tanh", "iscale": 10.0, "seed": 2, "lr": 1.0}

LESSONS: tuple[Lesson, ...] = (
    Lesson(1, "The classic 2-2-2 worked example",
           "One iteration of the textbook network, every number and every chain-rule product: "
           "E_total = 0.298371109 before the update, 0.291027774 after it. Change a weight and watch every "
           "dependent number follow.", page="worked_example", steps="Open the Worked example page."),
    Lesson(2, "XOR with a 2-2-1 sigmoid net from uniform [0, 1) weights",
           "The lecture-notes listing: two hidden sigmoid units learn XOR. With weight seed 0 the outputs reach "
           "0.07 / 0.93 / 0.93 / 0.07; with seed 8 the same net gets stuck in a local minimum — one input pair "
           "stays at 0.5 however long you train.",
           {"learns (seed 0)": {**XOR, "seed": 0}, "stuck (seed 8)": {**XOR, "seed": 8}},
           steps="Step one epoch a few hundred times (or ▶ Play) and watch the output node."),
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
)
BY_NUMBER = {lesson.number: lesson for lesson in LESSONS}
