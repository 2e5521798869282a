"""AppTest of the Forward & backward page: stepping, live settings, rebuilds, URL state and divergence."""


import numpy as np

from engine import Config
from harness.apptest import chart_specs, shown
from tests.app.conftest import new_app, trainer_of


def counter(at) -> str:
    return next(m.value for m in at.markdown if "bpv-counter" in m.value)


def test_page_runs_and_step_increments(app):
    assert "iteration 0 · preview of update 1" in counter(app)
    assert app.select_slider(key="fb_phase").value == "forward h1"  # students meet δ when the lecturer gets there
    app.button(key="fb_step").click().run()
    assert not app.exception and "iteration 1 ·" in counter(app)
    app.button(key="fb_step10").click().run()
    assert "iteration 11 ·" in counter(app)
    assert trainer_of(app).iteration == 11
    assert set(chart_specs(app)) == {"fb_net", "fb_data", "fb_loss"}  # graph, data view and loss curve


def test_step_one_epoch_runs_ceil_n_over_b(app):
    app.radio(key="batch").set_value("mini").run()
    app.select_slider(key="bs").set_value(16).run()
    trainer = trainer_of(app)
    assert trainer.batches_per_epoch == 10  # 160 training samples / 16
    app.button(key="fb_epoch").click().run()
    assert trainer_of(app).iteration == 10
    assert any("The epoch ran 10 iterations" in c.value for c in app.caption)


def test_learning_rate_change_keeps_weights_architecture_change_rebuilds(app):
    app.button(key="fb_step10").click().run()
    trainer = trainer_of(app)
    W = trainer.params[0][0].copy()
    app.select_slider(key="lr").set_value(0.05).run()
    assert trainer_of(app) is trainer and trainer.config.lr == 0.05
    np.testing.assert_array_equal(trainer.params[0][0], W)
    app.text_input(key="hidden").input("6-6").run()
    rebuilt = trainer_of(app)
    assert rebuilt is not trainer and rebuilt.iteration == 0 and rebuilt.params[0][0].shape == (6, 2)
    assert any("rebuilt" in t.value for t in app.toast)


def test_query_params_restore_settings_and_numbers():
    at = new_app({"lr": "0.1", "layers": "3", "width": "5", "act": "ReLU", "ds": "XOR quadrants", "seed": "7"}).run()
    assert not at.exception
    cfg = trainer_of(at).config
    assert (cfg.lr, cfg.hidden, cfg.activation, cfg.dataset, cfg.seed) == (0.1, (5, 5, 5), "relu", "xor_quadrants", 7)
    at.button(key="fb_step").click().run()
    again = new_app({"lr": "0.1", "layers": "3", "width": "5", "act": "ReLU", "ds": "XOR quadrants", "seed": "7"}).run()
    again.button(key="fb_step").click().run()
    np.testing.assert_array_equal(trainer_of(at).params[0][0], trainer_of(again).params[0][0])


def test_bad_query_params_give_defaults_and_a_notice():
    at = new_app({"lr": "banana", "layers": "99", "bogus": "1", "act": "<script>alert(1)</script>"}).run()
    assert not at.exception
    notice = " ".join(w.value for w in at.warning)
    assert "banana" in notice and "Hidden layers" in notice and "bogus" in notice
    assert "<script>" not in notice
    cfg = trainer_of(at).config
    assert cfg.lr == Config().lr and len(cfg.hidden) == 2 and cfg.activation == "tanh"


def test_divergence_shows_the_message_and_keeps_finite_weights():
    at = new_app({"lr": "10", "layers": "6", "width": "16", "act": "ReLU", "init": "He normal",
                  "ds": "Plane (2-D regression)", "loss": "MSE"}).run()
    for _ in range(4):
        at.button(key="fb_step10").click().run()
        assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "Diverged at iteration" in errors and "lower the learning rate" in errors
    trainer = trainer_of(at)
    assert all(np.isfinite(W).all() for W, _ in trainer.params)
    at.select_slider(key="lr").set_value(0.001).run()
    at.button(key="fb_reset").click().run()
    at.button(key="fb_step10").click().run()
    assert not at.exception and trainer_of(at).diverged is None and trainer_of(at).iteration == 10


def _playing(at) -> bool:
    return at.session_state["_play_fb"].playing


def test_play_trains_frame_after_frame_and_pause_stops(app):
    app.button(key="fb_play").click().run()  # the click restarts the page, which draws the first frame
    assert not app.exception and _playing(app) and trainer_of(app).iteration == 10
    app.run()  # the fragment's timer: one more frame
    assert trainer_of(app).iteration == 20
    assert "iteration 20 ·" in counter(app)
    app.button(key="fb_pause").click().run()
    assert not _playing(app)
    stopped = trainer_of(app).iteration
    app.run()
    assert trainer_of(app).iteration == stopped  # paused means still
    app.button(key="fb_step").click().run()
    assert trainer_of(app).iteration == stopped + 1  # Pause then Step continues exactly


def test_play_stops_at_the_limit_and_at_a_divergence(app):
    app.number_input(key="fb_until").set_value(25).run()
    app.button(key="fb_play").click().run()
    while _playing(app):
        app.run()
    assert trainer_of(app).iteration == 25
    assert any("the limit you set" in w.value for w in app.warning)
    at = new_app({"lr": "10", "layers": "6", "width": "16", "act": "ReLU", "init": "He normal",
                  "ds": "Plane (2-D regression)", "loss": "MSE"}).run()
    at.button(key="fb_play").click().run()
    for _ in range(20):
        if not _playing(at):
            break
        at.run()
    assert not _playing(at) and not at.exception
    assert any("Play stopped: the training diverged" in w.value for w in at.warning)


def test_the_clicker_walks_the_phases_then_the_iterations(app):
    labels = [f"forward {n}" for n in ("h1", "h2", "out")] + ["loss"] + \
        [f"backward {n}" for n in ("out", "h2", "h1")] + ["update"]
    for label in labels[1:]:
        app.button(key="fb_next").click().run()
        assert app.select_slider(key="fb_phase").value == label
    assert trainer_of(app).iteration == 0  # walking the preview trains nothing
    app.button(key="fb_next_twin").click().run()  # → after the update: the next iteration's forward pass
    assert trainer_of(app).iteration == 2 and app.select_slider(key="fb_phase").value == "forward h1"
    app.button(key="fb_back").click().run()  # back: the previous iteration's update
    assert app.select_slider(key="fb_phase").value == "update" and "viewing iteration 1 of 2" in counter(app)
    app.button(key="fb_next").click().run()
    assert trainer_of(app).iteration == 2 and "iteration 2 ·" in counter(app)


def test_rewind_views_the_past_and_continue_truncates(app):
    app.button(key="fb_step10").click().run()
    trainer = trainer_of(app)
    later = [trainer.params_at(4)[0][0].copy()]
    app.slider(key="fb_rewind").set_value(3).run()
    assert trainer.iteration == 10 and len(trainer.history) == 10  # viewing deletes nothing
    assert "viewing iteration 3 of 10" in counter(app)
    app.button(key="fb_truncate").click().run()
    assert trainer.iteration == 3 and len(trainer.history) == 3
    app.button(key="fb_step").click().run()
    np.testing.assert_array_equal(trainer.params[0][0], later[0])  # stepping on gives the same numbers
    app.button(key="fb_step10").click().run()
    assert trainer.iteration == 14


def test_reset_gives_the_same_initial_weights(app):
    W0 = trainer_of(app).params[0][0].copy()
    app.button(key="fb_step10").click().run()
    app.button(key="fb_reset").click().run()
    np.testing.assert_array_equal(trainer_of(app).params[0][0], W0)
    assert trainer_of(app).iteration == 0


def test_save_and_load_an_experiment_through_the_page():
    from engine.experiment import to_json

    at = new_app().run()
    at.button(key="fb_step10").click().run()
    saved = to_json(trainer_of(at))
    W = trainer_of(at).params[0][0].copy()
    at.button(key="fb_reset").click().run()
    at.session_state["fb_saving"] = True  # open the expander
    at.run()
    at.file_uploader(key="fb_exp_load").set_value(("bad.json", b"{not json", "application/json")).run()
    assert not at.exception and any("not valid JSON" in e.value for e in at.error)
    assert trainer_of(at).iteration == 0
    at.file_uploader(key="fb_exp_load").set_value(("exp.json", saved.encode(), "application/json")).run()
    assert not at.exception
    restored = trainer_of(at)
    assert restored.iteration == 10
    np.testing.assert_array_equal(restored.params[0][0], W)
    at.session_state["fb_tables"] = True  # the tables expander renders the layer tables
    at.run()
    assert not at.exception and len(at.dataframe) == 4


def test_dropout_and_batch_norm_from_the_sidebar_reach_the_graph_and_the_click_panel():
    from engine.network import BN_ONE_SAMPLE
    from viz.network import Selection

    at = new_app({"bn": "true"}).run()
    assert not at.exception and trainer_of(at).config.batch_norm
    at.select_slider(key="drop").set_value(0.5).run()
    trainer = trainer_of(at)
    assert trainer.config.dropout == 0.5 and trainer.iteration == 0   # a live setting: same weights
    at.button(key="fb_step").click().run()
    assert not at.exception
    at.session_state["_stage_fb"].selection = Selection("node", 1, 0)
    at.run()
    latex = " ".join(e.value for e in at.latex)
    assert r"\hat x_{1}^{(1)}" in latex and r"\overline{\delta_y}" in latex   # BN forward, three-term backward
    assert r"\tilde a_{1}^{(1)}" in latex                                   # dropout: m·a/(1 − p)
    titles = [a["text"] for a in chart_specs(at)["fb_net"]["layout"]["annotations"]]
    assert any("h1 · BN" in t for t in titles) and any("h2 · BN" in t for t in titles)
    at.session_state["fb_tables"] = True
    at.run()
    at.selectbox(key="fb_tbl_layer").set_value(1).run()
    assert not at.exception
    assert {"x̂", "y", "kept m", "δ at y", "δ at z"} <= set(at.dataframe[0].value.columns)
    at.radio(key="batch").set_value("sgd").run()
    assert any(BN_ONE_SAMPLE in c.value for c in at.sidebar.caption)


BIG = "64-64-64-64-64-64-64-64"  # 2,000 rows × (2 + 512 + 1) is over the 500,000 cells one session may use


def test_a_refused_change_keeps_the_experiment_and_moves_the_sidebar_back(app):
    app.button(key="fb_step").click().run()
    app.slider(key="n").set_value(2000).run()  # fits the default 4-4 net: a rebuild
    app.button(key="fb_step").click().run()
    before = trainer_of(app)
    app.text_input(key="hidden").set_value(BIG).run()
    assert not app.exception
    said = shown(app.error[0].value)
    assert said.startswith("That change was not applied") and "at most 970 rows fit this network" in said
    assert trainer_of(app) is before and before.iteration == 1
    assert app.text_input(key="hidden").value == "4-4" and app.query_params["hidden"] == "4-4"
    assert app.slider(key="n").value == 2000  # what was not refused stays
    app.button(key="fb_step").click().run()
    assert trainer_of(app).iteration == 2 and not app.error


def test_a_link_that_does_not_fit_opens_the_default_experiment_and_the_link_says_so():
    app = new_app({"hidden": BIG, "n": "2000"}).run()
    assert not app.exception
    said = shown(app.error[0].value)
    assert said.startswith("These settings don't work together") and said.endswith("default experiment instead.")
    assert trainer_of(app).config == Config()
    assert (app.text_input(key="hidden").value, app.slider(key="n").value) == ("4-4", 200)
    assert not {"hidden", "n"} & set(app.query_params)  # a copy of the link opens what runs
    app.button(key="fb_step").click().run()
    assert trainer_of(app).iteration == 1 and not app.error
