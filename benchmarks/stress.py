"""Stress: 100 stories against the fault-injection server at 30% transport faults and 10%
malformed answers; prints what was briefed, reported, requested and retried, and the wall time.

    python benchmarks/stress.py [--stories 100] [--failure-rate 0.3] [--seed 1]

Not a unit test: the same runs, smaller and asserted, are in tests/test_faults.py.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from summarizer import summarize  # noqa: E402
from tests.fault_server import FaultServer  # noqa: E402
from tests.test_faults import settings, write_day  # noqa: E402


class _CountRetries(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.retries = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.retries += "retrying in" in record.getMessage()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=100)
    parser.add_argument("--failure-rate", type=float, default=0.3)
    parser.add_argument("--malformed-rate", type=float, default=0.1)
    parser.add_argument("--seed", type=int, default=1)
    arguments = parser.parse_args()

    counter = _CountRetries()
    logging.getLogger("summarizer").addHandler(counter)
    logging.getLogger("summarizer").setLevel(logging.WARNING)
    logging.getLogger("summarizer").propagate = False
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory() as folder:
        write_day(Path(folder), stories=arguments.stories, seed=arguments.seed)
        with FaultServer(
            seed=arguments.seed,
            failure_rate=arguments.failure_rate,
            malformed_rate=arguments.malformed_rate,
            stall_seconds=4.0,
        ) as server:
            started = time.perf_counter()
            briefing = summarize([folder], settings=settings(server))
            seconds = time.perf_counter() - started
    stories = len(briefing.stories) + len(briefing.failed_stories)
    print(f"stories:   {stories} ({arguments.stories} articles written; some group together)")
    print(f"briefed:   {len(briefing.stories)}")
    print(f"reported:  {len(briefing.failed_stories)} under 'Not briefed'")
    outcomes = ", ".join(f"{kind} {count}" for kind, count in sorted(server.outcomes.items()))
    extra_answers = briefing.usage.requests - len(briefing.stories)
    print(f"requests:  {len(server.requests)} ({outcomes})")
    print(f"retries:   {counter.retries} transport; {extra_answers} answers re-asked or retried")
    print(f"wall time: {seconds:.1f} s ({len(server.requests) / seconds:.0f} requests/s)")
    unaccounted = stories - len(briefing.stories) - len(briefing.failed_stories)
    print(f"unaccounted stories: {unaccounted}")


if __name__ == "__main__":
    main()
