"""Loss landscape engine: closed-form surfaces, exact centre, filter normalisation, projections, PCA, runs."""

from __future__ import annotations

import numpy as np
import pytest

import engine.landscape as lsc
from engine import Config, Trainer
from engine.landscape import (
    RUN_LR,
    SIDE_BY_SIDE,
    Directions,
    LossModel,
    MapSettings,
    choose_frame,
    current_loss,
    filter_normalise,
    frame_map,
    grid_axis,
    interpolation,
    next_batch,
    param_names,
    path_of,
    pca_directions,
    project,
    random_directions,
    side_by_side,
    slice_through,
    surface,
    update_frame,
    weight_directions,
)
from engine.network import data_loss, unflatten
from engine.optim import regularization

LINEAR = Config(dataset="plane", n_samples=40, hidden=(), loss="half_sse", seed=3)


def _weights(trainer):
    return [W for W, _ in trainer.params]


def test_linear_half_sse_surface_is_the_analytic_quadratic_with_rows_y():
    """L(θ + x·d1 + y·d2) = mean ½(r0 − x·g1 − y·g2)² + ½λ2‖W(x, y)‖², on a 7 × 5 grid (Z is 5 × 7)."""
    t = Trainer(LINEAR.replace(l2=0.1))
    t.run(3)
    model = LossModel.of(t)
    dirs = random_directions(model, t.param_vector(), seed=5, include_biases=True)
    xs, ys = np.linspace(-1.5, 2.0, 7), np.linspace(-0.5, 0.8, 5)
    Z = surface(t, dirs, (xs, ys))
    assert Z.shape == (5, 7)

    (W, b), = t.params
    (dW1, db1), = unflatten(dirs.d1, model.sizes)
    (dW2, db2), = unflatten(dirs.d2, model.sizes)
    X, y = t.split.X_train, t.split.y_train[:, 0]
    r0, g1, g2 = y - (X @ W[0] + b[0]), X @ dW1[0] + db1[0], X @ dW2[0] + db2[0]
    gx, gy = np.meshgrid(xs, ys)   # gx[j, i] = xs[i], gy[j, i] = ys[j]
    data = (0.5 * r0**2).mean() - (r0 * g1).mean() * gx - (r0 * g2).mean() * gy \
        + 0.5 * (g1**2).mean() * gx**2 + 0.5 * (g2**2).mean() * gy**2 + (g1 * g2).mean() * gx * gy
    penalty = 0.5 * 0.1 * ((W[0][None, None] + gx[..., None] * dW1[0] + gy[..., None] * dW2[0]) ** 2).sum(-1)
    np.testing.assert_allclose(Z, data + penalty, rtol=1e-12, atol=1e-14)
    # orientation, checked point by point: column i is x, row j is y
    assert Z[4, 0] == pytest.approx(float((data + penalty)[4, 0]), rel=1e-12)
    assert not np.allclose(Z, (data + penalty).T.reshape(Z.shape))


@pytest.mark.parametrize("cfg", [
    Config(),
    Config(hidden=(8, 8), l1=0.003, l2=0.01),
    Config(activation="relu", dataset="moons", l1=0.01),
    Config(activation="sigmoid", dataset="spiral3", l2=0.1),
    Config(dataset="sine", loss="half_sse", batch_mode="mini"),
    Config(dataset="plane", loss="mse", activation="leaky_relu"),
])
def test_centre_of_the_grid_is_the_trainers_loss_exactly(cfg):
    """Z at (0, 0) is bit-for-bit the train loss the trainer reported + the same regularization penalty."""
    t = Trainer(cfg)
    t.run(7)
    expected = t.history.last("train_loss") + regularization(_weights(t), cfg.l1, cfg.l2)[0]
    path = path_of(t).points
    for dirs in (pca_directions(path, path[-1]), random_directions(LossModel.of(t), path[-1], 1),
                 weight_directions(path[-1], t.sizes, 0, 3)):
        Z = surface(t, dirs, (grid_axis(0.7, 21), grid_axis(0.3, 11)))
        assert Z[5, 10] == expected
    assert current_loss(t) == expected


def test_centre_at_iteration_zero_is_the_initial_loss_exactly():
    t = Trainer(Config(l2=0.03))
    start = data_loss(t.net, t.params, t.split.X_train, t.split.y_train) + regularization(_weights(t), 0, 0.03)[0]
    assert current_loss(t) == start


def test_grid_axis_is_symmetric_with_an_exact_zero():
    for n in (21, 41, 51, 81):
        g = grid_axis(0.3, n)
        assert g[n // 2] == 0.0 and g[0] == -0.3 and g[-1] == 0.3
        np.testing.assert_array_equal(g, -g[::-1])


def test_weight_plane_moves_exactly_the_two_chosen_weights():
    t = Trainer(Config())
    t.run(5)
    names = param_names(t.sizes)
    first, second = names.index("w[2][3,1]"), names.index("b[1][2]")
    dirs = weight_directions(t.param_vector(), t.sizes, first, second)
    assert dirs.labels == ("w[2][3,1]", "b[1][2]")
    assert dirs.origin == (t.params[1][0][2, 0], t.params[0][1][1])
    xs, ys = np.array([-0.4, 0.0, 0.9]), np.array([0.25, -1.0])
    Z = surface(t, dirs, (xs, ys))
    for j, yv in enumerate(ys):
        for i, xv in enumerate(xs):
            params = [(W.copy(), b.copy()) for W, b in t.params]
            params[1][0][2, 0] += xv
            params[0][1][1] += yv
            assert Z[j, i] == pytest.approx(data_loss(t.net, params, t.split.X_train, t.split.y_train), rel=1e-13)


def test_filter_normalised_rows_have_the_norm_of_the_weight_rows():
    t = Trainer(Config(hidden=(5, 3)))
    t.run(4)
    model = LossModel.of(t)
    for biases in (False, True):
        dirs = random_directions(model, t.param_vector(), seed=9, include_biases=biases)
        for d in (dirs.d1, dirs.d2):
            for (dW, db), (W, b) in zip(unflatten(d, model.sizes), t.params):
                if biases:
                    np.testing.assert_allclose(np.linalg.norm(np.c_[dW, db], axis=1),
                                               np.linalg.norm(np.c_[W, b], axis=1), rtol=1e-12)
                else:
                    np.testing.assert_allclose(np.linalg.norm(dW, axis=1), np.linalg.norm(W, axis=1), rtol=1e-12)
                    assert not db.any()
    same = random_directions(model, t.param_vector(), seed=9)
    other = random_directions(model, t.param_vector(), seed=10)
    np.testing.assert_array_equal(same.d1, random_directions(model, t.param_vector(), seed=9).d1)
    assert not np.allclose(same.d1, other.d1)


def test_filter_normalise_keeps_a_zero_row_zero_and_all_zero_weights_are_refused():
    W = np.array([[3.0, 4.0], [0.0, 0.0]])
    (dW, db), = filter_normalise([(np.ones((2, 2)), np.ones(2))], [(W, np.zeros(2))], include_biases=False)
    assert not db.any()
    np.testing.assert_allclose(dW, [[5 / np.sqrt(2)] * 2, [0.0, 0.0]])
    t = Trainer(Config(init="zeros"))
    with pytest.raises(ValueError, match="all weights are zero"):
        random_directions(LossModel.of(t), t.param_vector(), seed=1)


def test_straight_path_projects_onto_a_straight_line_and_in_plane_points_exactly():
    rng = np.random.default_rng(0)
    P = 37
    center, d1, d2 = rng.normal(size=(3, P))   # not orthogonal, not unit: least squares is needed
    dirs = Directions("random", center, d1, d2, ("a", "b"))
    start, v = rng.normal(size=(2, P))
    line = start + np.linspace(0, 3, 25)[:, None] * v
    c = project(line, dirs)
    steps = np.diff(c, axis=0)
    np.testing.assert_allclose(steps[:, 0] * steps[0, 1] - steps[:, 1] * steps[0, 0], 0.0, atol=1e-10)
    coords = rng.normal(size=(6, 2))
    np.testing.assert_allclose(project(center + coords @ np.stack([d1, d2]), dirs), coords, rtol=1e-10, atol=1e-12)


def test_pca_of_a_path_in_a_plane_explains_everything_and_fits_it():
    rng = np.random.default_rng(1)
    basis = np.linalg.qr(rng.normal(size=(20, 2)))[0].T
    t = np.linspace(0, 1, 30)
    path = 5.0 + np.c_[3 * t, np.sin(4 * t)] @ basis
    dirs = pca_directions(path, path[-1])
    assert sum(dirs.explained) == pytest.approx(1.0, abs=1e-12)
    assert dirs.explained[0] >= dirs.explained[1] > 0
    np.testing.assert_allclose(np.stack([dirs.d1, dirs.d2]) @ np.stack([dirs.d1, dirs.d2]).T, np.eye(2), atol=1e-12)
    coords = project(path, dirs)
    np.testing.assert_allclose(dirs.center + coords @ np.stack([dirs.d1, dirs.d2]), path, atol=1e-10)
    assert (coords[0] <= 0).all() and np.all(coords[-1] == 0)
    assert "% of variance" in dirs.labels[0]


def test_pca_ratios_of_a_real_path_sum_to_at_most_one_and_short_paths_are_refused():
    t = Trainer(Config(batch_mode="mini"))
    t.run(30)
    path = path_of(t).points
    dirs = pca_directions(path, path[-1])
    assert 0 < sum(dirs.explained) <= 1.0 + 1e-12
    with pytest.raises(ValueError, match="at least three points"):
        pca_directions(path[:2], path[1])
    line = path[0] + np.linspace(0, 1, 5)[:, None] * (path[-1] - path[0])
    with pytest.raises(ValueError, match="straight line"):
        pca_directions(line, line[-1])


def test_slice_and_interpolation_pass_through_their_end_points():
    t = Trainer(Config(l2=0.01))
    start = t.param_vector()
    frame = update_frame(None, t, path_of(t), MapSettings(kind="random", grid_n=5))
    cut = slice_through(frame, LossModel.of(t), start)   # through the frame's centre: the map's middle row
    np.testing.assert_array_equal(cut.loss[::40], surface(t, frame.directions, (frame.xs, [0.0]))[0])
    t.run(12)
    alphas = np.array([0.0, 1.0])
    ends = interpolation(t, start, t.param_vector(), alphas)
    assert ends[0] == current_loss(Trainer(Config(l2=0.01)))
    assert ends[1] == pytest.approx(current_loss(t), rel=1e-14)


def test_chunked_evaluation_equals_one_chunk_and_reports_progress(monkeypatch):
    t = Trainer(Config())
    t.run(3)
    dirs = random_directions(LossModel.of(t), t.param_vector(), 4)
    grid = (grid_axis(1.0, 21), grid_axis(1.0, 21))
    whole = surface(t, dirs, grid)
    monkeypatch.setattr(lsc, "CHUNK_BYTES", 1)   # one grid point per chunk
    seen = []
    np.testing.assert_array_equal(surface(t, dirs, grid, on_progress=lambda d, n: seen.append((d, n))), whole)
    assert seen[0] == (1, 441) and seen[-1] == (441, 441)


def test_far_corners_can_overflow_without_warnings():
    t = Trainer(Config(activation="relu", loss="mse", dataset="plane"))
    dirs = random_directions(LossModel.of(t), t.param_vector(), 1)
    Z = surface(t, dirs, (grid_axis(1e200, 5), grid_axis(1e200, 5)))
    assert Z[2, 2] == current_loss(t) and not np.isfinite(Z).all()


def test_runs_side_by_side_start_together_and_train_the_same_epochs():
    cfg = Config(n_samples=40, lr=0.5)
    t = Trainer(cfg)
    runs, ls = side_by_side(cfg, t.dataset, t.initial_params, "batch_mode", 2, 21)
    assert [r.label for r in runs] == ["Full batch", "Mini-batch", "SGD (one sample)"]
    start = t.param_vector()
    for r in runs:
        np.testing.assert_array_equal(r.path[0], start)
        assert r.epochs[-1] == 2.0
    assert [r.iterations[-1] for r in runs] == [2, 2 * 2, 2 * 32]   # 32 training samples, B = 16 and 1
    alone = Trainer(cfg.replace(lr=RUN_LR["batch_mode"]["full"]))   # each run at its own η
    alone.run(2)
    np.testing.assert_array_equal(runs[0].train_loss[1:], alone.history.column("train_loss"))
    np.testing.assert_array_equal(runs[0].path[-1], alone.param_vector())
    assert [p.label for p in ls.paths] == [r.label for r in runs]
    assert ls.directions.kind == "pca" and sum(ls.directions.explained) <= 1 + 1e-12
    assert [r.lr for r in runs] == [RUN_LR["batch_mode"][v] for v in SIDE_BY_SIDE["batch_mode"]]


def test_a_run_that_blows_up_says_so_and_the_others_go_on():
    cfg = Config(dataset="sine", n_samples=40)
    t = Trainer(cfg)
    runs, ls = side_by_side(cfg, t.dataset, t.initial_params, "optimizer", 5, 21, lrs={"adam": 50.0})
    sgd, momentum, adam = runs
    assert sgd.diverged is None and momentum.diverged is None
    assert adam.diverged is not None and adam.lr == 50.0
    assert adam.train_loss[-1] >= 1e3 * adam.train_loss[0] or not np.isfinite(adam.train_loss[-1])
    assert sgd.iterations[-1] == momentum.iterations[-1] == 5 * t.batches_per_epoch   # they trained to the end
    # the shared plane is the trained runs' PCA: their paths fit it, the blown-up one is drawn too
    reach = np.abs(np.vstack([p.coords for p in ls.paths[:2]])).max(axis=0)
    assert ls.xs[-1] - ls.xs[0] < 4 * reach[0] and len(ls.paths) == 3
    with pytest.raises(ValueError, match="no run got lower than it started"):
        side_by_side(cfg, t.dataset, t.initial_params, "batch_mode", 3, 21, lrs=dict.fromkeys(("full", "mini", "sgd"),
                                                                                              50.0))


@pytest.mark.parametrize("field", list(SIDE_BY_SIDE))
def test_no_run_diverges_at_its_own_default_rate_on_the_default_experiment(field):
    """Each side-by-side run at its RUN_LR (bench/side_by_side_lr.py) trains smoothly: no blow-up, and its training
    loss, read once per epoch, falls every epoch."""
    t = Trainer(Config())
    runs, _ = side_by_side(t.config, t.dataset, t.initial_params, field, lsc.COMPARE_EPOCHS[field], 21)
    for r in runs:
        assert r.diverged is None, r.label
        per_epoch = r.train_loss[np.isclose(r.epochs % 1, 0)]
        assert per_epoch.size == lsc.COMPARE_EPOCHS[field] + 1 and np.all(np.diff(per_epoch) < 0), r.label


def test_side_by_side_progress_fills_the_bar_once_in_order():
    cfg = Config(n_samples=40)
    t = Trainer(cfg)
    seen = []
    side_by_side(cfg, t.dataset, t.initial_params, "batch_mode", 2, 21, on_progress=lambda d, n: seen.append(d / n))
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 3


# ---- the fixed frame ------------------------------------------------------------------------------------
def _stepped(trainer, path, frame, n, settings=None):
    """Step n times, following the path and the frame as the page does; return (path, frames seen, points)."""
    frames, points = [], []
    settings = settings or MapSettings()
    for _ in range(n):
        trainer.step()
        path = path_of(trainer, path)
        frame = update_frame(frame, trainer, path, settings)
        frames.append(frame)
        points.append(frame_map(frame, trainer, path).point)
    return path, frames, points


def test_the_frame_stays_still_for_30_steps_while_the_point_moves_and_its_loss_falls():
    t = Trainer(Config())
    path = path_of(t)
    frame = update_frame(None, t, path, MapSettings())
    assert frame.reason == "start" and frame.directions.kind == "pca" and frame.note is None
    start = frame_map(frame, t, path).point
    assert start[:2] == (0.0, 0.0) and start[2] == current_loss(t)
    _, frames, points = _stepped(t, path, frame, 30)
    assert all(f is frame for f in frames)                  # same ranges, colour range, directions
    xy = np.array([p[:2] for p in points])
    assert np.all(np.linalg.norm(np.diff(xy, axis=0), axis=1) > 0)   # the point moves every step
    losses = np.array([p[2] for p in points])
    assert np.all(np.diff(losses) < 0) and losses[-1] < start[2]    # and goes down
    assert losses[-1] == current_loss(t)
    lo, hi = frame.zrange
    assert lo <= np.log10(losses).min() and np.log10(start[2]) <= hi


def test_the_frame_makes_room_for_the_next_steps():
    """At iteration 0 the map already covers where the next LOOKAHEAD steps go (from a look ahead)."""
    t = Trainer(Config())
    frame = update_frame(None, t, path_of(t), MapSettings())
    ahead = Trainer(Config())
    ahead.run(lsc.LOOKAHEAD)
    assert t.iteration == 0
    assert frame.contains(frame.offsets(ahead.param_vector())[0])
    x_end = frame.offsets(ahead.param_vector())[0, 0]
    assert x_end > 0.6 * frame.xs[-1]                      # and is not much wider than that


def test_reframe_happens_when_asked_or_settings_change_and_only_then():
    t = Trainer(Config())
    path = path_of(t)
    frame = update_frame(None, t, path, MapSettings())
    t.run(5)
    path = path_of(t, path)
    assert update_frame(frame, t, path, MapSettings()) is frame
    asked = update_frame(frame, t, path, MapSettings(), asked=True)
    assert asked.reason == "asked" and asked.iteration == 5
    assert not np.array_equal(asked.directions.center, frame.directions.center)
    assert asked.zrange != frame.zrange and asked.xs[0] != frame.xs[0]
    assert update_frame(asked, t, path, MapSettings()) is asked
    assert update_frame(asked, t, path, MapSettings(grid_n=21)).reason == "settings"
    t.update_config(l2=0.01)                                 # the penalty is part of the surface
    assert update_frame(asked, t, path, MapSettings()).reason == "settings"
    assert update_frame(asked, t, path, MapSettings(), follow=True).reason != "left"


def test_a_big_learning_rate_leaves_the_map_and_the_frame_says_so():
    t = Trainer(Config())
    path = path_of(t)
    frame = update_frame(None, t, path, MapSettings())
    t.update_config(lr=5.0)
    for _ in range(100):
        t.step()
        path = path_of(t, path)
        new = update_frame(frame, t, path, MapSettings())
        if new is not frame:
            break
    assert new.reason == "left" and new.iteration == t.iteration
    assert not frame.contains(frame.offsets(t.param_vector())[0])
    assert new.contains(new.offsets(t.param_vector())[0])


def test_the_batch_surface_is_the_next_batchs_in_mini_batch_and_the_full_one_in_full_batch():
    for mode in ("mini", "sgd"):
        t = Trainer(Config(batch_mode=mode))
        path = path_of(t)
        frame = update_frame(None, t, path, MapSettings(grid_n=21))
        rows = next_batch(t)
        assert len(rows) == t.batch_size and np.array_equal(rows, t.step().batch_index)
        path = path_of(t, path)
        rows = next_batch(t)
        batch = frame_map(frame, t, path, rows=rows)
        assert not np.allclose(batch.Z, frame.Z) and batch.zrange == frame.zrange
        model = LossModel(t.net, t.split.X_train[rows], t.split.y_train[rows], tuple(t.sizes))
        np.testing.assert_array_equal(batch.Z, surface(model, frame.directions, (frame.xs, frame.ys)))
        assert batch.point[2] == float(data_loss(t.net, t.params, t.split.X_train[rows], t.split.y_train[rows]))
        t.step()
        assert not np.allclose(frame_map(frame, t, path_of(t, path), rows=next_batch(t)).Z, batch.Z)   # it jumps
    t = Trainer(Config(batch_mode="full"))
    path = path_of(t)
    frame = update_frame(None, t, path, MapSettings(grid_n=21))
    full = frame_map(frame, t, path, rows=next_batch(t))
    np.testing.assert_array_equal(full.Z, frame.Z)
    assert full.point[2] == current_loss(t)


def test_path_of_reuses_its_points_follows_a_rewind_and_stays_bounded():
    t = Trainer(Config(batch_mode="mini"))
    t.run(25)
    path = path_of(t)
    np.testing.assert_array_equal(path.iterations, np.arange(26))
    np.testing.assert_array_equal(path.losses[1:], t.history.column("train_loss"))
    for k in (0, 7, 25):
        np.testing.assert_array_equal(path.points[k], np.concatenate([x.ravel() for p in t.params_at(k) for x in p]))
    t.rewind(10)
    t.update_config(lr=0.05)           # another way from iteration 10
    t.run(5)
    again = path_of(t, path)
    np.testing.assert_array_equal(again.iterations, np.arange(16))
    np.testing.assert_array_equal(again.points[:11], path.points[:11])
    np.testing.assert_array_equal(again.points[15], t.param_vector())
    assert not np.array_equal(again.points[12], path.points[12])
    t.run(300)
    small = path_of(t, again, max_points=100)
    assert small.iterations.size <= 100 and small.iterations[0] == 0 and small.iterations[-1] == t.iteration
    np.testing.assert_array_equal(small.iterations[-50:], np.arange(t.iteration - 49, t.iteration + 1))
    k = int(small.iterations[5])
    np.testing.assert_array_equal(small.points[5], np.concatenate([x.ravel() for p in t.params_at(k) for x in p]))


def test_ahead_shows_the_next_steps_without_moving_the_trainer():
    t = Trainer(Config(batch_mode="sgd"))
    t.run(3)
    before = t.param_vector()
    ahead = t.ahead(4)
    assert t.iteration == 3 and np.array_equal(t.param_vector(), before) and ahead.shape == (4, before.size)
    t.run(4)
    np.testing.assert_array_equal(ahead[-1], t.param_vector())


def test_the_slice_goes_through_the_weights_now_and_reads_their_loss():
    t = Trainer(Config(l2=0.01))
    path = path_of(t)
    frame = update_frame(None, t, path, MapSettings())
    t.run(20)
    cut = slice_through(frame, LossModel.of(t), t.param_vector())
    assert cut.point[1] == current_loss(t)
    assert cut.point[0] == pytest.approx(frame_map(frame, t, path_of(t, path)).point[0], abs=1e-12)
    assert cut.t[0] == frame.xs[0] and cut.t[-1] == frame.xs[-1]
    np.testing.assert_allclose(np.interp(cut.point[0], cut.t, cut.loss), cut.point[1], rtol=1e-3)


def test_pca_falls_back_to_random_directions_when_there_is_no_path_to_analyse():
    t = Trainer(Config())
    frame = choose_frame(t, path_of(t), MapSettings(), "start", lookahead=1)
    assert frame.directions.kind == "random" and "at least three points" in frame.note


def test_a_big_nets_path_stays_within_its_memory_budget():
    t = Trainer(Config(hidden=(32,) * 6, n_samples=40))
    t.run(300)
    path = path_of(t)
    assert path.points.nbytes <= lsc.limits.PATH_MEMORY_BUDGET and path.iterations[-1] == 300
    assert path_of(Trainer(Config())).points.shape[0] == 1 and lsc.MAX_PATH_POINTS * 8 * 37 <= \
        lsc.limits.PATH_MEMORY_BUDGET   # the default net keeps every point up to MAX_PATH_POINTS


def test_big_data_surfaces_use_a_fixed_sample_and_say_so():
    t = Trainer(Config(n_samples=5000, test_ratio=0.2))
    assert t.n_train > lsc.limits.SURFACE_ROWS
    first, again = LossModel.of(t), LossModel.of(t)
    assert first.X.shape[0] == lsc.limits.SURFACE_ROWS
    np.testing.assert_array_equal(first.X, again.X)                         # the same rows every time
    assert LossModel.of(t, np.arange(32)).X.shape[0] == 32                  # a batch is still the batch
    path = path_of(t)
    m = frame_map(update_frame(None, t, path, MapSettings()), t, path)
    assert m.data == f"sample of {lsc.limits.SURFACE_ROWS:,} rows" and m.Z.shape == (41, 41)
    small = Trainer(Config())
    assert LossModel.of(small).X.shape[0] == small.n_train
