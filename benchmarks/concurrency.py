"""Concurrency that follows the endpoint: wall time against the floor and against one at a time,
and refusals against a server that allows only a few requests in flight.

Against the fault server on loopback (no faults; a fixed latency per answer), STORIES one-article
stories through `summarize`:

- the floor: ceil(stories / ceiling) × latency, plus the local work (the same run at no latency);
- one at a time (the naive way): ceiling 1;
- ceilings 4, 8 and 16 against an unlimited server, and against one that allows 3 in flight and
  answers 429 (retry-after 0.2 s) above that;
- each of those from a slow start (a first run, or no store) and from the pace the endpoint held
  in the run before, as a store remembers it (the daily run from cron).

    python benchmarks/concurrency.py [--stories 40] [--latency 0.5]
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import Settings, summarize  # noqa: E402
from tests.fault_server import FaultServer  # noqa: E402
from tests.test_faults import write_day  # noqa: E402


def timed(
    day: Path, ceiling: int, latency: float, allowed: int | None, store: Path | None = None
) -> tuple[float, int, int, int]:
    """Seconds, stories failed, requests sent, requests refused. With `store`, the run before
    (same server, same ceiling) is run first, with other answers, so that only the endpoint's
    pace is remembered, not the answers."""
    with FaultServer(latency=latency, max_in_flight=allowed, retry_after_ms=200) as server:
        settings = Settings(
            api_key="k", base_url=server.base_url, concurrency=ceiling, max_retry_wait=1
        )
        if store is not None:
            summarize([day], settings=settings, store=store, refresh=True)
            server.requests.clear()
            server.outcomes.clear()
        started = time.perf_counter()
        briefing = summarize([day], settings=settings, store=store, refresh=store is not None)
        seconds = time.perf_counter() - started
        refused = server.outcomes["429 over the limit"]
        return seconds, len(briefing.failed_stories), len(server.requests), refused


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stories", type=int, default=40)
    parser.add_argument("--latency", type=float, default=0.5)
    options = parser.parse_args()
    logging.disable(logging.WARNING)
    day = Path(tempfile.mkdtemp(prefix="concurrency-"))
    write_day(day, stories=options.stories)
    timed(day, 8, 0.0, None)  # warm up: imports, first parse
    local = min(timed(day, 8, 0.0, None)[0] for _ in range(2))
    one_at_a_time = timed(day, 1, options.latency, None)[0]
    print(f"{options.stories} stories, {options.latency}s latency; local work {local:.2f}s; "
          f"one at a time {one_at_a_time:.2f}s")  # fmt: skip
    print(f"{'ceiling':>7} {'server':>14} {'start':>11} {'seconds':>8} {'x floor':>8} "
          f"{'x faster':>9} {'failed':>6} {'refused':>12}")  # fmt: skip
    for ceiling in (4, 8, 16):
        floor = math.ceil(options.stories / ceiling) * options.latency + local
        for allowed in (None, 3):
            for remembered in (False, True):
                store = Path(tempfile.mkdtemp()) / "store.db" if remembered else None
                seconds, failed, sent, refused = timed(
                    day, ceiling, options.latency, allowed, store
                )
                server = "unlimited" if allowed is None else f"{allowed} in flight"
                start = "remembered" if remembered else "slow start"
                print(
                    f"{ceiling:7} {server:>14} {start:>11} {seconds:8.2f} {seconds / floor:8.2f} "
                    f"{one_at_a_time / seconds:9.1f} {failed:6} {refused:5} of {sent:4}"
                )


if __name__ == "__main__":
    main()
