"""A hostile day: 40 stories through `summarizer brief`, one answered with an HTTP 200 without
`choices`, one with an HTML page, one trickled a byte at a time, one with 50 MB (chunked, so no
length gives it away). Prints the wall time and the peak memory (RSS) of the command, beside the
floor: the same 40 stories with every answer good.

    python benchmarks/hostile_day.py [--timeout 3] [--huge-mb 50]

Not a unit test: the same day, asserted, is tests/test_hostile_endpoints.py's last test.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.fault_server import FaultServer  # noqa: E402
from tests.test_faults import write_day  # noqa: E402

STORIES = 40
HOSTILE = {3: "no_choices", 11: "html", 19: "trickle", 27: "huge_chunked"}


def run(
    day: Path, out: Path, server: FaultServer, timeout: float
) -> tuple[float, int, int, dict[str, Any]]:
    """One `summarizer brief` in a fresh process: seconds, peak RSS in bytes, exit code, JSON."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("OPENAI_", "SUMMARIZER_"))
    } | {
        "OPENAI_API_KEY": "bench-key",
        "OPENAI_BASE_URL": server.base_url,
        "SUMMARIZER_TIMEOUT": str(timeout),
        "SUMMARIZER_MAX_ATTEMPTS": "2",
        "SUMMARIZER_MAX_RETRY_WAIT": "0.05",
    }
    command = [sys.executable, "-m", "summarizer", "brief", str(day), "-o", str(out / "day.md"),
               "--json", str(out / "day.json"), "--no-store"]  # fmt: skip
    started = time.monotonic()
    child = subprocess.Popen(
        command, env=environment, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the benchmark's
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    briefing = json.loads((out / "day.json").read_text()) if (out / "day.json").exists() else {}
    return seconds, usage.ru_maxrss * 1024, child.returncode, briefing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=3.0, help="SUMMARIZER_TIMEOUT, seconds")
    parser.add_argument("--huge-mb", type=int, default=50)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        day = Path(folder) / "day"
        day.mkdir()
        titles = [p.read_text().split("\n", 1)[0] for p in write_day(day, stories=STORIES)]
        hostile = {titles[number]: outcome for number, outcome in HOSTILE.items()}
        rows = []
        for name, outcomes in (("floor (all good)", {}), ("hostile day", hostile)):
            out = Path(folder) / name.split()[0]
            out.mkdir()
            with FaultServer(
                outcome_for=outcomes, trickle_interval=0.2, huge_bytes=arguments.huge_mb * 10**6
            ) as server:
                seconds, peak, code, briefing = run(day, out, server, arguments.timeout)
            rows.append((name, seconds, peak, code, briefing))
        print(
            f"{STORIES} stories; SUMMARIZER_TIMEOUT={arguments.timeout:g} s, 2 attempts; "
            f"the huge answer {arguments.huge_mb} MB"
        )
        print(f"{'run':<18} {'seconds':>8} {'peak RSS':>10} {'exit':>5} {'briefed':>8} {'not':>4}")
        for name, seconds, peak, code, briefing in rows:
            briefed = len(briefing.get("stories", []))
            failed = len(briefing.get("failed_stories", []))
            print(
                f"{name:<18} {seconds:8.1f} {peak / 1e6:7.0f} MB {code:>5} {briefed:>8} {failed:>4}"
            )
        for failed in rows[-1][4].get("failed_stories", []):
            print(f"  not briefed: {failed['headlines'][0]}: {failed['reason']}")


if __name__ == "__main__":
    main()
