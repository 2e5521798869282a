"""The settings table: one Config mapping with Config's defaults, ranges inside engine/limits.py, per-layer widths
in the sidebar and the URL (old ?layers=&width= links still open the same network), pages' own URL keys."""

import pytest

from engine import Config, limits
from ui import settings
from ui.settings import BY_KEY, SETTINGS, defaults, from_config, migrate_legacy, parse_hidden, to_config, url_problems


def test_the_sidebar_defaults_are_configs_defaults():
    assert to_config(defaults()) == Config()
    assert defaults()["lr"] == Config().lr == 0.3


@pytest.mark.parametrize("cfg", [
    Config(), Config(hidden=(6, 4, 2), optimizer="adam", beta1=0.8, clip_value=2.0, batch_mode="mini", batch_size=32),
    Config(hidden=(), dataset="plane", loss="mse", clip_norm=0.5, train_biases=False, schedule="step", decay=0.25),
])
def test_config_round_trips_through_the_widgets(cfg):
    assert to_config(from_config(cfg)) == cfg


def test_every_config_field_is_set_by_one_setting_or_left_at_its_default():
    set_by = {f for s in SETTINGS for f in s.fields({**defaults()})}
    assert set_by >= {"hidden", "lr", "clip_norm", "clip_value", "optimizer", "momentum"}
    assert set(Config.__dataclass_fields__) - set_by == {"output", "standardize", "eps"}


def test_widget_ranges_stay_inside_the_limits():
    assert BY_KEY["n"].hi <= limits.ROWS.hi and max(BY_KEY["bs"].options) <= limits.ROWS.hi
    assert parse_hidden("-".join(["64"] * limits.HIDDEN_LAYERS.hi)) == "-".join(["64"] * 12)
    for bad in ("-".join(["4"] * (limits.HIDDEN_LAYERS.hi + 1)), f"4-{limits.WIDTH.hi + 1}", "0-4"):
        with pytest.raises(ValueError, match="limited"):
            parse_hidden(bad)


@pytest.mark.parametrize(("raw", "canonical"), [
    ("6-4-2", "6-4-2"), (" 6, 4 ,2 ", "6-4-2"), ("8", "8"), ("3x8", "8-8-8"), ("3×8", "8-8-8"), ("none", "none"),
    ("", "none"), ("0", "none"),
])
def test_hidden_widths_text(raw, canonical):
    assert parse_hidden(raw) == canonical


@pytest.mark.parametrize("raw", ["6-x-2", "6--2", "²", "٣-٤", "9" * 5000, "-1", "4.5", "<b>4</b>"])
def test_bad_hidden_widths_are_refused(raw):
    with pytest.raises(ValueError):
        parse_hidden(raw)


def test_old_links_open_the_same_network():
    params, problems = migrate_legacy({"layers": "3", "width": "5", "lr": "0.1"})
    assert params == {"hidden": "5-5-5", "lr": "0.1"} and problems == []
    assert migrate_legacy({"layers": "0"})[0]["hidden"] == "none"
    assert migrate_legacy({"width": "6"})[0]["hidden"] == "6-6"
    params, problems = migrate_legacy({"layers": "99", "width": "2.5"})
    assert params == {"hidden": "4-4"}
    assert "Hidden layers" in problems[0] and "Neurons per hidden layer" in problems[1]
    assert migrate_legacy({"layers": "3", "hidden": "2-2"})[0] == {"hidden": "2-2"}


def test_pages_claim_their_url_keys(monkeypatch):
    monkeypatch.setattr(settings, "_claimed_prefixes", set())
    assert url_problems({"zz_depth": "8"}) == ["unknown setting “zz_depth” (ignored)"]
    settings.claim_url_keys("zz_")
    assert url_problems({"zz_depth": "8", "presenter": "true", "hidden": "6-4-2"}) == []
    assert "Hidden layers" in url_problems({"hidden": "6-99"})[0]


def test_numbers_in_links_are_never_converted_when_absurd():
    problems = url_problems({"seed": "9" * 5000, "lr": "1e400", "n": "inf"})
    assert len(problems) == 3 and all(len(p) < 200 for p in problems)


def test_the_sidebar_says_what_frozen_biases_batch_norm_and_dropout_do():
    """Issue 15: with frozen biases grad_norm leaves grad_b out — the UI says so; batch norm states its momentum and
    its rule for a batch of one; dropout says evaluation uses every neuron."""
    from engine.network import BN_MOMENTUM, BN_ONE_SAMPLE

    assert "gradient norm" in BY_KEY["biases"].help and "frozen biases out" in BY_KEY["biases"].help
    assert f"momentum {BN_MOMENTUM:g}" in BY_KEY["bn"].help and BN_ONE_SAMPLE in BY_KEY["bn"].help
    assert "every neuron" in BY_KEY["drop"].help and BY_KEY["drop"].rebuilds is False and BY_KEY["bn"].rebuilds
