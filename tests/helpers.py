"""What several test modules share: a day of invented stories to write, and the settings that
point a run at the fault server (`tests/fault_server.py`)."""

from __future__ import annotations

import random
from pathlib import Path

from summarizer import Settings

from .fault_server import FaultServer

STORIES = 20

# Groq: a hosted API (not streamed) that takes tool calls, as the fault server answers them.
HOSTED = {"backend": "groq"}


def write_day(folder: Path, stories: int = STORIES, seed: int = 3) -> list[Path]:
    """One article per story, each about its own invented place, people and things."""
    rng = random.Random(seed)
    syllables = "ka to ri ma su ne lo vi da ren pol sar tek min bor gal hu zen fi".split()

    def word() -> str:
        return "".join(rng.sample(syllables, 3))

    files = []
    for number in range(stories):
        town, mayor, thing, rival = (word().capitalize() for _ in range(4))
        things = [word() for _ in range(6)]
        text = (
            f"{town} approves {things[0]} plan\n\n"
            f"The council of {town} approved the {things[0]} and {things[1]} plan on Tuesday, "
            f"mayor {mayor} said. The {things[2]} will cost {number + 2} million {things[3]}.\n\n"
            f"{rival} opposed the {things[4]} of {thing}, calling the {things[5]} a mistake."
        )
        path = folder / f"story-{number:02d}.txt"
        path.write_text(text)
        files.append(path)
    return files


def fault_settings(server: FaultServer, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "api_key": "test-key",
        "base_url": server.base_url,
        "timeout": 2.0,  # generous: a slow but valid answer must never look like a fault
        "max_attempts": 4,
        "max_retry_wait": 0.05,
        "max_reasks": 2,
        "concurrency": 8,
    }
    return Settings.model_validate(values | overrides)
