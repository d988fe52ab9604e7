"""The model client: the `openai` client, patched by instructor, with transport retries.

Two kinds of failure, two mechanisms:
- transport failures (429, 5xx, timeouts, dropped connections) are retried here with tenacity,
  honouring Retry-After, with jittered exponential backoff, bounded in attempts; the prompt is
  never touched.
- validation failures (bad JSON, a schema violation, a quote not in its article) are re-asked to
  the model by instructor, which appends the error to the conversation.
The openai client's own retries are off, so the two never multiply.

Each attempt has a deadline, `settings.timeout`, from the request to the answer's last byte (the
client's own timeout bounds each read, so a server trickling a byte at a time would hold an
attempt forever). What an attempt brings back is bounded and checked before anything parses it
(`_http`): a body past the size limit, a redirect to another origin, or a 200 that is not a chat
completion (a gateway's error, an HTML page, not UTF-8) fails with a reason saying what the
server sent. An answer's lists and texts are then held within `_limits`, and what was cut is
reported in its story.
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import itertools
import json
import logging
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx2
import instructor
import openai
from openai.types.chat import ChatCompletion
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from .._errors import ConfigurationError
from .._http import UnusableAnswer, answer_body_limit, guarded_http_client, unusable_body
from .._redact import one_line, redact
from .._replay import is_unrecorded_request
from .._schema import DroppedItem, Usage
from .._settings import ExtractionMode, Settings
from .._store import Store, request_key
from ._backends import RequestPlan
from ._batch_answers import BATCH_DISCOUNT, BatchAnswers
from ._budget import Budget, estimate_tokens
from ._limiter import AdaptiveLimit
from ._limits import limit_answer

if TYPE_CHECKING:
    from ._batch import ReaskBatches

__all__ = [
    "RETRIED_STATUS",
    "RequestChain",
    "StructuredCreate",
    "chain",
    "citing",
    "make_structured_create",
    "model_client",
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
class RequestChain:
    """The requests of one story (or part of one) while `chain` is active: the first, then any
    re-asks; what they cost, and where the store holds them."""

    story_id: str | None = None
    sent: int = 0
    first_key: str | None = None
    last_response: dict[str, Any] | None = None
    last_exchange: int | None = None
    from_cache: bool = False
    usage: Usage = field(default_factory=Usage)
    cut: list[DroppedItem] = field(default_factory=list)
    """What the limits cut from the last answer (see `_limits`)."""


def _check_each_response_model_once() -> None:
    """instructor looks through the whole response model for async validators (which it cannot
    run) six times per request: 7 ms of a request's 20 ms of local work with the geopolitical
    schema, measured with benchmarks/concurrency.py. A class's answer does not change, so a model
    that passed is not looked through again; one that fails still fails every time. Should a
    later instructor move the function, nothing is changed (tests/test_backends.py says so)."""
    try:
        from instructor.v2.validation import async_validators

        check: Callable[[Any], None] = async_validators.reject_async_validators
    except (ImportError, AttributeError):
        return
    if getattr(check, "__wrapped__", None) is not None:
        return
    passed: set[Any] = set()

    @functools.wraps(check)
    def check_once(response_model: Any) -> None:
        try:
            if response_model in passed:
                return
        except TypeError:  # unhashable: look every time
            check(response_model)
            return
        check(response_model)
        passed.add(response_model)

    # instructor imports the function where it calls it, and in a few modules at their top.
    for name, module in list(sys.modules.items()):
        if (
            name.startswith("instructor")
            and getattr(module, "reject_async_validators", None) is check
        ):
            module.reject_async_validators = check_once  # type: ignore[attr-defined]


_check_each_response_model_once()

_CHAIN: ContextVar[RequestChain | None] = ContextVar("request_chain", default=None)
_CITABLE_IDS: ContextVar[Sequence[str] | None] = ContextVar("citable_ids", default=None)


@contextmanager
def chain(story_id: str | None = None) -> Iterator[RequestChain]:
    """Follow the requests sent in the block (first attempts and re-asks, not transport retries)."""
    current = RequestChain(story_id=story_id)
    token = _CHAIN.set(current)
    try:
        yield current
    finally:
        _CHAIN.reset(token)


@contextmanager
def citing(article_ids: Sequence[str]) -> Iterator[None]:
    """Requests sent in the block offer exactly these article ids to cite."""
    token = _CITABLE_IDS.set(list(article_ids))
    try:
        yield
    finally:
        _CITABLE_IDS.reset(token)


def _is_transient(exception: BaseException) -> bool:
    if isinstance(exception, UnusableAnswer):
        return exception.transient
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


def _reask_errors(kwargs: dict[str, Any]) -> str | None:
    """The verification errors a re-ask sends back: the text of its last message."""
    messages = kwargs.get("messages") or []
    content = messages[-1].get("content") if messages else None
    return content if isinstance(content, str) else None


def model_client(settings: Settings) -> openai.AsyncOpenAI:
    """The openai client for the run's endpoint, without its own retries (tenacity's are ours),
    over an httpx client that refuses a redirect to another origin and a body past the limit.
    Close it (`async with`) before the event loop ends: its pooled keep-alive connections would
    otherwise be closed by the garbage collector on a loop that is gone, with a traceback."""
    if settings.api_key is None and settings.base_url is None:
        raise ConfigurationError(NO_ENDPOINT)
    secrets = settings.secrets()
    return openai.AsyncOpenAI(
        # Local servers ignore the key, but the client insists on one.
        api_key=settings.api_key.get_secret_value() if settings.api_key else "no-key",
        base_url=settings.base_url,
        max_retries=0,
        timeout=settings.timeout,
        http_client=guarded_http_client(
            body_limit=answer_body_limit(settings.max_output_tokens), secrets=secrets
        ),
    )


def _completion_request(client: openai.AsyncOpenAI) -> httpx2.Request:
    """The request an attempt sends, as far as an error about it needs to say."""
    return httpx2.Request("POST", client.base_url.join("chat/completions"))


def _limit(response: Any, current: RequestChain | None) -> Any:
    """`response` with its answer held within `_limits`; what was cut goes to the chain."""
    cut: list[DroppedItem] = []
    try:
        message = response.choices[0].message
    except (AttributeError, IndexError, TypeError):
        message = None
    calls = getattr(message, "tool_calls", None) or []
    function = getattr(calls[0], "function", None) if calls else None
    if function is not None and isinstance(getattr(function, "arguments", None), str):
        function.arguments, cut = limit_answer(function.arguments)
    elif message is not None and isinstance(getattr(message, "content", None), str):
        message.content, cut = limit_answer(message.content)
    if cut:
        what = "; ".join(f"{item.summary} ({item.kind})" for item in cut)
        logger.warning("an answer went past the limits and was cut: %s", what)
    if current is not None:
        current.cut = cut
    return response


def make_structured_create(
    settings: Settings,
    usage: Usage,
    plan: RequestPlan,
    *,
    store: Store | None = None,
    run_id: str | None = None,
    in_flight: AdaptiveLimit | None = None,
    batch: BatchAnswers | None = None,
    reask_batches: ReaskBatches | None = None,
    client: openai.AsyncOpenAI | None = None,
) -> StructuredCreate:
    """An instructor-patched async `create` over the real openai client, counting into `usage`.

    Every request — re-asks included — is shaped for its backend by `plan` and checked against
    the run's budget before it is sent. With a `store`, every exchange is recorded there, and the
    first request of a story whose answer the store holds (it passed verification before) is
    answered from it without a call, unless `settings.refresh`. The caller closes `client`
    (`model_client`) when the run is over.
    """
    client = client or model_client(settings)
    secrets = settings.secrets()
    budget = Budget(
        usage,
        settings.model,
        max_tokens=settings.max_run_tokens,
        max_cost_usd=settings.max_run_cost,
        prices=settings.prices,
    )
    usage.cost_usd = budget.cost(0, 0)  # $0, not unknown, for a priced model before any call
    in_flight = in_flight or AdaptiveLimit(settings.concurrency)
    reask_numbers = itertools.count(1)

    def before_sleep(state: RetryCallState) -> None:
        usage.retries += 1
        _log_retry(state)

    async def within_deadline(kwargs: dict[str, Any]) -> Any:
        """The request and its whole answer within `settings.timeout`, whatever the server
        trickles: the client's own timeout is per read."""
        try:
            async with asyncio.timeout(settings.timeout):
                return await client.chat.completions.with_raw_response.create(**kwargs)
        except TimeoutError:
            raise openai.APITimeoutError(_completion_request(client)) from None

    async def send(kwargs: dict[str, Any], tokens: int) -> Any:
        """One attempt, in a place the endpoint's pace allows; its headers steer the pace."""
        async with in_flight.slot(tokens) as cut_seen:
            try:
                raw = await within_deadline(kwargs)
            except openai.APIStatusError as error:
                if error.status_code == 429:
                    await in_flight.refused(cut_seen)
                else:
                    await in_flight.answered(error.response.headers)
                raise
            await in_flight.answered(raw.headers)
        problem = unusable_body(
            raw.status_code, raw.content, raw.headers.get("content-type", ""), secrets
        )
        if problem is not None:
            # A gateway between us and the model (its error in a 200, its HTML page): another
            # attempt may well reach the model.
            raise UnusableAnswer(problem, raw.http_request, transient=True)
        # Answers come in bursts: let a request waiting for the place just freed go out before
        # this answer is parsed and verified, or the next burst waits for all of this one.
        await asyncio.sleep(0)
        return raw.parse()

    def record(current: RequestChain | None, **values: Any) -> int | None:
        if store is None or run_id is None:
            return None
        return store.record_exchange(
            run_id=run_id, story_id=current.story_id if current else None, **values
        )

    def account(
        current: RequestChain | None,
        response: Any,
        body: dict[str, Any],
        exchange: int | None,
        price_share: float,
    ) -> None:
        """Count an answer's tokens and cost, for the run and for its story."""
        tokens = getattr(response, "usage", None)
        details = getattr(tokens, "prompt_tokens_details", None)
        spent = budget.cost(
            getattr(tokens, "prompt_tokens", 0) or 0,
            getattr(tokens, "completion_tokens", 0) or 0,
            getattr(details, "cached_tokens", 0) or 0,
        )
        for total in (usage, current.usage if current is not None else None):
            if total is None:
                continue
            total.add(tokens)
            if spent is not None:
                total.cost_usd = (total.cost_usd or 0.0) + spent * price_share
        if current is not None:
            current.last_response, current.last_exchange = body, exchange

    async def create(**kwargs: Any) -> Any:
        kwargs = plan.shape_request(kwargs, _CITABLE_IDS.get())
        current = _CHAIN.get()
        reask = 0
        if current is not None:
            current.sent += 1
            reask = current.sent - 1
        key = request_key(settings.base_url, kwargs)
        if current is not None and reask == 0:
            current.first_key = key
        if store is not None and reask == 0 and not settings.refresh:
            stored = store.answer(key)
            if stored is not None:
                usage.cache_hits += 1
                exchange = record(
                    current, key=key, request=kwargs, response=stored, status=200, error=None,
                    latency=0.0, attempt=0, reask=0, from_cache=True,
                )  # fmt: skip
                if current is not None:
                    current.from_cache, current.last_response = True, stored
                    current.last_exchange = exchange
                    current.usage.cache_hits += 1
                    current.usage.cost_usd = current.usage.cost_usd or budget.cost(0, 0)
                return _limit(ChatCompletion.model_validate(stored), current)
        if batch is not None and reask == 0 and key in batch.answers:
            body = batch.answers[key]
            exchange = record(
                current, key=key, request=kwargs, response=body, status=200, error=None,
                latency=0.0, attempt=0, reask=0, from_cache=False, batch_id=batch.batch_id,
            )  # fmt: skip
            response = _limit(ChatCompletion.model_validate(body), current)
            account(current, response, body, exchange, BATCH_DISCOUNT)
            return response
        if store is not None and current is not None and reask > 0:
            store.mark_verification(current.last_exchange, False, _reask_errors(kwargs))
        if reask_batches is not None and reask > 0:
            story = current.story_id if current is not None else "story"
            batched = await reask_batches.ask(f"{story}-reask{reask}-{next(reask_numbers)}", kwargs)
            if batched is not None:
                body, batch_id = batched
                exchange = record(
                    current, key=key, request=kwargs, response=body, status=200, error=None,
                    latency=0.0, attempt=0, reask=reask, from_cache=False, batch_id=batch_id,
                )  # fmt: skip
                response = _limit(ChatCompletion.model_validate(body), current)
                account(current, response, body, exchange, BATCH_DISCOUNT)
                return response
        retrying = AsyncRetrying(
            retry=retry_if_exception(_is_transient),
            wait=_WaitRetryAfterOrBackoff(settings.max_retry_wait),
            stop=stop_after_attempt(settings.max_attempts)
            | stop_after_delay(settings.max_retry_time),
            before_sleep=before_sleep,
            reraise=True,
        )
        started, attempts = time.monotonic(), 0
        try:
            tokens = _request_tokens(kwargs)  # once: the budget and the pace both count it
            with budget.reserve(tokens, int(kwargs.get(plan.token_limit) or 0)):
                async for attempt in retrying:
                    with attempt:
                        attempts = attempt.retry_state.attempt_number
                        response = await send(kwargs, tokens)
            response = _limit(response, current)
        except openai.APIError as error:
            record(
                current, key=key, request=kwargs, response=None,
                status=getattr(error, "status_code", None),
                error=one_line(redact(f"{type(error).__name__}: {error}", secrets)),
                latency=time.monotonic() - started, attempt=attempts, reask=reask,
                from_cache=False,
            )  # fmt: skip
            raise
        body = response.model_dump(mode="json", exclude_none=True)
        exchange = record(
            current, key=key, request=kwargs, response=body, status=200, error=None,
            latency=time.monotonic() - started, attempt=attempts, reask=reask, from_cache=False,
        )  # fmt: skip
        account(current, response, body, exchange, 1.0)
        return response

    return instructor.patch(create=create, mode=_MODES[plan.mode])
