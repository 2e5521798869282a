"""Benchmark: the hostile-input corpora of harness/ through the real app (AppTest), counted.

Run: .venv/bin/python bench/untrusted_corpus.py [budget_seconds=10] [budget_mib=100]

For each tampered link (a fresh session opens the page with it, then steps), each CSV (uploaded into a session
that has run 10 iterations; a good one is trained on and stepped), each experiment file of
harness/experiment_corpus.py (loaded into a stepped session; a valid one must say "Restored exactly" and step on)
and each injected name (a CSV's header and file name, and a shared experiment's dataset name: every message box
must hold it as text) it records: a clear message (the link notice naming the setting / the CSV's or file's
expected words), Streamlit's error box or the app's "Something went wrong", state lost (a refused file changed the
trainer or its iteration; a page did not step), the seconds the case took, and the peak memory Python and NumPy
allocated during it (tracemalloc). Prints the counts the issue asks for: tried / clear message / error box / state
lost / over budget. Timings are noisy while other jobs share the CPU (and tracemalloc slows every case).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from engine import Config, Dataset, Trainer
from engine.experiment import to_json
from harness.apptest import (
    boxes_with_markup,
    load_experiment,
    new_app,
    open_page,
    shown,
    step_once,
    trainer_of,
    url_problems_left,
)
from harness.corpus import BAD_CSVS, GOOD_CSVS, LINKS, injected
from harness.experiment_corpus import BAD as BAD_EXPERIMENTS
from harness.experiment_corpus import VALID as VALID_EXPERIMENTS
from harness.experiment_corpus import bad_text


def _error_box(at) -> bool:
    return bool(at.exception) or any("went wrong" in e.value for e in at.error)


def link_case(page: str, query: dict, label: str | None) -> dict:
    """Open `page` with `query` in a fresh session and step once; return what happened."""
    at = open_page(page, query)
    notices = [shown(w.value) for w in at.warning]
    # a key the page does not read (label None) needs no notice, only a working page
    clear = any(label in n and "not understood" in n for n in notices) if label else None
    box = _error_box(at)
    lost = bool(url_problems_left(at, page))
    try:
        step_once(at, page)
    except AssertionError:
        lost = True
    return {"clear": clear, "box": box or _error_box(at), "lost": lost}


def csv_case(at, name: str, data: bytes, words: str | None, rows: int | None) -> dict:
    """Upload `data` into the running session `at` and try to train on it; return what happened."""
    before = trainer_of(at)
    iteration = before.iteration
    at.file_uploader(key="csv_file").set_value((f"{name}.csv", data, "text/csv")).run()
    if not at.error and at.button(key="csv_use"):
        at.button(key="csv_use").click().run()
    message = " ".join(shown(e.value) for e in at.error)
    box = _error_box(at)
    if words is not None:  # must be refused with its message, the experiment untouched
        clear = "can't be used" in message and words in message and "unchanged" in message
        lost = trainer_of(at) is not before or before.iteration != iteration
    else:  # must load and step
        trainer = trainer_of(at)
        clear = message == "" and trainer.custom_data and trainer.dataset.n == rows
        at.button(key="fb_step").click().run()
        lost = trainer_of(at).iteration != 1
    at.file_uploader(key="csv_file").set_value(None).run()
    return {"clear": clear, "box": box or _error_box(at), "lost": lost}


def experiment_case(text: str, words: str | None) -> dict:
    """Load the experiment file `text` into a session that has stepped 10 times; a valid one (words None) must
    restore and step, a bad one be refused with `words` (a regex) and leave the trainer untouched."""
    at = new_app().run()
    at.button(key="fb_step10").click().run()
    before = trainer_of(at)
    load_experiment(at, text, "shared.json")
    errors = " ".join(shown(e.value) for e in at.error)
    if words is not None:
        clear = bool(re.search(words, errors)) and "experiment is unchanged" in errors
        lost = trainer_of(at) is not before or before.iteration != 10
    else:
        clear = not errors and any(shown(s.value).startswith("Restored exactly") for s in at.success)
        iteration = trainer_of(at).iteration
        at.button(key="fb_step").click().run()
        lost = trainer_of(at).iteration != iteration + 1
    return {"clear": clear, "box": _error_box(at), "lost": lost}


def injected_case(name: str) -> dict:
    """Upload a CSV whose file and columns carry `name`, then load an experiment whose dataset is called `name`;
    clear when every message box holds it only as text (no link, image, HTML, math or icon left)."""
    at = new_app().run()
    csv = f"x,{name},label\n1,2,0\n2,3,1\n3,1,1\n4,0,0\n5,5,1\n".encode()
    at.file_uploader(key="csv_file").set_value((f"{name}.csv", csv, "text/csv")).run()
    if at.button(key="csv_use"):
        at.button(key="csv_use").click().run()
    clear = trainer_of(at).custom_data and not boxes_with_markup(at)
    X = np.random.default_rng(0).normal(size=(40, 2))
    ds = Dataset(name, X, (X[:, 0] > 0).astype(float).reshape(-1, 1), "binary", (name, "x2"), (name,), ("0", "1"))
    trainer = Trainer(Config(hidden=(3,)), dataset=ds)
    trainer.run(5)
    load_experiment(at, to_json(trainer, custom_data=True))
    clear = clear and trainer_of(at).iteration == 5 and not boxes_with_markup(at)
    at.button(key="fb_step").click().run()
    return {"clear": clear, "box": _error_box(at), "lost": trainer_of(at).iteration != 6}


def _saved(trainer: Trainer) -> str:
    return to_json(trainer, custom_data=trainer.custom_data)


def timed(run, budget_s: float, budget_mib: float) -> dict:
    """Run one case; add its seconds, its peak traced MiB and whether either is over budget."""
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    t0 = time.perf_counter()
    result = run()
    result["seconds"] = time.perf_counter() - t0
    result["peak_mib"] = (tracemalloc.get_traced_memory()[1] - base) / 2**20
    result["over"] = result["seconds"] > budget_s or result["peak_mib"] > budget_mib
    return result


def report(kind: str, results: list[tuple[str, dict]]) -> None:
    counts = {k: sum(bool(r[k]) for _, r in results) for k in ("clear", "box", "lost", "over")}
    unread = sum(r["clear"] is None for _, r in results)
    print(f"{kind:10s} tried {len(results):3d}  clear message {counts['clear']:3d}"
          + (f" (+{unread} keys the page does not read)" if unread else "") + f"  error box {counts['box']}  "
          f"state lost {counts['lost']}  over budget {counts['over']}  "
          f"slowest {max(r['seconds'] for _, r in results):.1f}s  "
          f"largest peak {max(r['peak_mib'] for _, r in results):.0f} MiB")
    for name, r in results:
        if r["clear"] is False or r["box"] or r["lost"] or r["over"]:
            print(f"   {name}: {r}")


def main() -> None:
    budget = (float(sys.argv[1]) if len(sys.argv) > 1 else 10.0, float(sys.argv[2]) if len(sys.argv) > 2 else 100.0)
    logging.getLogger("streamlit").setLevel(logging.ERROR)  # AppTest's "missing ScriptRunContext" chatter
    tracemalloc.start()
    links = [(f"{page} {query}"[:70], timed(lambda p=page, q=query, lab=label: link_case(p, q, lab), *budget))
             for page, query, label in LINKS]
    report("links", links)
    csvs = []
    for name, (data, words) in BAD_CSVS.items():
        at = new_app().run()
        at.button(key="fb_step10").click().run()
        csvs.append((name, timed(lambda at=at, n=name, d=data, w=words: csv_case(at, n, d, w, None), *budget)))
    for name, (data, (rows, _)) in GOOD_CSVS.items():
        at = new_app().run()
        csvs.append((name, timed(lambda at=at, n=name, d=data, r=rows: csv_case(at, n, d, None, r), *budget)))
    report("CSV files", csvs)
    experiments = [(name, timed(lambda n=name, w=words: experiment_case(bad_text(n), w), *budget))
                   for name, (_, words) in BAD_EXPERIMENTS.items()]
    experiments += [(name, timed(lambda m=make: experiment_case(_saved(m()), None), *budget))
                    for name, make in VALID_EXPERIMENTS.items()]
    report("experiments", experiments)
    names = [(name[:40], timed(lambda n=name: injected_case(n), *budget)) for name in injected("http://127.0.0.1:9")]
    report("names", names)


if __name__ == "__main__":
    main()
