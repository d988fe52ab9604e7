"""Memory on large input: peak Python allocation while reading a 25 MB file, refused by the size
limit (checked before reading) and accepted with the limit raised.

    python benchmarks/input_memory.py
"""

from __future__ import annotations

import sys
import tempfile
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from summarizer.read._paths import read_articles  # noqa: E402

SIZE = 25_000_000


def peak(path: Path, limit: int) -> tuple[int, str]:
    tracemalloc.start()
    articles, failures = read_articles([path], max_file_bytes=limit)
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    outcome = (
        f"refused: {failures[0].reason}" if failures else f"read: {len(articles[0].body):,} chars"
    )
    return top, outcome


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "huge.txt"
        paragraph = "The council approved the harbour plan on Tuesday, the mayor said. " * 15
        with path.open("w") as handle:
            while handle.tell() < SIZE:
                handle.write(paragraph + "\n\n")
        size = path.stat().st_size
        for limit in (10_000_000, 30_000_000):
            top, outcome = peak(path, limit)
            print(
                f"limit {limit:>12,} bytes: peak {top / 1e6:7.1f} MB = {top / size:5.2f} x the "
                f"{size / 1e6:.0f} MB file; {outcome}"
            )


if __name__ == "__main__":
    main()
