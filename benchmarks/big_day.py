"""A big day: read and group thousands of articles from disk through the command line.

Writes generated days as text files, from benchmarks/grouping.py's two generators: events of
five articles, one event in five a near miss of another, every sentence padded with words the
whole day shares; and a templated day, where the events of one kind (ten at a time) are written
from the same real sentences and only their names and numbers are their own. Runs
`summarizer stories DIR --json` on each in a fresh process, and prints wall time, the peak
memory of the whole process tree (the command and its file-reading workers, sampled together
every 50 ms), pairwise grouping F1 and precision against the known events, and the growth from
one size to the next (linear would be the ratio of the sizes).

    python benchmarks/big_day.py [1000 5000 10000]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT))

PAGE = os.sysconf("SC_PAGE_SIZE")

from grouping import generated_day, same_story_pairs, scores, templated_day  # noqa: E402


def main() -> None:
    sizes = [int(n) for n in (sys.argv[1:] or ["1000", "5000", "10000"])]
    print(f"{'day':>10} {'articles':>9} {'seconds':>8} {'tree MB':>8} {'stories':>8} {'F1':>6} "
          f"{'precision':>9}  growth in time (size ratio)")  # fmt: skip
    for day, generator in (("near miss", generated_day), ("templated", templated_day)):
        _measure(day, generator, sizes)


def _measure(day: str, generator: Any, sizes: list[int]) -> None:
    previous: tuple[int, float] | None = None
    for size in sizes:
        articles, events = generator(events=size // 5)
        folder = Path(tempfile.mkdtemp(prefix=f"day{size}-"))
        for article in articles:
            (folder / f"{article.id}.txt").write_text(
                f"{article.headline}\n\n18 November 2025\n\n{article.body}\n", encoding="utf-8"
            )
        command = [sys.executable, "-m", "summarizer", "stories", str(folder), "--json"]
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        samples: list[int] = []
        sampler = threading.Thread(target=_sample_tree, args=(process, samples), daemon=True)
        sampler.start()
        output, _ = process.communicate()
        seconds = time.perf_counter() - started
        sampler.join()
        if process.returncode:
            raise SystemExit(f"summarizer stories exited {process.returncode}")
        peak_bytes = max(samples, default=0)
        peak = peak_bytes / 2**20
        stories = json.loads(output)
        by_file = {f"{a.id}.txt": a.source for a in articles}
        found = [[by_file[Path(s["path"]).name] for s in story["sources"]] for story in stories]
        precision, _, f1 = scores(same_story_pairs(found), same_story_pairs(events))
        growth = ""
        if previous is not None:
            growth = f"x{seconds / previous[1]:.2f} (x{size / previous[0]:.1f})"
        print(f"{day:>10} {size:9,} {seconds:8.1f} {peak:8.0f} {len(stories):8,} {f1:6.3f} "
              f"{precision:9.3f}  {growth}")  # fmt: skip
        previous = (size, seconds)


def _tree_rss(root: int) -> int:
    """Resident bytes of process `root` and every process below it, from /proc."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            statm = (entry / "statm").read_text().split()
        except OSError:
            continue  # ended meanwhile
        pid, ppid = int(entry.name), int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(pid)
        rss[pid] = int(statm[1]) * PAGE
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def _sample_tree(process: subprocess.Popen[str], samples: list[int]) -> None:
    """The whole process tree's memory every 50 ms until `process` ends: its file-reading
    workers and itself, at the same moment."""
    while process.poll() is None:
        samples.append(_tree_rss(process.pid))
        time.sleep(0.05)


if __name__ == "__main__":
    main()
