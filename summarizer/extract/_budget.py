"""Budgets: a per-run limit on tokens and on cost; the run stops calling before passing either.

Before each request the run projects what it would have spent after it — tokens so far, plus the
prompt (estimated), plus the most the answer may use (`max_output_tokens`) — and refuses the call
when that passes a limit. Cost comes from a price table in US dollars per million tokens, which
users extend or correct with `SUMMARIZER_PRICES='{"model": [input, output]}'`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from .._errors import BudgetExhausted
from .._schema import Usage

__all__ = ["Budget", "CHARACTERS_PER_TOKEN", "DEFAULT_PRICES", "Price", "estimate_tokens"]

# English prose with GPT-style tokenizers. An estimate, because tokenizers that work offline are
# model-specific, and tiktoken downloads its encodings at run time.
CHARACTERS_PER_TOKEN = 4


def estimate_tokens(text: str) -> int:
    """Tokens in `text`, estimated from its length."""
    return len(text) // CHARACTERS_PER_TOKEN


Price = tuple[float, float] | tuple[float, float, float]

# USD per million (input, output, cached input) tokens, as OpenAI listed them when this was
# written. A price without the third figure charges cached input at the input rate.
DEFAULT_PRICES: dict[str, Price] = {
    "gpt-4o-mini": (0.15, 0.60, 0.075),
    "gpt-4o": (2.50, 10.00, 1.25),
    "gpt-4.1": (2.00, 8.00, 0.50),
    "gpt-4.1-mini": (0.40, 1.60, 0.10),
    "gpt-4.1-nano": (0.10, 0.40, 0.025),
}


class Budget:
    """The limits of one run, checked against its `Usage` before every request."""

    def __init__(
        self,
        usage: Usage,
        model: str,
        *,
        max_tokens: int | None = None,
        max_cost_usd: float | None = None,
        prices: Mapping[str, Price] | None = None,
    ) -> None:
        self.usage = usage
        self._tokens_in_flight = 0
        self._cost_in_flight = 0.0
        self.max_tokens = max_tokens
        self.max_cost_usd = max_cost_usd
        table = {**DEFAULT_PRICES, **(prices or {})}
        self.price = table.get(model)
        if max_cost_usd is not None and self.price is None:
            from .._errors import ConfigurationError

            raise ConfigurationError(
                f"a cost limit needs the price of model {model!r}: add it to SUMMARIZER_PRICES "
                "(e.g. '{\""
                + model
                + "\": [0.15, 0.60]}', USD per million input and output tokens)"
            )

    def cost(
        self, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0
    ) -> float | None:
        """US dollars for these tokens; cached prompt tokens at the discounted rate, if listed."""
        if self.price is None:
            return None
        cached_rate = self.price[2] if len(self.price) > 2 else self.price[0]
        fresh = prompt_tokens - cached_tokens
        total = (
            fresh * self.price[0] + cached_tokens * cached_rate + completion_tokens * self.price[1]
        )
        return total / 1_000_000

    @contextmanager
    def reserve(self, prompt_tokens: int, max_output_tokens: int) -> Iterator[None]:
        """Hold room for one request while it runs; `BudgetExhausted` if there is none.

        Requests run concurrently, so what is in flight counts as spent until it returns.
        """
        tokens = prompt_tokens + max_output_tokens
        cost = self.cost(prompt_tokens, max_output_tokens) or 0.0
        spent = self.usage.total_tokens + self._tokens_in_flight
        if self.max_tokens is not None and spent + tokens > self.max_tokens:
            raise BudgetExhausted(
                f"the run's token limit ({self.max_tokens:,}) would be passed: {spent:,} used or "
                f"in flight, the next request may need up to {tokens:,}"
            )
        spent_usd = self._cost_in_flight + (
            self.cost(self.usage.prompt_tokens, self.usage.completion_tokens) or 0.0
        )
        if self.max_cost_usd is not None and spent_usd + cost > self.max_cost_usd:
            raise BudgetExhausted(
                f"the run's cost limit (${self.max_cost_usd:.2f}) would be passed: "
                f"${spent_usd:.4f} spent or in flight, the next request may cost up to ${cost:.4f}"
            )
        self._tokens_in_flight += tokens
        self._cost_in_flight += cost
        try:
            yield
        finally:
            self._tokens_in_flight -= tokens
            self._cost_in_flight -= cost
