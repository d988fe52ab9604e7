"""Runs that repeat: how many requests, and how long, with the store and without it.

Against the fault server (no faults, a fixed latency per request) on loopback, through the real
command line, on a generated day of STORIES one-article stories:

- cold: a first run; and the same run with --no-store, for the store's own cost in wall time;
- unchanged: the same day again (the naive way, with no store, sends every request again);
- one new article: a new story; and one article that joins an existing story;
- kill and resume: SIGKILL half-way, then the same command again;
- items dropped: a day where every third story's answer holds an item no article supports, however
  often it is re-asked (the story is briefed without it), run cold and then unchanged.

Also, on the labelled day (seeds + tests/day), how stable grouping is: each article taken out
and put back, and how many of the other stories' article sets change (each change would be a
cache miss).

    python benchmarks/rerun.py [--stories 30] [--latency 0.3]
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import group_articles, load_articles  # noqa: E402
from tests.fault_server import UNVERIFIABLE, FaultServer  # noqa: E402
from tests.test_faults import write_day  # noqa: E402


def _answers(store: Path) -> int:
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT count(*) FROM answers").fetchone()[0])
    except sqlite3.Error:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, default=30)
    parser.add_argument("--latency", type=float, default=0.3)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="rerun-"))
    day, store = folder / "day", folder / "store.db"
    day.mkdir()
    write_day(day, stories=options.stories)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    env |= {"SUMMARIZER_CONCURRENCY": "4", "SUMMARIZER_MODEL": "house-model"}
    rows: list[tuple[str, int, float]] = []

    with FaultServer(latency=options.latency) as server:
        env["OPENAI_BASE_URL"] = server.base_url
        base = [sys.executable, "-m", "summarizer", "brief", str(day), "-o", str(folder / "b.md")]

        def timed(label: str, *extra: str) -> None:
            sent, started = len(server.requests), time.perf_counter()
            subprocess.run([*base, *extra], env=env, capture_output=True, check=False)
            rows.append((label, len(server.requests) - sent, time.perf_counter() - started))

        timed("cold, --no-store (the floor)", "--no-store")
        timed("cold, with the store", "--store", str(store))
        timed("unchanged, --no-store (naive)", "--no-store")
        timed("unchanged, with the store", "--store", str(store))
        (day / "new.txt").write_text(
            "Quarry reopens after flood\n\nThe Brannock quarry reopened on Monday after the spring "
            "flood, its owner Orla Vance said, and forty workers returned to the pits."
        )
        timed("one new article (new story)", "--store", str(store))
        first = sorted(day.glob("story-*.txt"))[0].read_text()
        (day / "joins.txt").write_text(first.replace("approves", "backs", 1) + " More to come.")
        timed("one article joins a story", "--store", str(store))

        resumed = folder / "resume.db"
        command = [*base, "--store", str(resumed)]
        sent = len(server.requests)
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        total = len(list(day.glob("*.txt"))) - 1  # the joining article is in a story already
        while _answers(resumed) < total // 2:
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        done = _answers(resumed)
        rows.append((f"killed after {done} of {total} stories", len(server.requests) - sent, 0.0))
        timed("resumed", "--store", str(resumed))

    dropped_day, dropped_store = folder / "dropped-day", folder / "dropped.db"
    dropped_day.mkdir()
    files = write_day(dropped_day, stories=options.stories)
    junk = {path.read_text().splitlines()[0]: UNVERIFIABLE for path in sorted(files)[::3]}
    with FaultServer(latency=options.latency, outcome_for=junk) as server:
        env["OPENAI_BASE_URL"] = server.base_url
        base = [sys.executable, "-m", "summarizer", "brief", str(dropped_day), "-o",
                str(folder / "d.md"), "--store", str(dropped_store)]  # fmt: skip
        for label in (f"items dropped in {len(junk)} stories, cold", "items dropped, unchanged"):
            sent, started = len(server.requests), time.perf_counter()
            subprocess.run(base, env=env, capture_output=True, check=False)
            rows.append((label, len(server.requests) - sent, time.perf_counter() - started))

    print(f"{options.stories} stories of one article, {options.latency}s latency per request")
    print(f"{'run':34} {'requests':>8} {'seconds':>8}")
    for label, requests, seconds in rows:
        print(f"{label:34} {requests:8} {seconds:8.2f}")
    floor, stored = rows[0][2], rows[1][2]
    print(f"store's cost on a cold run: {100 * (stored - floor) / floor:+.1f}% wall time")

    articles = load_articles([ROOT / "seeds", ROOT / "tests" / "day"])
    whole = {frozenset(a.id for a in g.articles) for g in group_articles(articles)}
    moved = 0
    for left_out in articles:
        without = {
            frozenset(a.id for a in g.articles)
            for g in group_articles([a for a in articles if a.id != left_out.id])
        }
        others = {g - {left_out.id} for g in whole} - {frozenset()}
        moved += len(others - without)
    print(
        f"stable grouping: {len(articles)} articles each taken out and put back; "
        f"other stories whose article set changed: {moved} of {len(articles) * (len(whole) - 1)}"
    )


if __name__ == "__main__":
    main()
