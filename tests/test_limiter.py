"""Concurrency that follows the endpoint: the adaptive limit, alone and against a server that
allows only 3 requests in flight."""

from __future__ import annotations

import asyncio
from pathlib import Path

from summarizer import Settings, summarize
from summarizer.extract._limiter import PROBE_AFTER, AdaptiveLimit

from .fault_server import FaultServer
from .helpers import write_day


def test_slow_start_then_halving_on_429_then_a_probe_after_calm() -> None:
    async def scenario() -> list[int]:
        limit = AdaptiveLimit(8)
        seen = [limit.limit]  # starts at 4
        for _ in range(4):
            await limit.answered({})
        seen.append(limit.limit)  # grows by one an answer, to the ceiling
        await limit.refused(cut_seen=0)
        await limit.refused(cut_seen=0)  # the same congestion: no second cut
        seen.append(limit.limit)
        for _ in range(3):
            await limit.answered({})
        seen.append(limit.limit)  # back up to one below where it hit, and held there
        for _ in range(PROBE_AFTER):
            await limit.answered({})
        seen.append(limit.limit)  # a calm stretch: one probe higher
        limit.in_flight = 5
        await limit.answered({"x-ratelimit-remaining-requests": "1"})
        seen.append(limit.limit)  # the server says 1 is left: follow it before a 429
        return seen

    assert asyncio.run(scenario()) == [4, 8, 4, 7, 8, 2]


def test_a_server_that_allows_three_in_flight_loses_no_story(tmp_path: Path) -> None:
    write_day(tmp_path, stories=30)
    with FaultServer(latency=0.15, max_in_flight=3, retry_after_ms=100) as server:
        briefing = summarize(
            [tmp_path], settings=Settings(api_key="k", base_url=server.base_url, max_retry_wait=1)
        )
    refused = server.outcomes["429 over the limit"]
    assert briefing.failed_stories == [] and len(briefing.stories) == 30
    assert refused <= 0.1 * len(server.requests), server.outcomes
    assert server.most_in_flight == 3


def test_the_run_status_follows_the_run_for_a_progress_display(tmp_path: Path) -> None:
    from summarizer import RunStatus

    write_day(tmp_path, stories=5)
    status = RunStatus()
    seen: list[tuple[int, int]] = []
    with FaultServer(failure_rate=0.4, faults=["500"], seed=2) as server:
        summarize(
            [tmp_path],
            settings=Settings(api_key="k", base_url=server.base_url, max_retry_wait=0.01),
            status=status,
            on_story=lambda group, result: seen.append((status.done, status.stories)),
        )
    assert sorted(seen) == [(n, 5) for n in range(1, 6)]
    assert status.usage.requests == len(server.requests) - status.usage.retries
    assert status.usage.retries == server.outcomes["500"] > 0
    assert status.in_flight == 0


def test_when_the_tokens_left_will_not_do_it_waits_for_their_reset() -> None:
    import time

    from summarizer.extract._limiter import reset_seconds

    assert [reset_seconds(v) for v in ("1s", "6m0s", "200ms", "1h2m3.5s", "", None)] == [
        1.0, 360.0, 0.2, 3723.5, None, None
    ]  # fmt: skip

    async def scenario() -> tuple[float, float]:
        limit = AdaptiveLimit(8)
        await limit.answered(
            {"x-ratelimit-remaining-tokens": "1000", "x-ratelimit-reset-tokens": "300ms"}
        )
        started = time.monotonic()
        async with limit.slot(tokens=800):  # 800 of the 1,000 left: at once
            pass
        fits = time.monotonic() - started
        started = time.monotonic()
        async with limit.slot(tokens=800):  # 200 left: wait for the reset
            pass
        return fits, time.monotonic() - started

    fits, waited = asyncio.run(scenario())
    assert fits < 0.05 and 0.2 <= waited < 1.0


def test_a_run_starts_at_the_pace_the_endpoint_held_in_the_last_one() -> None:
    async def scenario() -> list[tuple[int, int, tuple[int, bool]]]:
        seen = []
        for learned in (None, (8, False), (3, True), (12, False)):
            limit = AdaptiveLimit(8, learned)
            start, threshold = limit.limit, limit.threshold
            seen.append((start, threshold, limit.learned()))
        return seen

    assert asyncio.run(scenario()) == [
        (4, 8, (4, False)),  # nothing known: the slow start
        (8, 8, (8, False)),  # never refused: at the ceiling from the first request
        (3, 3, (3, True)),  # it held 3: start there, and probe above only after a calm stretch
        (8, 8, (8, False)),  # a ceiling lowered since: the ceiling still rules
    ]

    async def limited_run() -> tuple[int, bool]:
        limit = AdaptiveLimit(8)
        for _ in range(4):
            await limit.answered({})
        await limit.refused(cut_seen=0)  # 8 was too many: cut to 4, threshold 7
        await limit.answered({})
        return limit.learned()

    assert asyncio.run(limited_run()) == (5, True)


def test_the_store_remembers_the_pace_for_the_next_run(tmp_path: Path) -> None:
    from summarizer import Store

    (tmp_path / "day").mkdir()
    write_day(tmp_path / "day", stories=12)
    store_path = tmp_path / "store.db"
    sent_at_once: list[int] = []
    for _ in range(2):
        with FaultServer(latency=0.2, max_in_flight=3, retry_after_ms=100) as server:
            settings = Settings(api_key="k", base_url=server.base_url, max_retry_wait=1)
            briefing = summarize(
                [tmp_path / "day"], settings=settings, store=store_path, refresh=True
            )
            assert len(briefing.stories) == 12
            sent_at_once.append(server.outcomes["429 over the limit"])
            base_url = server.base_url
    with Store(store_path) as store:
        assert store.pace(f"{base_url} gpt-4o-mini") == (3, True)
        assert store.pace("http://elsewhere/v1 gpt-4o-mini") is None
    # The first run found the limit by a refusal; the second started at 3 and probed above it
    # at most once.
    assert sent_at_once[0] >= 1 and sent_at_once[1] <= 1
