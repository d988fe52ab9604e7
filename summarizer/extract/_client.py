"""The model client: the `openai` client, patched by instructor, with transport retries.

Two kinds of failure, two mechanisms:
- transport failures (429, 5xx, timeouts, dropped connections) are retried here with tenacity,
  honouring Retry-After, with jittered exponential backoff, bounded in attempts; the prompt is
  never touched.
- validation failures (bad JSON, a schema violation, a quote not in its article) are re-asked to
  the model by instructor, which appends the error to the conversation.
The openai client's own retries are off, so the two never multiply.

How long an attempt may take depends on whether its answer is streamed (`streams_answers`: from
local servers, where an honest answer can take minutes on a CPU):
- streamed, an attempt times out on silence: no token for `settings.timeout` seconds. A model
  still writing is never cut for taking long; while the run's other answers are coming from the
  endpoint, a request waiting for its first token is waiting in the server's queue, not stuck. A
  model that went silent is not asked again — the server may still be working on the request,
  and a second copy would queue behind it — and the story says so ("the model went silent for
  120 s after 1,700 tokens"). What bounds a stream that keeps sending without writing: silence
  counts only tokens, not keep-alives or empty chunks; no more pieces than twice the tokens asked
  for; the body limit (`_http.streamed_body_limit`); and the run's deadline.
- unstreamed (hosted APIs, and replays, whose cassettes hold unstreamed answers), an attempt has
  a deadline, `settings.timeout`, from the request to the answer's last byte (the client's own
  timeout bounds each read, so a server trickling a byte at a time would hold an attempt forever).

What an attempt brings back is bounded and checked before anything parses it (`_http`): a body
past the size limit, a redirect to another origin, or a 200 that is not a chat completion (a
gateway's error, an HTML page, not UTF-8) fails with a reason saying what the server sent; an
HTTP 500 whose message is a validation error is the refusal it is, shown and not retried. An
answer's lists and texts are then held within `_limits`, and what was cut is reported in its
story. A streamed answer is put back together into the chat completion the server would have
sent, so verification, re-asks, the store and the costs see no difference; its speed (tokens a
second, first token to last) is counted in `Usage`.
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
from urllib.parse import urlsplit

import httpx2
import instructor
import openai
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletion
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_random_exponential,
)

from .._clients import async_client
from .._errors import ConfigurationError
from .._http import (
    DONE,
    AnswerTooLarge,
    ChunkAssembly,
    EventStreamDecoder,
    ModelRepeatsItself,
    ModelWentSilent,
    RequestRefused,
    UnusableAnswer,
    answer_body_limit,
    guarded_http_client,
    is_event_stream,
    stream_event,
    streamed_body_limit,
    unusable_body,
    validation_refusal,
)
from .._redact import one_line, redact, server_message
from .._replay import is_unrecorded_request
from .._schema import DroppedItem, Usage
from .._settings import Backend, ExtractionMode, Settings
from .._store import Store, request_key
from ._backends import RequestPlan
from ._batch_answers import BATCH_DISCOUNT, BatchAnswers
from ._budget import MIN_ANSWER_TOKENS, Budget, ContextWindow, PromptCount, estimate_tokens
from ._limiter import AdaptiveLimit
from ._limits import REPETITION_WINDOW, limit_answer, repeats_itself, repetition_ratio

if TYPE_CHECKING:
    from ._batch import ReaskBatches

__all__ = [
    "RETRIED_STATUS",
    "ReaskOutgrewWindow",
    "RequestChain",
    "STORED_DROPPED_KEY",
    "StructuredCreate",
    "chain",
    "citing",
    "make_structured_create",
    "model_client",
    "prompt_text",
    "retry_after_seconds",
    "streams_answers",
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

# Streamed: the local servers, where an answer can take minutes on a CPU and only a stream shows
# it is still coming. Each streams OpenAI's way (`data: {chunk}` events, `data: [DONE]`):
# llama.cpp tools/server/server-context.cpp; llama_cpp/server/app.py (EventSourceResponse);
# https://docs.ollama.com/api/openai-compatibility; https://docs.vllm.ai/en/latest/serving/
# openai_compatible_server.html; LM Studio's OpenAI-compatible endpoints. A hosted API answers
# fast enough for a deadline, and its recorded cassettes hold unstreamed bodies.
STREAMED_BACKENDS = frozenset(
    {
        Backend.LLAMACPP,
        Backend.LLAMACPP_PYTHON,
        Backend.OLLAMA,
        Backend.VLLM,
        Backend.LMSTUDIO,
        Backend.GENERIC,
    }
)
# `stream_options: {"include_usage": true}` asks for a last chunk holding the usage. llama.cpp
# takes it (server-schema.cpp), as do Ollama (its supported request fields), vLLM (protocol.py
# `StreamOptions`) and OpenAI's API, which any other server follows; LM Studio takes the field
# and, for now, sends no usage (github.com/lmstudio-ai/lmstudio-bug-tracker/issues/713).
# llama-cpp-python's request model has no such field and streams no usage: there, the output
# tokens are counted from the chunks (a token each) and the prompt's are estimated.
NO_USAGE_IN_STREAM = frozenset({Backend.LLAMACPP_PYTHON})
# The base URL of a replay of authored answers (cli.py, `_replay.replay_base_url`): `.invalid`
# never resolves (RFC 6761), so only a cassette answers, and its answers are unstreamed.
_NOWHERE = ".invalid"

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
    window: ContextWindow | None = None
    """The run's context window, which each request's answer is capped to (`_fit_to_window`)."""
    counted: PromptCount | None = None
    """The first request's prompt as the part's plan counted it."""
    last_prompt: int | None = None
    """The last request's prompt tokens as counted before it was sent (None: not counted)."""
    last_written: int | None = None
    """The tokens of the last streamed answer, where its stream carried no usage."""
    last_request: dict[str, Any] | None = None
    """The last request as sent."""
    stored_dropped: list[DroppedItem] = field(default_factory=list)
    """What was dropped from the stored answer that answered the first request, when the run
    that stored it salvaged it."""
    completions: list[Any] = field(default_factory=list)
    """Each answer, in order: a re-ask that could not be answered leaves the one before."""


class ReaskOutgrewWindow(Exception):
    """A re-ask carries the last answer and what was wrong with it: this one would leave its
    answer too little of the context window. It is not sent; what the last answer holds that
    is valid is kept (the caller salvages it), or the part is asked in smaller parts."""


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

# A streamed answer is looked at for a loop (`_limits.repeats_itself`) every this many tokens:
# a 4,000-byte compression takes about 50 µs, a token at 55 a second 18 ms.
_LOOP_CHECK_EVERY = 64

_CHAIN: ContextVar[RequestChain | None] = ContextVar("request_chain", default=None)
# What to do when the attempt's request goes out (`_request_sent`): start its silence clock.
_ON_SEND: ContextVar[Callable[[], None] | None] = ContextVar("on_send", default=None)
_CITABLE_IDS: ContextVar[Sequence[str] | None] = ContextVar("citable_ids", default=None)


@contextmanager
def chain(
    story_id: str | None = None,
    *,
    window: ContextWindow | None = None,
    counted: PromptCount | None = None,
) -> Iterator[RequestChain]:
    """Follow the requests sent in the block (first attempts and re-asks, not transport retries);
    with a `window`, each request's answer is capped to what the window leaves after its prompt
    (`counted`: the first request's, as planned)."""
    current = RequestChain(story_id=story_id, window=window, counted=counted)
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


def _prompt_estimate(kwargs: dict[str, Any]) -> int:
    """The prompt's tokens as a server that does not say counts them (`prompt_text`, estimated).
    (SmolLM2 on llama-cpp-python: 663 estimated, 682 counted.)"""
    return estimate_tokens(prompt_text(kwargs)[0])


def prompt_text(kwargs: dict[str, Any]) -> tuple[str, int]:
    """A request's prompt as the server reads it, and its messages: the messages' text, and the
    tools, which a chat template writes into the prompt (llama.cpp with --jinja, vLLM, Ollama;
    OpenAI counts them as prompt tokens). A `response_format` schema is not: the server's
    grammar holds it (llama.cpp's json_schema_to_grammar, llama-cpp-python's
    `_grammar_for_response_format`, vLLM's guided decoding)."""
    messages = kwargs.get("messages") or []
    text = "".join(_content_text(message.get("content") or "") for message in messages)
    if kwargs.get("tools"):
        text += json.dumps(kwargs["tools"], ensure_ascii=False)
    return text, len(messages)


def _content_text(content: Any) -> str:
    return content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)


async def _fit_to_window(kwargs: dict[str, Any], current: RequestChain, limit_name: str) -> None:
    """Cap the request's answer to what the window leaves after its prompt. A first request was
    sized to the window when its part was planned; a re-ask is longer by the last answer and what
    was wrong with it, so it is counted again (by the server's tokenizer where it has one) and
    asked for less — or, with less than `MIN_ANSWER_TOKENS` left, not sent
    (`ReaskOutgrewWindow`)."""
    window = current.window
    if window is None or not window.known:
        return
    if current.sent <= 1 and current.counted is not None:
        prompt = current.counted.tokens
    else:
        prompt = (await window.count(*prompt_text(kwargs))).tokens
    current.last_prompt = prompt
    room = window.room(prompt)
    if current.sent > 1 and room < MIN_ANSWER_TOKENS:
        raise ReaskOutgrewWindow(
            f"a re-ask (which carries the last answer) would leave {max(room, 0):,} answer "
            f"tokens of {window.shown()}"
        )
    asked = kwargs.get(limit_name)
    if isinstance(asked, int) and asked > room:
        kwargs[limit_name] = max(room, 1)


# What a stored answer that was salvaged lists as dropped, so that the briefing made from it says
# what the first run said (the key is not one of a chat completion's).
STORED_DROPPED_KEY = "x_summarizer_dropped"


def _stored_dropped(stored: dict[str, Any]) -> list[DroppedItem]:
    """What a stored answer says was dropped from it (`STORED_DROPPED_KEY`)."""
    listed = stored.pop(STORED_DROPPED_KEY, None)
    items = []
    for item in listed if isinstance(listed, list) else []:
        try:
            items.append(DroppedItem.model_validate(item))
        except ValueError:
            continue
    return items


def _reask_errors(kwargs: dict[str, Any]) -> str | None:
    """The verification errors a re-ask sends back: the text of its last message."""
    messages = kwargs.get("messages") or []
    content = messages[-1].get("content") if messages else None
    return content if isinstance(content, str) else None


def streams_answers(settings: Settings, plan: RequestPlan) -> bool:
    """Whether the run's answers are streamed: for the local servers (`STREAMED_BACKENDS`), as
    SUMMARIZER_STREAM says when it is set, and never for a replay pointed nowhere (an authored
    cassette's: its answers are unstreamed). A real server's cassette is replayed at the recorded
    server's address (`_replay.replay_base_url`), streamed as it was recorded."""
    host = urlsplit(settings.base_url or "").hostname or ""
    if host.endswith(_NOWHERE):
        return False  # a cassette holds unstreamed answers, matched on the unstreamed request
    if settings.stream is None:
        return plan.backend in STREAMED_BACKENDS
    return settings.stream


@dataclass
class _Timing:
    """How a streamed answer came: its pieces (chunks that carried text), and when the first and
    the last arrived (the event loop's clock)."""

    pieces: int = 0
    first: float | None = None
    last: float | None = None
    whole: bool = False  # the server sent the answer unstreamed, though asked to stream it

    def piece(self, now: float) -> None:
        self.pieces += 1
        self.first = now if self.first is None else self.first
        self.last = now

    @property
    def seconds(self) -> float:
        """First token to last: the time the model spent writing, without the prompt's."""
        return 0.0 if self.first is None or self.last is None else self.last - self.first


class _SilenceClock:
    """Ends the attempt (its task is cancelled, and the block raises TimeoutError, as with
    `asyncio.timeout`) once nothing has come for `silence` seconds; `heard` moves the end.

    Moving it costs an assignment, not a timer: the timer, when it fires, looks at where the end
    is now. And it ends the attempt only when it fired on time: a timer late by more than a tenth
    of a second (the event loop was busy, or the process was not scheduled) looks again a moment
    later (once for each end), so that tokens that came meanwhile, still unread, are counted
    before the model is called silent."""

    _LATE = 0.1

    def __init__(self, silence: float) -> None:
        self.silence = silence
        self._loop = asyncio.get_running_loop()
        self.deadline = self._loop.time() + silence
        self._timer: asyncio.TimerHandle | None = None
        self._task: asyncio.Task[Any] | None = None
        self._cancelling = 0
        self._second_look: float | None = None
        self.expired = False

    def heard(self, now: float | None = None) -> None:
        """Something came (or the request went out): the silence starts again."""
        self.deadline = (self._loop.time() if now is None else now) + self.silence

    def _check(self, due: float) -> None:
        now = self._loop.time()
        if now < self.deadline:
            self._arm(self.deadline)
        elif now - due > self._LATE and self._second_look != self.deadline:
            self._second_look = self.deadline  # once for each end: a loop always late still ends
            self._arm(now + 0.01)  # late: let what has come be read first
        elif self._task is not None:
            self.expired = True
            self._task.cancel()

    def _arm(self, when: float) -> None:
        self._timer = self._loop.call_at(when, self._check, when)

    async def __aenter__(self) -> _SilenceClock:
        self._task = asyncio.current_task()
        self._cancelling = self._task.cancelling() if self._task is not None else 0
        self._arm(self.deadline)
        return self

    async def __aexit__(self, kind: type[BaseException] | None, error: object, tb: object) -> None:
        if self._timer is not None:
            self._timer.cancel()
        ours = self.expired and kind is asyncio.CancelledError and self._task is not None
        if ours and self._task is not None and self._task.uncancel() <= self._cancelling:
            raise TimeoutError  # the cancel was ours, not the caller's


class _Liveness:
    """When the endpoint last sent a token to any of the run's streams.

    A local server answers as many requests as it has slots and queues the rest without a byte
    (llama.cpp's server sends even its headers with the first token, server-context.cpp): a
    request waiting for its first token while the others' tokens flow is waiting its turn, not
    facing a silent server. So the silence of each waiting request starts again with every
    token the endpoint sends; once its own tokens come, only they count."""

    def __init__(self) -> None:
        self._waiting: set[_SilenceClock] = set()

    def heard(self, now: float) -> None:
        for clock in self._waiting:
            clock.heard(now)

    @contextmanager
    def waiting(self, clock: _SilenceClock) -> Iterator[None]:
        self._waiting.add(clock)
        try:
            yield
        finally:
            self._waiting.discard(clock)

    def started(self, clock: _SilenceClock) -> None:
        self._waiting.discard(clock)


def _went_silent(request: httpx2.Request, timing: _Timing, silence: float) -> ModelWentSilent:
    """What a stream that stopped coming says: after how much, and why it is not asked again."""
    wait = f"{silence:g} s (SUMMARIZER_TIMEOUT)"
    if timing.pieces == 0:
        said = f"the model endpoint sent no token for {wait}, before this answer's first"
    else:
        said = f"the model went silent for {wait} after {timing.pieces:,} tokens"
    reason = f"{said}: not asked again, as the server may still be working on it"
    return ModelWentSilent(reason, request, tokens=timing.pieces)


def _refusal(error: openai.APIStatusError, secrets: list[str]) -> RequestRefused | None:
    """An HTTP 500 that refuses the request as invalid (llama-cpp-python's answer to a request
    its pydantic model does not validate): the refusal it is, with what was refused."""
    detail = validation_refusal(error.status_code, server_message(error))
    if detail is None:
        return None
    return RequestRefused(
        f"the model endpoint refused the request as invalid (HTTP {error.status_code}): "
        f"{one_line(redact(detail, secrets))}",
        error.request,
        transient=False,
    )


def _answer_in(
    status: int, content: bytes, content_type: str, request: httpx2.Request, secrets: list[str]
) -> ChatCompletion:
    """The chat completion an unstreamed body holds, or why there is none."""
    problem = unusable_body(status, content, content_type, secrets)
    if problem is not None:
        # A gateway between us and the model (its error in a 200, its HTML page): another
        # attempt may well reach the model.
        raise UnusableAnswer(problem, request, transient=True)
    return ChatCompletion.construct(**json.loads(content))


async def _request_sent(request: httpx2.Request) -> None:
    """An httpx request hook, run as the request goes out: a streamed attempt's silence starts
    then, not while the client was still shaping the request (a large schema takes the openai
    client a while to walk, longer on a busy machine)."""
    on_send = _ON_SEND.get()
    if on_send is not None:
        on_send()


def model_client(settings: Settings) -> openai.AsyncOpenAI:
    """The openai client for the run's endpoint, without its own retries (tenacity's are ours),
    over an httpx client that refuses a redirect to another origin and a body past the limit.
    Close it (`async with`) before the event loop ends: its pooled keep-alive connections would
    otherwise be closed by the garbage collector on a loop that is gone, with a traceback."""
    if settings.api_key is None and settings.base_url is None:
        raise ConfigurationError(NO_ENDPOINT)
    secrets = settings.secrets()
    http = guarded_http_client(
        body_limit=answer_body_limit(settings.max_output_tokens),
        stream_limit=streamed_body_limit(settings.max_output_tokens),
        secrets=secrets,
    )
    hooks = http.event_hooks
    http.event_hooks = hooks | {"request": [*hooks.get("request", []), _request_sent]}
    return async_client(settings, http, max_retries=0)


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


class _Streaming:
    """The streamed attempts of one run's requests (see the module docstring): each request sent
    with `stream: true`, its answer read event by event within its silence, put back together."""

    def __init__(
        self,
        client: openai.AsyncOpenAI,
        settings: Settings,
        plan: RequestPlan,
        in_flight: AdaptiveLimit,
    ) -> None:
        self.client, self.settings, self.plan, self.in_flight = client, settings, plan, in_flight
        self.secrets = settings.secrets()
        self.fields: dict[str, Any] = {"stream": True}
        if plan.backend not in NO_USAGE_IN_STREAM:
            self.fields["stream_options"] = {"include_usage": True}
        # No read timeout: silence is timed by tokens (`_SilenceClock`), which a keep-alive every
        # few seconds would defeat. A connection must be made within half the silence, so that a
        # server that cannot be reached is told from one that is working (and retried, as ever).
        self.timeout = httpx2.Timeout(settings.timeout, connect=settings.timeout / 2, read=None)
        self.liveness = _Liveness()

    async def attempt(self, kwargs: dict[str, Any]) -> tuple[ChatCompletion, _Timing | None]:
        """One attempt with its answer streamed: the answer put back together, and how it came.
        Its silence is timed from when the request goes out (`_request_sent`)."""
        timing = _Timing()
        try:
            async with _SilenceClock(self.settings.timeout) as clock:
                on_send = _ON_SEND.set(clock.heard)
                try:
                    with self.liveness.waiting(clock):
                        return await self._receive(kwargs, clock, timing)
                finally:
                    _ON_SEND.reset(on_send)
        except TimeoutError:
            request = _completion_request(self.client)
            if timing.whole:
                raise openai.APITimeoutError(request) from None
            raise _went_silent(request, timing, self.settings.timeout) from None
        except httpx2.TransportError as error:
            # The connection broke mid-stream: nothing more can come on it, and the server stops
            # at its next write; another attempt may fare better, as after any dropped connection.
            raise openai.APIConnectionError(request=_completion_request(self.client)) from error

    async def _receive(
        self, kwargs: dict[str, Any], clock: _SilenceClock, timing: _Timing
    ) -> tuple[ChatCompletion, _Timing | None]:
        """Send the request streamed and read what comes back, within `clock`'s silence."""
        request = _completion_request(self.client)
        async with self.client.chat.completions.with_streaming_response.create(
            **kwargs, **self.fields, timeout=self.timeout
        ) as response:
            http = response.http_response
            await self.in_flight.answered(http.headers)
            if not is_event_stream(http.headers):
                # A server that answers whole whatever is asked: its body, to its last byte,
                # within the timeout, as any unstreamed answer.
                self.liveness.started(clock)
                clock.heard()
                timing.whole = True
                content, kind = await http.aread(), http.headers.get("content-type", "")
                return _answer_in(http.status_code, content, kind, request, self.secrets), None
            asked = int(kwargs.get(self.plan.token_limit) or self.settings.max_output_tokens)
            assembly = await self._read_events(http, clock, timing, asked)
        completion = assembly.completion()
        if not completion["choices"]:
            raise UnusableAnswer(
                "the model endpoint answered HTTP 200 with a stream that held no answer",
                request,
                transient=True,
            )
        return ChatCompletion.construct(**completion), timing

    async def _read_events(
        self, http: httpx2.Response, clock: _SilenceClock, timing: _Timing, asked: int
    ) -> ChunkAssembly:
        """The stream's chunks, put together as they come; each token postpones the silence
        deadline, of this request and of those waiting behind it (`_Liveness`)."""
        loop = asyncio.get_running_loop()
        request = http.request
        assembly = ChunkAssembly()
        decoder = EventStreamDecoder(answer_body_limit(self.settings.max_output_tokens), request)
        most = 2 * max(asked, 1)

        def take(data: bytes, now: float) -> bool:
            """One event, read at `now`; True at the stream's end. The pieces of one read share
            its time: an answer that came in one read (a replayed cassette's) is not timed."""
            event = stream_event(data, request, self.secrets, assembly.pieces)
            if event is DONE:
                return True
            if assembly.add(event):
                timing.piece(now)
                self.liveness.started(clock)
                self.liveness.heard(now)
                clock.heard(now)
                if assembly.pieces % _LOOP_CHECK_EVERY == 0:
                    recent = assembly.recent_text()
                    if repeats_itself(recent):
                        raise ModelRepeatsItself(
                            f"the model went round in a loop after {assembly.pieces:,} tokens "
                            f"(its last {REPETITION_WINDOW:,} bytes compress "
                            f"{repetition_ratio(recent):.0f} to 1): stopped there, not asked again",
                            request,
                            tokens=assembly.pieces,
                        )
                if assembly.pieces > most:
                    raise AnswerTooLarge(
                        f"the model endpoint streamed more than {most:,} pieces of answer where "
                        f"at most {asked:,} tokens were asked for: not read further",
                        request,
                        transient=False,
                    )
            return False

        async for chunk in http.aiter_bytes():
            now = loop.time()
            if any(take(data, now) for data in decoder.feed(chunk)):
                return assembly
        now = loop.time()
        if any(take(data, now) for data in decoder.finish()) or assembly.finished:
            return assembly
        raise UnusableAnswer(
            f"the model endpoint ended its stream after {assembly.pieces:,} tokens, before the "
            "answer's end",
            request,
            transient=True,  # as a dropped connection is: nothing is working on it any more
        )


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
    streaming = (
        _Streaming(client, settings, plan, in_flight) if streams_answers(settings, plan) else None
    )

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

    async def send(kwargs: dict[str, Any], tokens: int) -> tuple[Any, _Timing | None]:
        """One attempt, in a place the endpoint's pace allows; its headers steer the pace. A
        streamed answer comes with how it came."""
        async with in_flight.slot(tokens) as cut_seen:
            try:
                if streaming is not None:
                    return await streaming.attempt(kwargs)
                raw = await within_deadline(kwargs)
            except openai.APIStatusError as error:
                if error.status_code == 429:
                    await in_flight.refused(cut_seen)
                else:
                    await in_flight.answered(error.response.headers)
                refusal = _refusal(error, secrets)
                if refusal is not None:
                    raise refusal from None  # its reason says it all: shown as it is
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
        return raw.parse(), None

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
        timing: _Timing | None = None,
        prompt_estimate: int = 0,
    ) -> None:
        """Count an answer's tokens, cost and (streamed) speed, for the run and for its story.
        A stream without usage (llama-cpp-python's) counts its pieces, a token each, and the
        prompt as estimated (`_prompt_estimate`)."""
        tokens = getattr(response, "usage", None)
        if tokens is None and timing is not None:
            tokens = CompletionUsage(
                prompt_tokens=prompt_estimate,
                completion_tokens=timing.pieces,
                total_tokens=prompt_estimate + timing.pieces,
            )
        details = getattr(tokens, "prompt_tokens_details", None)
        written = getattr(tokens, "completion_tokens", 0) or 0
        spent = budget.cost(
            getattr(tokens, "prompt_tokens", 0) or 0,
            written,
            getattr(details, "cached_tokens", 0) or 0,
        )
        for total in (usage, current.usage if current is not None else None):
            if total is None:
                continue
            total.add(tokens)
            if timing is not None and timing.pieces > 1:
                total.timed(written, timing.seconds)
            if spent is not None:
                total.cost_usd = (total.cost_usd or 0.0) + spent * price_share
        if timing is not None and timing.seconds > 0:
            logger.debug(
                "streamed %d tokens in %.1fs (%.1f tokens a second)",
                written, timing.seconds, written / timing.seconds,
            )  # fmt: skip
        if current is not None:
            current.last_response, current.last_exchange = body, exchange

    async def create(**kwargs: Any) -> Any:
        kwargs = plan.shape_request(kwargs, _CITABLE_IDS.get())
        current = _CHAIN.get()
        reask = 0
        if current is not None:
            current.sent += 1
            reask = current.sent - 1
            await _fit_to_window(kwargs, current, plan.token_limit)
        key = request_key(settings.base_url, kwargs)
        if current is not None:
            current.last_request = kwargs
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
                    current.stored_dropped = _stored_dropped(stored)
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
        tokens = _request_tokens(kwargs)  # once: the budget and the pace both count it
        try:
            with budget.reserve(tokens, int(kwargs.get(plan.token_limit) or 0)):
                async for attempt in retrying:
                    with attempt:
                        attempts = attempt.retry_state.attempt_number
                        response, timing = await send(kwargs, tokens)
            response = _limit(response, current)
        except openai.APIError as error:
            written = getattr(error, "tokens", None)  # a stream stopped part-way: what it cost
            if isinstance(written, int) and written > 0:
                prompt = _prompt_estimate(kwargs)
                partial = CompletionUsage(
                    prompt_tokens=prompt, completion_tokens=written, total_tokens=prompt + written
                )
                for total in (usage, current.usage if current is not None else None):
                    if total is not None:
                        total.add(partial)
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
        account(current, response, body, exchange, 1.0, timing, _prompt_estimate(kwargs))
        if current is not None:
            current.last_written = timing.pieces if timing is not None else None
            current.completions.append(response)
        return response

    return instructor.patch(create=create, mode=_MODES[plan.mode])
