"""Budgets: a per-run limit on tokens and on cost; the run stops calling before passing either.
And the model's context window: what one request may hold, prompt and answer together.

Before each request the run projects what it would have spent after it — tokens so far, plus the
prompt (estimated), plus the most the answer may use (`max_output_tokens`) — and refuses the call
when that passes a limit. Cost comes from a price table in US dollars per million tokens, which
users extend or correct with `SUMMARIZER_PRICES='{"model": [input, output]}'`.

`ContextWindow` is what a run knows of the window (the server said it when probed, the store
remembered it, or a refusal stated it) and how it counts a prompt against it: with the server's
own tokenizer where it has one, else with the estimate times a factor measured on the server's
counts. `stated_limits` reads the window, the prompt's tokens and the answer's ceiling out of a
refusal, in each server's words.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .._errors import BudgetExhausted
from .._redact import error_message, one_line
from .._schema import Usage

__all__ = [
    "Budget",
    "CHARACTERS_PER_TOKEN",
    "ContextWindow",
    "DEFAULT_PRICES",
    "FIRST_CONTACT_FACTOR",
    "MEASURED_MARGIN",
    "MIN_ANSWER_TOKENS",
    "MIN_ARTICLE_TOKENS",
    "Price",
    "PromptCount",
    "StatedLimits",
    "TEMPLATE_TOKENS",
    "estimate_tokens",
    "stated_limits",
]

logger = logging.getLogger("summarizer")

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


# --- the context window -------------------------------------------------------------------------

# Where the server has no tokenizer to ask, the estimate (four characters a token) is taken 5%
# long. The seeds' JSON-mode request, 29,211 characters, is 7,302 tokens by the estimate; the
# issue's llama-cpp-python run counted 8,431 of it, the same server (0.3.36, SmolLM2) counted
# 7,037 here (its tokenizer: 4,442 for the system message, 2,581 for the articles). At 1.05 the
# estimate is 7,699 with the template's tokens: within 10% of both counts, and never 15% short
# as the plain estimate was. A refusal stating the prompt's tokens measures it again.
FIRST_CONTACT_FACTOR = 1.05
# A factor measured on one text is taken this much long for another: the same tokenizer counts
# a schema's punctuation and an article's prose a little differently.
MEASURED_MARGIN = 1.03
# Tokens a chat template adds around each message (role markers, separators): measured 7 a
# message with SmolLM2's ChatML template on llama-cpp-python (7,037 prompt tokens for two
# messages its tokenizer counted as 7,023).
TEMPLATE_TOKENS = 16
# A prompt may not leave less than this for the answer, nor a part hold less article text.
MIN_ANSWER_TOKENS = 512
MIN_ARTICLE_TOKENS = 256
# An answer that stopped within this many tokens of the window filled it: llama.cpp stops a slot
# when the prompt and the answer reach n_ctx - 1 (tools/server/server-context.cpp).
_FILL_SLACK = 32


def _margin(window: int) -> int:
    """Tokens a request leaves free: a BOS, the template's ends, a count a little off."""
    return 64 + window // 50


@dataclass(frozen=True)
class PromptCount:
    """A prompt's tokens as counted before sending: `tokens` what is assumed, `raw` what the
    tokenizer (`exact`) or the estimate said of the text before the factor and the template."""

    tokens: int
    raw: int
    exact: bool
    messages: int


@dataclass(frozen=True)
class StatedLimits:
    """What a refusal said: the window, the refused prompt's tokens, the answer's ceiling."""

    window: int | None = None
    prompt: int | None = None
    output: int | None = None
    message: str = ""


def _number(text: str) -> int:
    return int(text.replace(",", ""))


_N = r"(\d[\d,]*)"
# Each server's words, from its source:
# - llama-cpp-python (llama_cpp/server/errors.py, context_length_exceeded) and vLLM before the
#   renderer (entrypoints/openai/serving_engine.py): "This model's maximum context length is 8192
#   tokens. However, you requested 24815 tokens (8431 in the messages, 16384 in the completion)."
# - vLLM 0.6-0.10: "... However, you requested 64 output tokens and your prompt contains at least
#   8129 input tokens, for a total of at least 8193 tokens." and "'max_tokens' or
#   'max_completion_tokens' is too large: 8000. This model's maximum context length is 4096 tokens
#   and your request has 2778 input tokens (8000 > 4096 - 2778)."
# - vLLM's renderer (vllm/renderers/params.py): "You passed 9000 input tokens and requested 64
#   output tokens. However, the model's context length is only 8192 tokens, ..."
# - OpenAI: "This model's maximum context length is 128000 tokens. However, your messages
#   resulted in 130000 tokens." and, for the answer's ceiling, "max_tokens is too large: 20000.
#   This model supports at most 16384 completion tokens, whereas you provided 20000."
# - llama.cpp (tools/server/server-context.cpp, `exceed_context_size_error`, HTTP 400, with
#   `n_prompt_tokens` and `n_ctx` in the body): "request (8431 tokens) exceeds the available
#   context size (8192 tokens), try increasing it" and "input (8431 tokens) is larger than the max
#   context size (8192 tokens). skipping".
_WINDOW_WORDS = (
    re.compile(rf"maximum context length is {_N} tokens", re.I),
    re.compile(rf"context length is only {_N} tokens", re.I),
    re.compile(rf"available context size \({_N} tokens\)", re.I),
    re.compile(rf"max context size \({_N} tokens\)", re.I),
)
_PROMPT_WORDS = (
    re.compile(rf"\({_N} in the messages", re.I),
    re.compile(rf"\({_N} in your prompt", re.I),
    re.compile(rf"prompt contains (?:at least )?{_N} input tokens", re.I),
    re.compile(rf"request has {_N} input tokens", re.I),
    re.compile(rf"you passed {_N} input tokens", re.I),
    re.compile(rf"messages resulted in {_N} tokens", re.I),
    re.compile(rf"(?:request|input) \({_N} tokens\)", re.I),
)
_OUTPUT_WORDS = (re.compile(rf"supports at most {_N} completion tokens", re.I),)


def _first(patterns: tuple[re.Pattern[str], ...], text: str) -> int | None:
    for pattern in patterns:
        found = pattern.search(text)
        if found is not None:
            return _number(found[1])
    return None


def _field(body: object, name: str) -> int | None:
    """`name` in an error body or in its `error` object (llama.cpp's `n_ctx`)."""
    for place in (body, body.get("error") if isinstance(body, dict) else None):
        value = place.get(name) if isinstance(place, dict) else None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def stated_limits(body: object, message: str | None = None) -> StatedLimits | None:
    """The limits a refusal states, from its JSON `body` and its `message`; None if it states
    none (a refusal for another reason)."""
    said = message if message is not None else error_message(body) or ""
    window = _field(body, "n_ctx") or _first(_WINDOW_WORDS, said)
    prompt = _field(body, "n_prompt_tokens") or _first(_PROMPT_WORDS, said)
    output = _first(_OUTPUT_WORDS, said)
    if window is None and output is None:
        return None
    return StatedLimits(window, prompt, output, one_line(said, 200))


Counter = Callable[[str], Awaitable[int | None]]


class ContextWindow:
    """What a run knows of its model's context window, shared by every story of the run.

    `tokens` is the window (None: not known); `ceiling` the most an answer is asked for
    (SUMMARIZER_MAX_OUTPUT_TOKENS); `context_tokens` the prompt budget SUMMARIZER_CONTEXT_TOKENS
    sets. A window that leaves room for both (a hosted model's 128,000 tokens) does not `bind`,
    and requests are sized as without it. One that binds sizes a story's parts to what it holds
    once the answer has room (half the window, at most `ceiling`), and caps each request's answer
    to what the window leaves after its prompt. A value the user set wins: parts of
    SUMMARIZER_CONTEXT_TOKENS as set, answers of SUMMARIZER_MAX_OUTPUT_TOKENS at most — though
    never asked past what the window leaves, which the server would refuse or cut.

    What the run learns — a window a refusal states, an answer's ceiling, how far the estimate is
    from the server's counts — changes `version` and is passed to `on_change` (the store).
    """

    def __init__(
        self,
        tokens: int | None,
        source: str,
        *,
        ceiling: int,
        context_tokens: int,
        context_set: bool = False,
        output_set: bool = False,
        output_limit: int | None = None,
        estimate_factor: float | None = None,
        tokenizer_factor: float = 1.0,
        counter: Counter | None = None,
        on_change: Callable[[ContextWindow], None] | None = None,
    ) -> None:
        self.tokens, self.source = tokens, source
        self.asked, self.output_limit = ceiling, output_limit
        self.context_tokens = context_tokens
        self.context_set, self.output_set = context_set, output_set
        self.estimate_factor = estimate_factor or FIRST_CONTACT_FACTOR
        self.measured = estimate_factor is not None
        self.tokenizer_factor = tokenizer_factor
        self.counter = counter
        self.on_change = on_change
        self.version = 0

    # --- what the window allows -----------------------------------------------------------------

    @property
    def known(self) -> bool:
        return self.tokens is not None

    @property
    def ceiling(self) -> int:
        """The most an answer is asked for: the setting, or less if the model said it takes less."""
        if self.output_limit is None:
            return self.asked
        return min(self.asked, self.output_limit)

    @property
    def margin(self) -> int:
        return _margin(self.tokens or 0)

    @property
    def binds(self) -> bool:
        """Whether requests sized without the window (a prompt of `context_tokens`, an answer of
        `ceiling`) could pass it."""
        if self.tokens is None:
            return False
        return self.context_tokens + self.ceiling + self.margin > self.tokens

    def derived_budget(self) -> int:
        """The prompt tokens a part may hold in this window with room for its answer."""
        assert self.tokens is not None
        return self.tokens - min(self.ceiling, self.tokens // 2) - self.margin

    def prompt_budget(self) -> int:
        """The prompt tokens a part may hold."""
        if not self.binds or self.context_set:
            return self.context_tokens
        return min(self.context_tokens, self.derived_budget())

    def room(self, prompt: int) -> int:
        """The answer tokens the window leaves after `prompt` (unbounded when not known)."""
        if self.tokens is None:
            return self.ceiling * 2
        return self.tokens - prompt - self.margin

    def answer_tokens(self, prompt: int) -> int:
        """What a request with `prompt` asks the answer to fit in."""
        if not self.binds:
            return self.ceiling
        return max(min(self.ceiling, self.room(prompt)), 1)

    def filled(self, prompt: int, completion: int) -> bool:
        """Whether an answer of `completion` tokens after `prompt` reached the window."""
        return self.tokens is not None and prompt + completion >= self.tokens - _FILL_SLACK

    def shown(self) -> str:
        """The window, as a message names it: "the model's 4,096-token context window (...)"."""
        return f"the model's {self.tokens or 0:,}-token context window ({self.source})"

    # --- counting -------------------------------------------------------------------------------

    def estimate_chars(self, characters: int, messages: int, factor: float | None = None) -> int:
        """The tokens a prompt of `characters` in `messages` messages is assumed to hold: the
        estimate times `factor` (by default the window's, measured on the endpoint)."""
        raw = characters // CHARACTERS_PER_TOKEN
        scale = factor if factor is not None else self.estimate_factor
        return math.ceil(raw * scale) + TEMPLATE_TOKENS * messages

    async def count(self, text: str, messages: int) -> PromptCount:
        """The prompt `text` (its messages' text, and the tools where they are part of the prompt)
        counted: by the server's tokenizer where it has one, else estimated.

        Nothing a count finds changes how the next is made: the same text is counted the same
        in every run, so a rerun sends the requests the store has answers for. Only a refusal
        that states the prompt's tokens (`learn`) corrects the counting."""
        estimated = estimate_tokens(text)
        counted = await self.counter(text) if self.counter is not None else None
        if counted is None:
            tokens = math.ceil(estimated * self.estimate_factor) + TEMPLATE_TOKENS * messages
            return PromptCount(tokens, estimated, False, messages)
        tokens = math.ceil(counted * self.tokenizer_factor) + TEMPLATE_TOKENS * messages
        return PromptCount(tokens, counted, True, messages)

    def _set_estimate_factor(self, factor: float) -> bool:
        factor = min(max(factor, 0.25), 4.0)
        changed = abs(factor - self.estimate_factor) > 0.02 * self.estimate_factor
        self.estimate_factor, self.measured = factor, True
        return changed

    def _calibrate(self, counted: PromptCount, actual: int) -> bool:
        """The server's own count, `actual`, of a prompt counted as `counted` (a refusal's): the
        next count is taken at its scale. Whether that changed it."""
        body = actual - TEMPLATE_TOKENS * counted.messages
        if counted.raw <= 0 or body <= 0:
            return False
        if counted.exact:
            # A tokenizer is right about the text; only what it did not see (a template's
            # tools, say) makes the server count more. It is never taken below itself.
            factor = max(body / counted.raw, 1.0)
            changed = abs(factor - self.tokenizer_factor) > 0.02 * self.tokenizer_factor
            self.tokenizer_factor = factor
        else:
            changed = self._set_estimate_factor(body / counted.raw * MEASURED_MARGIN)
        return changed

    # --- learning -------------------------------------------------------------------------------

    def learn(
        self,
        stated: StatedLimits,
        counted: PromptCount | None = None,
        *,
        source: str = "as the server said when it refused a request",
    ) -> bool:
        """Take in what a refusal stated (or an answer showed: `source`); whether anything
        changed (a request sized again now would be sized otherwise)."""
        changed = False
        if stated.window is not None and stated.window != self.tokens:
            self.tokens = stated.window
            self.source = source
            changed = True
        if stated.output is not None and stated.output < self.ceiling:
            self.output_limit = stated.output
            changed = True
        if stated.prompt is not None and counted is not None and stated.prompt > counted.tokens:
            changed = self._calibrate(counted, stated.prompt) or changed
        if changed:
            self._changed()
        return changed

    def _changed(self) -> None:
        self.version += 1
        if self.on_change is not None:
            self.on_change(self)

    def remembered(self) -> dict[str, Any]:
        """What the store keeps of it for the next run at this endpoint and model."""
        return {
            "tokens": self.tokens,
            "source": self.source,
            "output_limit": self.output_limit,
            "estimate_factor": self.estimate_factor if self.measured else None,
            "tokenizer_factor": self.tokenizer_factor,
        }

    def said_at_start(self) -> str | None:
        """What the run says at its start of a set value the window does not agree with."""
        if not self.binds or self.tokens is None:
            return None
        derived = self.derived_budget()
        if self.context_set and self.context_tokens > derived:
            return (
                f"SUMMARIZER_CONTEXT_TOKENS={self.context_tokens:,} is used as set, though "
                f"{self.shown()} leaves {max(derived, 0):,} prompt tokens with room for the answer"
            )
        if self.output_set and self.ceiling + MIN_ANSWER_TOKENS > self.tokens:
            return (
                f"SUMMARIZER_MAX_OUTPUT_TOKENS={self.ceiling:,} is used as set, but never past "
                f"what {self.shown()} leaves after a request's prompt"
            )
        return None
