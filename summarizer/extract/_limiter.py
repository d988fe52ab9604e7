"""Concurrency that follows the endpoint: how many requests may be in flight, adjusted as the
server answers.

`SUMMARIZER_CONCURRENCY` is the ceiling. The run starts at 4 (or the ceiling, if lower) and grows
by one with every answer up to the ceiling, as TCP's slow start does, so a fast endpoint is
filled within a few round trips and a limited one refuses at most the first probe. A 429, or
`x-ratelimit-remaining-requests` below the number in flight, lowers the limit: a 429 halves it
(once per congestion: answers to requests sent before the cut do not cut again) and remembers
one less than where it hit as a threshold; past the threshold the limit grows by one only after a
run of answers without refusal, so a server that allows 3 in flight sees a probe at 4 now and
then, not a wave of refusals (additive increase, multiplicative decrease). When
`x-ratelimit-remaining-tokens` says the next request's tokens are not left, it waits for
`x-ratelimit-reset-tokens` instead of sending a request bound to be refused.

The slow start costs a round trip at the start of every run (40 stories at a ceiling of 8 take
six round trips, not five). With a store, a run starts where the endpoint's last run ended
(`learned`): at the ceiling for an endpoint that never refused, at the held pace (and probing
above it only slowly) for one that did.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

__all__ = ["AdaptiveLimit"]

logger = logging.getLogger("summarizer")

START = 4  # requests in flight before the endpoint has answered
PROBE_AFTER = 20  # answers without refusal before growing past the threshold
LONGEST_TOKEN_WAIT = 60.0  # seconds: a reset further off than this is left to the 429 and retry
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


def reset_seconds(value: str | None) -> float | None:
    """OpenAI's reset durations: '1s', '6m0s', '200ms', '1h2m3.5s'."""
    if not value:
        return None
    parts = _DURATION.findall(value)
    if not parts:
        return None
    scale = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
    return sum(float(number) * scale[unit] for number, unit in parts)


def _header_int(headers: Mapping[str, str] | None, name: str) -> int | None:
    value = headers.get(name) if headers is not None else None
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


class AdaptiveLimit:
    """An asyncio limit on requests in flight that moves between 1 and `ceiling`."""

    def __init__(self, ceiling: int, learned: tuple[int, bool] | None = None) -> None:
        """`learned`: the pace an earlier run ended at, and whether the endpoint limited it."""
        self.ceiling = max(1, ceiling)
        self.limit = min(START, self.ceiling)
        self.threshold = self.ceiling
        if learned is not None:
            held, limited = learned
            self.limit = max(1, min(held, self.ceiling))
            if limited:
                self.threshold = self.limit
        self.answers = 0
        self.in_flight = 0
        self.refusals = 0
        self._cut = 0  # how many times the limit was cut: a request remembers the count it saw
        self._calm = 0
        self._condition = asyncio.Condition()
        self.tokens_left: int | None = None
        self.tokens_reset_at = 0.0

    @asynccontextmanager
    async def slot(self, tokens: int = 0) -> AsyncIterator[int]:
        """Hold one place in flight for a request of about `tokens`; yields the cut count at the
        start, for `refused`."""
        async with self._condition:
            await self._condition.wait_for(lambda: self.in_flight < self.limit)
            self.in_flight += 1
            wait = self._token_wait(tokens)
        if wait > 0:
            logger.info("waiting %.1fs for the token limit to reset", wait)
            await asyncio.sleep(wait)
        try:
            yield self._cut
        finally:
            async with self._condition:
                self.in_flight -= 1
                self._condition.notify_all()

    def _token_wait(self, tokens: int) -> float:
        if self.tokens_left is None:
            return 0.0
        if tokens <= self.tokens_left:
            self.tokens_left -= tokens
            return 0.0
        wait = self.tokens_reset_at - time.monotonic()
        self.tokens_left = None  # unknown again after the reset
        return wait if 0 < wait <= LONGEST_TOKEN_WAIT else 0.0

    async def answered(self, headers: Mapping[str, str] | None) -> None:
        """An answer came (any but a 429): grow, or follow what the server says is left."""
        async with self._condition:
            self.answers += 1
            tokens_left = _header_int(headers, "x-ratelimit-remaining-tokens")
            reset = reset_seconds((headers or {}).get("x-ratelimit-reset-tokens"))
            if tokens_left is not None and reset is not None:
                self.tokens_left, self.tokens_reset_at = tokens_left, time.monotonic() + reset
            remaining = _header_int(headers, "x-ratelimit-remaining-requests")
            if remaining is not None and remaining < self.in_flight:
                self._set(max(1, remaining + 1), "x-ratelimit-remaining-requests")
            elif self.limit < self.threshold:
                self._set(self.limit + 1, None)
            elif self.limit < self.ceiling:
                self._calm += 1
                if self._calm >= PROBE_AFTER:
                    self._calm = 0
                    self._set(self.limit + 1, None)
            self._condition.notify_all()

    async def refused(self, cut_seen: int) -> None:
        """A 429: halve the limit, unless it was already cut since this request started."""
        async with self._condition:
            self.refusals += 1
            if cut_seen != self._cut:
                return
            self._cut += 1
            self._calm = 0
            self.threshold = max(1, self.limit - 1)
            self._set(max(1, self.limit // 2), "HTTP 429")

    def learned(self) -> tuple[int, bool]:
        """The pace to start the next run at, and whether the endpoint limited this one."""
        limited = self.refusals > 0 or self.threshold < self.ceiling
        return (min(self.limit, self.threshold) if limited else self.limit), limited

    def _set(self, limit: int, reason: str | None) -> None:
        limit = min(limit, self.ceiling)
        if limit != self.limit and reason is not None:
            logger.info("requests in flight: %d → %d (%s)", self.limit, limit, reason)
        self.limit = limit
