"""The vanishing-gradients page in AppTest: every init runs, Step / Step ×N / Play move all nets together."""

from __future__ import annotations

import base64

import numpy as np
import pytest

from engine import Config
from engine.diagnostics import Comparison
from harness.apptest import chart_specs, open_page, shown
from tests.app.conftest import page_app
from ui import vanishing_settings as vs

PAGE = "pages/vanishing_gradients.py"
#: the page's defaults, as a Config
DEFAULT = Config(dataset="circle", n_samples=200, test_ratio=0.0, hidden=(32,) * 6, loss="half_sse", init="standard",
                 seed=1, lr=1.0)


@pytest.fixture
def at():
    return page_app(PAGE)


def _iterations(app) -> list[int]:
    return [t.iteration for t in app.session_state["vg_comparison"].trainers.values()]


def _y(trace: dict) -> np.ndarray:
    y = trace["y"]
    if isinstance(y, dict):  # plotly ships NumPy arrays as typed binary
        return np.frombuffer(base64.b64decode(y["bdata"]), dtype=y["dtype"])
    return np.array(y, dtype=np.float64)


def _flow(app) -> dict:
    return chart_specs(app)["vg_flow"]


def _texts(elements) -> str:
    return " ".join(str(e.value) for e in elements)


@pytest.mark.parametrize("init", ["standard", "xavier_uniform", "xavier_normal", "he_normal", "uniform01"])
def test_page_runs_with_each_init_and_plots_the_engine_numbers(at, init):
    at.selectbox(key="vg_init").set_value(init).run()
    assert not at.exception, [e.value for e in at.exception]
    expected = Comparison(DEFAULT.replace(init=init)).snapshots()
    traces = {t["legendgroup"]: t for t in _flow(at)["data"] if t.get("name")}
    assert list(traces) == ["sigmoid", "tanh", "relu"]
    for name, snap in expected.items():
        shown = snap.mean_abs_delta
        np.testing.assert_allclose(_y(traces[name]), np.where(shown > 0, shown, np.nan), rtol=1e-12)
    if init == "uniform01":
        # all-positive weights and biases grow ReLU activations until the sigmoid output is exactly 1.0
        assert "δ = 0 in every layer" in traces["relu"]["name"]
        assert "first/last = 8.0e-20" in traces["sigmoid"]["name"]


def test_iteration_zero_already_shows_sigmoid_delta_shrinking(at):
    sigmoid = next(t for t in _flow(at)["data"] if t.get("legendgroup") == "sigmoid")
    mean_abs_delta = _y(sigmoid)
    assert mean_abs_delta[0] < mean_abs_delta[5] / 1000   # hidden layer 1 vs hidden layer 6
    assert "first/last = " in sigmoid["name"]


def test_step_and_step_n_advance_all_networks_together(at):
    at.button(key="vg_step").click().run()
    assert _iterations(at) == [1, 1, 1]
    at.button(key="vg_step10").click().run()
    assert not at.exception
    assert _iterations(at) == [11, 11, 11]
    assert "iteration 11" in _texts(at.markdown)
    losses = [t for t in _flow(at)["data"] if t.get("xaxis") == "x3"]
    assert [len(_y(t)) for t in losses] == [11, 11, 11]
    at.button(key="vg_reset").click().run()
    assert _iterations(at) == [0, 0, 0]


def test_live_settings_keep_the_weights_and_rebuilds_say_why(at):
    at.button(key="vg_step").click().run()
    at.select_slider(key="vg_lr").set_value(0.1).run()
    assert _iterations(at) == [1, 1, 1] and at.session_state["vg_comparison"].config.lr == 0.1
    at.slider(key="vg_depth").set_value(4).run()
    assert _iterations(at) == [0, 0, 0]
    assert "because these changed: hidden" in _texts(at.info)


def test_play_runs_frames_and_pause_stops(at):
    at.button(key="vg_play").click().run()
    assert not at.exception
    assert at.session_state["_play_vg"].playing is True
    assert _iterations(at) == [10, 10, 10]   # the full rerun after the click draws the first frame
    at.button(key="vg_pause").click().run()
    assert at.session_state["_play_vg"].playing is False
    at.run()
    assert _iterations(at) == [20, 20, 20]   # the frame the Pause click's run drew, then nothing


def _diverging(at):
    at.multiselect(key="vg_acts").set_value(["relu", "sigmoid"]).run()
    at.selectbox(key="vg_loss").set_value("bce").run()
    at.select_slider(key="vg_scale").set_value(8.0).run()
    at.slider(key="vg_width").set_value(16).run()
    at.slider(key="vg_depth").set_value(12).run()
    at.slider(key="vg_n").set_value(50).run()


def test_a_diverged_network_says_where_and_play_stops(at):
    _diverging(at)
    at.button(key="vg_play").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["_play_vg"].playing is False
    assert "Play stopped: ReLU diverged at iteration 2." in _texts(at.warning)
    assert "ReLU diverged at iteration 2" in _texts(at.error)
    at.button(key="vg_step").click().run()
    assert _iterations(at) == [1, 3]   # the diverged net keeps its last finite weights, the other goes on


def test_no_activation_chosen_is_a_plain_warning(at):
    at.multiselect(key="vg_acts").set_value([]).run()
    assert not at.exception
    assert "Choose at least one activation" in _texts(at.warning)


def test_the_nets_share_one_sessions_size_limit_and_a_too_big_one_keeps_the_old(at):
    at.button(key="vg_step").click().run()
    at.slider(key="vg_width").set_value(64).run()
    at.slider(key="vg_depth").set_value(12).run()
    assert not at.error and _iterations(at) == [0, 0, 0]   # 3 nets × 200 rows × 771 fits
    at.slider(key="vg_n").set_value(1000).run()
    assert not at.exception
    said = shown(at.error[0].value)
    assert "3 nets × 1,000 rows × 771, as they share one session; at most 216 rows fit" in said
    assert "previous networks are kept" in said
    assert at.session_state["vg_comparison"].config.n_samples == 200
    assert at.slider(key="vg_n").value == 200  # the sidebar shows what runs, not the refused 1,000
    assert at.slider(key="vg_width").value == 64 and at.slider(key="vg_depth").value == 12
    at.button(key="vg_step").click().run()
    assert _iterations(at) == [1, 1, 1]
    assert not at.error  # said once; nothing is refused any more


def test_a_link_too_big_for_the_three_nets_opens_the_default_nets_and_says_why():
    app = open_page("vg", {"vg_depth": "12", "vg_width": "64", "vg_bn": "true"})
    assert not app.exception
    said = shown(app.error[0].value)
    assert "3 nets × 200 rows × 1539, batch-norm neurons counted twice" in said and "at most 108 rows fit" in said
    assert said.endswith("Showing the default networks instead.")
    assert app.session_state["vg_comparison"].config.hidden == (32,) * 6
    # the sidebar and the link show the default nets that run, so a copy of the link opens them
    assert (app.slider(key="vg_depth").value, app.slider(key="vg_width").value) == (6, 32)
    assert app.toggle(key="vg_bn").value is False
    assert not {"vg_depth", "vg_width", "vg_bn"} & set(app.query_params)
    app.button(key="vg_step").click().run()
    assert _iterations(app) == [1, 1, 1]
    assert not app.error


def test_the_pages_settings_and_its_config_map_both_ways():
    defaults = {s.key: s.default for s in vs.BY_KEY.values()}
    assert vs.to_config({}) == DEFAULT and vs.from_config(DEFAULT) == defaults
    changed = {"vg_depth": 3, "vg_width": 12, "vg_bn": True, "vg_scale": 0.5, "vg_n": 350, "vg_ds": "spiral",
               "vg_init": "xavier_normal", "vg_loss": "bce", "vg_seed": 7, "vg_opt": "adam", "vg_lr": 0.03,
               "vg_clip": 5.0}
    cfg = vs.to_config(changed)
    assert cfg == DEFAULT.replace(hidden=(12,) * 3, batch_norm=True, init_scale=0.5, n_samples=350, dataset="spiral",
                                  init="xavier_normal", loss="bce", seed=7, optimizer="adam", lr=0.03, clip_norm=5.0)
    assert vs.from_config(cfg) == defaults | changed


def _ratios(app) -> dict[str, float]:
    """Return each net's first/last ratio as the legend prints it."""
    return {t["legendgroup"]: float(t["name"].split("first/last = ")[1].split()[0])
            for t in _flow(app)["data"] if t.get("name") and "first/last" in t["name"]}


def test_batch_norm_toggle_shows_the_lecture_claim_on_the_default_deep_net(at):
    """The lecture notes: batch norm keeps δ from vanishing. Measured independently (issue 15): after 20 steps of a
    6-layer sigmoid net on "circle", mean |δ| first/last hidden ≈ 5e-4 without batch norm and ≈ 3–6 with it."""
    for _ in range(2):
        at.button(key="vg_step10").click().run()
    plain = _ratios(at)
    at.toggle(key="vg_bn").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "because these changed: batch_norm" in _texts(at.info)
    assert all(t.config.batch_norm for t in at.session_state["vg_comparison"].trainers.values())
    for _ in range(2):
        at.button(key="vg_step10").click().run()
    normed = _ratios(at)
    assert plain["sigmoid"] < 1e-3 and 3 <= normed["sigmoid"] <= 6
    assert all(normed[a] > 10 * plain[a] for a in plain)
    assert "three-term formula" in _texts(at.caption)


def test_batch_norm_link_opens_with_the_toggle_on():
    app = open_page("vg", {"vg_bn": "true", "vg_width": "8", "vg_init": "Xavier uniform"})
    assert not app.exception and not app.warning
    assert app.toggle(key="vg_bn").value is True
    for _ in range(2):
        app.button(key="vg_step10").click().run()
    ratios = _ratios(app)
    assert 3 <= ratios["sigmoid"] <= 6   # the 6 × 8 Xavier net of the independent measurement
