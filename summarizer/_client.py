"""The model client: the `openai` client, patched by instructor, with transport retries.

Two kinds of failure, two mechanisms:
- transport failures (429, 5xx, timeouts, dropped connections) are retried here with tenacity,
  honouring Retry-After, with jittered exponential backoff, bounded in attempts; the prompt is
  never touched.
- validation failures (bad JSON, a schema violation, a quote not in its article) are re-asked to
  the model by instructor, which appends the error to the conversation.
The openai client's own retries are off, so the two never multiply.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import instructor
import openai
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from ._backends import RequestPlan
from ._budget import Budget, estimate_tokens
from ._errors import ConfigurationError
from ._replay import is_unrecorded_request
from ._schema import Usage
from ._settings import ExtractionMode, Settings

__all__ = [
    "RETRIED_STATUS",
    "RequestCount",
    "StructuredCreate",
    "citing",
    "counting_requests",
    "make_structured_create",
    "retry_after_seconds",
]

logger = logging.getLogger("summarizer")

StructuredCreate = Callable[..., Awaitable[Any]]

_MODES = {
    ExtractionMode.TOOLS: instructor.Mode.TOOLS,
    ExtractionMode.STRICT: instructor.Mode.JSON_SCHEMA,
    ExtractionMode.JSON_SCHEMA: instructor.Mode.JSON_SCHEMA,
    ExtractionMode.JSON: instructor.Mode.JSON,
}
RETRIED_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})

NO_ENDPOINT = (
    "no API key and no base URL: set OPENAI_API_KEY for OpenAI, or point --base-url "
    "(OPENAI_BASE_URL) at a local OpenAI-compatible server, e.g. http://localhost:11434/v1 "
    "for Ollama, http://localhost:8000/v1 for vLLM, http://localhost:1234/v1 for LM Studio"
)


@dataclass
class RequestCount:
    """Requests sent while `counting_requests` was active: the first, then any re-asks."""

    sent: int = 0


_REQUEST_COUNT: ContextVar[RequestCount | None] = ContextVar("request_count", default=None)
_CITABLE_IDS: ContextVar[Sequence[str] | None] = ContextVar("citable_ids", default=None)


@contextmanager
def counting_requests() -> Iterator[RequestCount]:
    """Count the requests sent (first attempts and re-asks, not transport retries) in the block."""
    count = RequestCount()
    token = _REQUEST_COUNT.set(count)
    try:
        yield count
    finally:
        _REQUEST_COUNT.reset(token)


@contextmanager
def citing(article_ids: Sequence[str]) -> Iterator[None]:
    """Requests sent in the block offer exactly these article ids to cite."""
    token = _CITABLE_IDS.set(list(article_ids))
    try:
        yield
    finally:
        _CITABLE_IDS.reset(token)


def _is_transient(exception: BaseException) -> bool:
    if isinstance(exception, openai.APIConnectionError):  # includes timeouts
        return not is_unrecorded_request(exception.__cause__)
    if isinstance(exception, openai.APIStatusError):
        return exception.status_code in RETRIED_STATUS
    return False


def retry_after_seconds(exception: BaseException | None) -> float | None:
    """The wait a 429 or 503 asks for, from `retry-after-ms` or `retry-after` (seconds or date)."""
    response = getattr(exception, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    if (milliseconds := headers.get("retry-after-ms")) is not None:
        try:
            return max(float(milliseconds) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
        return None if parsed is None else max(parsed.timestamp() - time.time(), 0.0)


class _WaitRetryAfterOrBackoff:
    def __init__(self, max_wait: float) -> None:
        self._max_wait = max_wait
        self._backoff = wait_random_exponential(multiplier=0.5, max=max_wait)

    def __call__(self, state: RetryCallState) -> float:
        outcome = state.outcome
        asked = retry_after_seconds(outcome.exception() if outcome else None)
        if asked is not None:
            return min(asked, self._max_wait)
        return float(self._backoff(state))


def _log_retry(state: RetryCallState) -> None:
    outcome = state.outcome
    error = outcome.exception() if outcome else None
    status = getattr(error, "status_code", None)
    what = f"HTTP {status}" if status else type(error).__name__
    wait = state.next_action.sleep if state.next_action else 0.0
    logger.warning(
        "request failed (%s), attempt %d; retrying in %.2fs", what, state.attempt_number, wait
    )


def _request_tokens(kwargs: dict[str, Any]) -> int:
    """What the budget counts for a request: its messages and its schema, estimated."""
    schema = kwargs.get("tools") or kwargs.get("response_format") or ""
    return estimate_tokens(json.dumps(kwargs.get("messages", [])) + json.dumps(schema))


def make_structured_create(settings: Settings, usage: Usage, plan: RequestPlan) -> StructuredCreate:
    """An instructor-patched async `create` over the real openai client, counting into `usage`.

    Every request — re-asks included — is shaped for its backend by `plan` and checked against
    the run's budget before it is sent.
    """
    if settings.api_key is None and settings.base_url is None:
        raise ConfigurationError(NO_ENDPOINT)
    client = openai.AsyncOpenAI(
        # Local servers ignore the key, but the client insists on one.
        api_key=settings.api_key.get_secret_value() if settings.api_key else "no-key",
        base_url=settings.base_url,
        max_retries=0,
        timeout=settings.timeout,
    )
    budget = Budget(
        usage,
        settings.model,
        max_tokens=settings.max_run_tokens,
        max_cost_usd=settings.max_run_cost,
        prices=settings.prices,
    )

    async def create(**kwargs: Any) -> Any:
        kwargs = plan.shape_request(kwargs, _CITABLE_IDS.get())
        if (count := _REQUEST_COUNT.get()) is not None:
            count.sent += 1
        retrying = AsyncRetrying(
            retry=retry_if_exception(_is_transient),
            wait=_WaitRetryAfterOrBackoff(settings.max_retry_wait),
            stop=stop_after_attempt(settings.max_attempts)
            | stop_after_delay(settings.max_retry_time),
            before_sleep=_log_retry,
            reraise=True,
        )
        with budget.reserve(_request_tokens(kwargs), int(kwargs.get(plan.token_limit) or 0)):
            async for attempt in retrying:
                with attempt:
                    response = await client.chat.completions.create(**kwargs)
        usage.add(getattr(response, "usage", None))
        usage.cost_usd = budget.cost(usage.prompt_tokens, usage.completion_tokens)
        return response

    return instructor.patch(create=create, mode=_MODES[plan.mode])
