"""Start-up and a small day: how long a command takes in a fresh process, beside the floor.

For each command, the median of `--runs` runs (default 5) in a fresh process, wall time:

- `summarizer --version`, beside the floor (`python -c pass`: the interpreter alone) and the
  naive way (every name of the package imported, as an eager `__init__` would: openai,
  instructor, the profiles' schemas with them);
- `summarizer stories seeds/` (five articles), with the language model read from its unpacked
  cache (summarizer/_language.py) and beside it the naive way, unpacked from py3langid's
  compressed file in every process (the cache folder made unwritable);
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


def _seconds(command: list[str], runs: int, env: dict[str, str] | None = None) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True, cwd=REPO, env=env)
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
    with tempfile.TemporaryDirectory(prefix="pages-") as scratch:
        cached = {**os.environ, "SUMMARIZER_CACHE_DIR": str(Path(scratch, "cache"))}
        blocked = Path(scratch, "not-a-folder")
        blocked.write_text("")
        uncached = {**os.environ, "SUMMARIZER_CACHE_DIR": str(blocked / "cache")}
        subprocess.run([*tool, "stories", "seeds"], capture_output=True, cwd=REPO, env=cached)
        rows: list[tuple[str, list[str], dict[str, str]]] = [
            ("python -c pass (floor)", [python, "-c", "pass"], cached),
            ("summarizer --version", [*tool, "--version"], cached),
            ("import every public name (naive: eager imports)", [python, "-c", EAGER], cached),
            ("summarizer stories seeds/", [*tool, "stories", "seeds"], cached),
            (
                "  the language model unpacked in every process (naive)",
                [*tool, "stories", "seeds"],
                uncached,
            ),
        ]
        pages = os.environ.get("PAGES")
        if not pages and os.environ.get("FUNDUS"):
            pages = str(Path(scratch, "pages"))
            Path(pages).mkdir()
            _fundus_pages(Path(os.environ["FUNDUS"]), Path(pages))
        if pages:
            count = len(list(Path(pages).glob("*.htm*")))
            read = f"import pathlib; [p.read_bytes() for p in pathlib.Path({pages!r}).iterdir()]"
            rows += [
                (f"read the {count} pages' bytes (floor)", [python, "-c", read], cached),
                (f"summarizer stories ({count} saved pages)", [*tool, "stories", pages], cached),
                (
                    "  the language model unpacked in every process (naive)",
                    [*tool, "stories", pages],
                    uncached,
                ),
            ]
        print(f"{'command':56} {'seconds':>8}  (median of {runs} fresh processes)")
        for label, command, env in rows:
            print(f"{label:56} {_seconds(command, runs, env):8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
