"""Benchmark: the hostile-input corpora of tests/corpus.py through the real app (AppTest), counted.

Run: .venv/bin/python bench/untrusted_corpus.py [budget_seconds=10] [budget_mib=100]

For each tampered link (a fresh session opens the page with it, then steps) and each CSV (uploaded into a session
that has run 10 iterations; a good one is trained on and stepped) it records: a clear message (the link notice
naming the setting / the CSV's expected words in "This file can't be used…"), Streamlit's error box or the app's
"Something went wrong", state lost (a bad CSV changed the trainer or its iteration; a page did not step), the
seconds the case took, and the peak memory Python and NumPy allocated during it (tracemalloc). Prints the counts
the issue asks for: tried / clear message / error box / state lost / over budget. Timings are noisy while other
jobs share the CPU (and tracemalloc slows every case).
"""

from __future__ import annotations

import logging
import os
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from harness.apptest import new_app, open_page, shown, step_once, trainer_of, url_problems_left
from harness.corpus import BAD_CSVS, GOOD_CSVS, LINKS


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


if __name__ == "__main__":
    main()
