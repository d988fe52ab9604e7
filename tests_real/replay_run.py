"""Replay a real server's cassette as the live run went: `python -m tests_real.replay_run
CASSETTE MODEL OUT.json`.

The run is the live one's — the same settings, pointed at the loopback address the cassette
recorded (its port dropped, as every cassette drops it) — with every request answered from the
cassette and the network blocked: the probe of the server, its token counts and the streamed
answers all come from the recording, so the requests match it body for body. What it wrote is
the briefing's JSON; how long it took is the tool's own work on that exchange, without a
server's.
"""

from __future__ import annotations

import sys
from pathlib import Path

from summarizer import Settings, render_json, summarize
from summarizer._replay import replay_base_url, replaying

__all__ = ["replay"]


def replay(cassette: Path, model: str) -> str:
    settings = Settings(base_url=replay_base_url(cassette), model=model)
    with replaying(cassette):
        briefing = summarize(["seeds/"], settings=settings)
    return render_json(briefing)


def main(arguments: list[str]) -> int:
    cassette, model, out = arguments
    Path(out).write_text(replay(Path(cassette), model), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
