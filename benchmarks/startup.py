"""Start-up and a small day: how long a command takes in a fresh process, beside the floor.

For each command, the median of `--runs` runs (default 5) in a fresh process, wall time:

- `summarizer --version`, beside the floor (`python -c pass`: the interpreter alone) and the
  naive way (every name of the package imported, as an eager `__init__` would: openai,
  instructor, the profiles' schemas with them);
- `summarizer stories seeds/` (five articles);
- `summarizer stories DIR` on a day of saved pages: PAGES, a folder of HTML pages, or the first
  50 pages of a checkout of flairNLP/fundus given as FUNDUS (its parser fixtures, real pages in
  many languages; not shipped), beside the floor of reading the same bytes from disk.

    FUNDUS=/path/to/fundus python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EAGER = "import summarizer; [getattr(summarizer, name) for name in summarizer.__all__]"


def _seconds(command: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, cwd=REPO)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _fundus_pages(root: Path, folder: Path, count: int = 50) -> None:
    """The first `count` fundus fixture pages, decompressed into `folder`."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    from _checkout import checkout_files

    pages = checkout_files(
        root, "tests/resources/parser/test_data", lambda p: p.endswith(".html.gz")
    )
    for name in sorted(pages)[:count]:
        (folder / Path(name).name.removesuffix(".gz")).write_bytes(gzip.decompress(pages[name]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    python = sys.executable
    tool = [python, "-m", "summarizer"]
    rows = [
        ("python -c pass (floor)", [python, "-c", "pass"]),
        ("summarizer --version", [*tool, "--version"]),
        ("import every public name (naive: eager imports)", [python, "-c", EAGER]),
        ("summarizer stories seeds/", [*tool, "stories", "seeds"]),
    ]
    with tempfile.TemporaryDirectory(prefix="pages-") as scratch:
        pages = os.environ.get("PAGES")
        if not pages and os.environ.get("FUNDUS"):
            _fundus_pages(Path(os.environ["FUNDUS"]), Path(scratch))
            pages = scratch
        if pages:
            count = len(list(Path(pages).glob("*.htm*")))
            read = f"import pathlib; [p.read_bytes() for p in pathlib.Path({pages!r}).iterdir()]"
            rows += [
                (f"read the {count} pages' bytes (floor)", [python, "-c", read]),
                (f"summarizer stories ({count} saved pages)", [*tool, "stories", pages]),
            ]
        print(f"{'command':52} {'seconds':>8}  (median of {runs} fresh processes)")
        for label, command in rows:
            print(f"{label:52} {_seconds(command, runs):8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
