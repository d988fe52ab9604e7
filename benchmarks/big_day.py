"""A big day: read and group thousands of articles from disk through the command line.

Writes generated days (benchmarks/grouping.py's generator: events of five articles, one event in
five a near miss of another, every sentence padded with words the whole day shares) as text
files, runs `summarizer stories DIR --json` on each in a fresh process, and prints wall time, the
process's peak memory, pairwise grouping F1 against the known events, and the growth from one
size to the next (linear would be the ratio of the sizes).

    python benchmarks/big_day.py [1000 5000 10000]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

from grouping import generated_day, same_story_pairs, scores  # noqa: E402


def main() -> None:
    sizes = [int(n) for n in (sys.argv[1:] or ["1000", "5000", "10000"])]
    print(f"{'articles':>9} {'seconds':>8} {'peak MB':>8} {'stories':>8} {'F1':>6} "
          f"{'precision':>9}  growth in time (size ratio)")  # fmt: skip
    previous: tuple[int, float] | None = None
    for size in sizes:
        articles, events = generated_day(events=size // 5)
        folder = Path(tempfile.mkdtemp(prefix=f"day{size}-"))
        for article in articles:
            (folder / f"{article.id}.txt").write_text(
                f"{article.headline}\n\n18 November 2025\n\n{article.body}\n", encoding="utf-8"
            )
        command = [sys.executable, "-m", "summarizer", "stories", str(folder), "--json"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - started
        peak = max(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, before) / 1024
        stories = json.loads(done.stdout)
        by_file = {f"{a.id}.txt": a.source for a in articles}
        found = [[by_file[Path(s["path"]).name] for s in story["sources"]] for story in stories]
        precision, _, f1 = scores(same_story_pairs(found), same_story_pairs(events))
        growth = ""
        if previous is not None:
            growth = f"x{seconds / previous[1]:.2f} (x{size / previous[0]:.1f})"
        print(f"{size:9,} {seconds:8.1f} {peak:8.0f} {len(stories):8,} {f1:6.3f} "
              f"{precision:9.3f}  {growth}")  # fmt: skip
        previous = (size, seconds)


if __name__ == "__main__":
    main()
