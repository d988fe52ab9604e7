"""Extract: one model call per story, through instructor, verified as it is parsed."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from instructor.processing.response import handle_response_model

from .._article import Article
from .._control import clean_line
from .._errors import BudgetExhausted, ExtractionError
from .._http import UnusableAnswer
from .._redact import one_line, redact, server_message
from .._replay import is_unrecorded_request, unrecorded_request_reason
from .._schema import DroppedItem, StoryBase, Usage, with_checked_summary
from .._settings import Settings
from .._sources import build_story
from .._store import Store
from ..group import StoryGroup
from ..profiles import Profile
from ..profiles._kit import merge_by_equality
from ..verify._evidence import Extraction
from ..verify._support import drop_unsupported
from ..verify._verify import articles_in_scope, drop_unverified, snap_quotes, unusable_reason
from ._backends import RequestPlan, request_plan
from ._budget import (
    MEASURED_MARGIN,
    MIN_ANSWER_TOKENS,
    MIN_ARTICLE_TOKENS,
    TEMPLATE_TOKENS,
    ContextWindow,
    PromptCount,
    StatedLimits,
    estimate_tokens,
    stated_limits,
)
from ._client import (
    RETRIED_STATUS,
    STORED_DROPPED_KEY,
    ReaskOutgrewWindow,
    RequestChain,
    StructuredCreate,
    chain,
    citing,
    prompt_text,
)
from ._lenient import valid_items
from ._limits import REPETITION_WINDOW, repeats_itself, repetition_ratio
from ._merge import split_to_fit
from ._prompts import PromptSet

__all__ = ["extract_story", "prompt_tokens"]


logger = logging.getLogger("summarizer")


def prompt_tokens(messages: list[dict[str, str]]) -> int:
    """The prompt's tokens, estimated: what the context budget counts."""
    return estimate_tokens("".join(message["content"] for message in messages))


def _answer_text(completion: Any) -> str | None:
    """The JSON the model answered with, whether as a tool call or as message content."""
    try:
        message = completion.choices[0].message
        if message.tool_calls:
            return str(message.tool_calls[0].function.arguments)
    except (AttributeError, IndexError, KeyError, TypeError):  # not the shape of an answer
        return None
    content = getattr(message, "content", None)
    return content if isinstance(content, str) else None


def _status_reason(error: openai.APIStatusError, secrets: list[str]) -> str:
    status = error.status_code
    if status in RETRIED_STATUS:
        reason = f"the model endpoint answered HTTP {status} after every retry"
    elif status in (401, 403):
        reason = f"the model endpoint refused the credentials (HTTP {status}): check OPENAI_API_KEY"
    elif status == 404:
        reason = (
            "the model endpoint has no such model or path (HTTP 404): check --model and --base-url"
        )
    else:
        reason = f"the model endpoint rejected the request (HTTP {status})"
    said = server_message(error) if status not in RETRIED_STATUS else None
    return reason if said is None else f"{reason}: {one_line(redact(clean_line(said), secrets))}"


def _failure_reason(error: BaseException, secrets: list[str], timeout: float) -> str:
    """One line for the briefing: the deepest cause we recognise, never a message with secrets."""
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__
    for cause in reversed(chain):  # deepest first
        if isinstance(cause, BudgetExhausted):
            return f"not sent: {cause}"
        if isinstance(cause, UnusableAnswer):  # its reason is clean and redacted already
            return f"{cause.reason}, on every attempt" if cause.transient else cause.reason
        if is_unrecorded_request(cause):
            return unrecorded_request_reason(cause)
        if isinstance(cause, openai.APIStatusError):
            return _status_reason(cause, secrets)
        if isinstance(cause, openai.APITimeoutError):
            return (
                "the model endpoint timed out on every attempt "
                f"(SUMMARIZER_TIMEOUT: {timeout:g} s for each, to the answer's last byte)"
            )
        if isinstance(cause, openai.APIConnectionError):
            return "could not connect to the model endpoint on any attempt"
        if isinstance(cause, IncompleteOutputException):
            return "the answer was cut off by the output token limit"
    return f"the model's answer could not be used ({type(chain[-1]).__name__})"


def _salvage(
    completion: Any, articles: dict[str, Article], model: type[Extraction]
) -> tuple[Extraction, list[DroppedItem]] | None:
    """After the last re-ask (or one that could not be answered): keep what is valid and verifies
    of the last answer, the `completion`, item by item (`valid_items`); drop and report the rest."""
    answer = _answer_text(completion)
    if answer is None:
        return None
    with articles_in_scope(None):
        read = valid_items(model, answer)
    if read is None:
        return None
    extraction, invalid = read
    kept, removed = drop_unverified(extraction, articles)
    said = [f"{len(invalid)} invalid"] if invalid else []
    said += [f"{len(removed)} unverifiable"] if removed or not invalid else []
    logger.warning("%s item(s) dropped after retries", " and ".join(said))
    unverified = [DroppedItem(kind=r.kind, summary=r.summary, reason=r.reason) for r in removed]
    return kept, [*invalid, *unverified]


@dataclass
class _Part:
    """One request's outcome: what verified, what was dropped, and what it took."""

    extraction: Extraction
    dropped: list[DroppedItem] = field(default_factory=list)
    reasks: int = 0
    quotes_repaired: int = 0
    usage: Usage = field(default_factory=Usage)


def _remember(store: Store | None, chains: list[RequestChain]) -> None:
    """The last chain's answer passed verification: it answers each chain's first request from
    now on (a cut-off first answer's request too), unless it came from the store already."""
    last = chains[-1]
    if store is None or last.last_response is None:
        return
    store.mark_verification(last.last_exchange, True, None)
    if last.from_cache:
        return
    for each in chains:
        if each.first_key is not None:
            store.remember(each.first_key, last.last_response, last.last_exchange)


def _with_answer(completion: Any, text: str) -> dict[str, Any] | None:
    """`completion` (instructor's last, as the server sent it) as JSON, its answer `text`."""
    try:
        body: dict[str, Any] = completion.model_dump(mode="json", exclude_none=True)
        message = body["choices"][0]["message"]
    except (AttributeError, IndexError, KeyError, TypeError):
        return None
    if message.get("tool_calls"):
        message["tool_calls"][0]["function"]["arguments"] = text
    else:
        message["content"] = text
    return body


def _remember_salvaged(
    store: Store | None,
    chains: list[RequestChain],
    completion: Any,
    kept: Extraction,
    dropped: list[DroppedItem],
) -> None:
    """What the exchange ended with — the last answer with what did not verify removed — answers
    each chain's first request from now on, with what was dropped: a rerun is paid for once."""
    if store is None:
        return
    body = _with_answer(completion, kept.model_dump_json(exclude_computed_fields=True))
    if body is None:
        return
    body[STORED_DROPPED_KEY] = [item.model_dump(mode="json") for item in dropped]
    for each in chains:
        if each.first_key is not None and not each.from_cache:
            store.remember(each.first_key, body, each.last_exchange)


def _remember_as_answered(store: Store | None, current: RequestChain) -> None:
    """The chain's one answer (cut off, say) answers its request from now on, as it was."""
    if (
        store is not None
        and current.first_key is not None
        and not current.from_cache
        and current.sent == 1
        and current.last_response is not None
    ):
        store.remember(current.first_key, current.last_response, current.last_exchange)


# --- when the context window is what stopped a request -----------------------------------------

# An answer cut off this many tokens short of its budget was not stopped by the budget (a
# streamed answer's pieces may be a few tokens off its count).
_SHORT_OF_BUDGET = 64
# A story is sized again at most this many times (a window learned, a part halved) before what
# is left of it fails; a part is halved at most `_MOST_HALVINGS` times.
_MOST_RESIZES = 6
_MOST_HALVINGS = 3


_E = TypeVar("_E", bound=BaseException)


class _WindowLearned(Exception):
    """A refusal stated a limit the run did not know: the part is sized again with it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _FilledWindow(Exception):
    """The part's request and answer did not fit the window: it is asked again in smaller
    parts, whose answers are shorter, rather than with a larger output budget."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _cause(error: BaseException, kind: type[_E]) -> _E | None:
    """The `kind` of exception behind `error`, if one is (instructor wraps what `create` raised)."""
    seen: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in seen:
        if isinstance(cause, kind):
            return cause
        seen.append(cause)
        cause = cause.__cause__
    return None


def _refusal(error: BaseException) -> openai.APIStatusError | None:
    """The server's refusal behind `error`, if one is."""
    return _cause(error, openai.APIStatusError)


def _learn_from_refusal(
    error: BaseException,
    window: ContextWindow | None,
    counted: PromptCount | None,
    current: RequestChain,
    secrets: list[str],
) -> None:
    """A refusal that states the window (or the answer's ceiling) teaches the run: the part is
    sized again (`_WindowLearned`); one that states what the run knew already means the request
    did not fit anyway — a re-ask carrying the last answer, say — and the part is asked in
    smaller parts (`_FilledWindow`). Any other refusal is left to the caller."""
    refusal = _refusal(error)
    if window is None or refusal is None:
        return
    said = server_message(refusal)
    message = one_line(redact(clean_line(said), secrets), 200) if said else ""
    stated = stated_limits(refusal.body, message)
    if stated is None:
        return
    # What the refusal counted is the first request's prompt only if no re-ask had grown it.
    if window.learn(stated, counted if current.sent <= 1 else None):
        raise _WindowLearned(
            f"the server refused a request (HTTP {refusal.status_code}): {message}"
        )
    if window.known:
        raise _FilledWindow(f"a request did not fit {window.shown()}: the server said {message}")


async def _after_cut_off(
    error: IncompleteOutputException,
    budgets: list[int],
    window: ContextWindow | None,
    counted: PromptCount | None,
    current: RequestChain,
) -> int:
    """The output budget to ask again with after an answer cut off (`finish_reason: length`),
    or why not: the output limit is doubled once, never past what the window leaves; an answer
    that filled the window is `_FilledWindow`. `current`: the exchange's requests, re-asks
    included (instructor's usage is then their sum, not the last one's).

    An answer cut off short of its budget was stopped by something else: the window, which a
    server that does not say it (llama-cpp-python) makes known this way. It is learned as the
    prompt and the answer together (`_WindowLearned`), and the part sized to it."""
    budget, sent = budgets[-1], current.sent
    answer = _answer_text(error.last_completion) or ""
    if repeats_itself(answer):
        raise ExtractionError(
            f"the model went round in a loop until its answer was cut off (its last "
            f"{REPETITION_WINDOW:,} bytes compress {repetition_ratio(answer):.0f} to 1)"
        )
    usage = getattr(error.last_completion, "usage", None) if sent == 1 else None
    said_prompt = getattr(usage, "prompt_tokens", None)
    prompt = said_prompt if isinstance(said_prompt, int) and said_prompt > 0 else None
    if prompt is None:
        prompt = current.last_prompt or (counted.tokens if counted is not None else None)
    if prompt is None and window is not None and current.last_request is not None:
        prompt = (await window.count(*prompt_text(current.last_request))).tokens
    said_written = getattr(usage, "completion_tokens", None)
    written: int | None = None
    if isinstance(said_written, int) and said_written > 0:
        written = said_written
    elif current.last_written:
        written = current.last_written  # a stream without usage: its pieces, a token each
    if (
        window is not None
        and not window.known
        and prompt is not None
        and written is not None
        and written + _SHORT_OF_BUDGET < budget
        and window.learn(
            StatedLimits(window=prompt + written),
            source="as the server showed when it cut an answer off there",
        )
    ):
        raise _WindowLearned(
            f"an answer was cut off after {written:,} of its {budget:,} output tokens, with "
            f"{prompt:,} prompt tokens: {window.shown()}"
        )
    if window is None or not window.known or prompt is None:
        # Twice the room, though never past the most the model said it writes.
        most = window.output_limit if window is not None else None
        if len(budgets) == 1 and (most is None or most > budget):
            logger.warning("answer cut off at %d output tokens", budget)
            return budget * 2 if most is None else min(budget * 2, most)
        if len(budgets) == 1:
            raise ExtractionError(
                f"the answer was cut off at {budget:,} output tokens, the most the model said it "
                "writes"
            )
        raise ExtractionError(
            f"the answer was cut off at {budgets[0]:,} and again at {budgets[1]:,} output tokens "
            "(SUMMARIZER_MAX_OUTPUT_TOKENS)"
        )
    written = written or budget
    room = window.room(prompt)
    if sent > 1 and (budget >= room or budget < window.ceiling):
        # A re-ask carries the last answer and what was wrong with it: its prompt is longer by
        # about an answer, and its answer had what was left.
        raise _FilledWindow(
            f"the answer to a re-ask (which carries the last answer) filled {window.shown()}"
        )
    # A budget below the ceiling is what the window left: the answer had all it could have.
    if window.filled(prompt, written) or budget >= room or budget < window.ceiling:
        raise _FilledWindow(
            f"the answer filled {window.shown()}: {prompt:,} prompt tokens and {written:,} of "
            "answer"
        )
    if len(budgets) == 1:
        more = min(budget * 2, room)
        logger.warning(
            "answer cut off at %d output tokens (the output limit); asked again with %d",
            budget,
            more,
        )
        return more
    raise ExtractionError(
        f"the answer was cut off at {budgets[0]:,} and again at {budgets[1]:,} output tokens "
        "(SUMMARIZER_MAX_OUTPUT_TOKENS)"
    )


async def _extract_part(
    articles: list[Article],
    scope: dict[str, Article],
    *,
    create: StructuredCreate,
    prompts: PromptSet,
    settings: Settings,
    model: type[Extraction],
    story_id: str | None = None,
    store: Store | None = None,
    max_tokens: int | None = None,
    window: ContextWindow | None = None,
    counted: PromptCount | None = None,
) -> _Part:
    """One model call over `articles`; quotes are verified against the whole articles `scope`.

    Sampling and the name of the token-limit parameter are the backend's business: the request
    plan sets them (see `_backends`). The answer is asked to fit in `max_tokens` (by default
    SUMMARIZER_MAX_OUTPUT_TOKENS); `counted` is the prompt as counted against the `window`.
    """
    options: dict[str, Any] = {
        "model": settings.model,
        "messages": prompts.story_messages(articles),
    }
    secrets = settings.secrets()
    reasks = 0
    chains: list[RequestChain] = []
    usage = Usage()
    budgets: list[int] = []
    budget = max_tokens if max_tokens is not None else settings.max_output_tokens
    while True:
        # A cut-off answer is not re-asked (it would be cut off again): it is asked once more
        # with twice the room, or, when the window is what it filled, in smaller parts.
        options["max_tokens"] = budget
        budgets.append(budget)
        try:
            with (
                articles_in_scope(scope),
                citing(list(dict.fromkeys(a.id for a in articles))),
                chain(story_id, window=window, counted=counted) as sent,
            ):
                chains.append(sent)
                try:
                    extraction: Extraction = await create(
                        response_model=model, max_retries=settings.max_reasks, **options
                    )
                finally:
                    reasks += max(sent.sent - 1, 0)
                    usage.include(sent.usage)
        except InstructorRetryException as error:
            _learn_from_refusal(error, window, counted, chains[-1], secrets)
            salvaged = (
                _salvage(error.last_completion, scope, model) if error.failed_attempts else None
            )
            outgrew = _cause(error, ReaskOutgrewWindow)
            if salvaged is None and outgrew is not None:
                raise _FilledWindow(str(outgrew)) from error
            if salvaged is None:
                raise ExtractionError(_failure_reason(error, secrets, settings.timeout)) from error
            kept, dropped = salvaged
            snapped, repaired = snap_quotes(kept, scope)
            dropped = [*chains[-1].cut, *dropped]
            _remember_salvaged(store, chains, error.last_completion, snapped, dropped)
            return _Part(snapped, dropped, reasks, repaired, usage)
        except IncompleteOutputException as error:
            current = chains[-1]
            if current.sent > 1 and len(current.completions) > 1:
                # A re-ask cut off: the answer before it stands for what of it verifies.
                salvaged = _salvage(current.completions[-2], scope, model)
                if salvaged is not None:
                    logger.warning("the answer to a re-ask was cut off: the one before it is used")
                    kept, dropped = salvaged
                    snapped, repaired = snap_quotes(kept, scope)
                    dropped = [*current.cut, *dropped]
                    _remember_salvaged(store, chains, current.completions[-2], snapped, dropped)
                    return _Part(snapped, dropped, reasks, repaired, usage)
            try:
                budget = await _after_cut_off(error, budgets, window, counted, current)
            except (_WindowLearned, _FilledWindow):
                # The part is planned again: the cut answer answers its request next time, so
                # that a rerun plans the same parts again without paying for this one twice.
                _remember_as_answered(store, current)
                raise
            continue
        except openai.APIError as error:
            _learn_from_refusal(error, window, counted, chains[-1], secrets)
            raise ExtractionError(_failure_reason(error, secrets, settings.timeout)) from error
        _remember(store, chains)
        snapped, repaired = snap_quotes(extraction, scope)
        return _Part(
            snapped, [*chains[-1].cut, *chains[-1].stored_dropped], reasks, repaired, usage
        )


# --- a story's parts ----------------------------------------------------------------------------


@dataclass
class _Planned:
    """A part as planned: its articles, the answer budget it asks, its prompt as counted."""

    articles: list[Article]
    max_tokens: int
    counted: PromptCount | None = None
    budget: int | None = None
    """The prompt budget it was cut to, when not the run's (a part halved)."""
    depth: int = 0
    """Times it was halved after its answer filled the window."""
    version: int = 0
    """The window's `version` it was planned with."""


class _Sizing:
    """How one story's articles become parts: packed to SUMMARIZER_CONTEXT_TOKENS at four
    characters a token, as always, unless a known context window binds (see `ContextWindow`);
    then each part's prompt is counted as the server will read it and its answer capped to
    what the window leaves."""

    def __init__(
        self,
        prompts: PromptSet,
        settings: Settings,
        model: type[Extraction],
        window: ContextWindow | None,
        plan: RequestPlan | None,
    ) -> None:
        self.prompts, self.settings, self.model, self.window = prompts, settings, model, window
        self._plan = plan
        self._overhead: int | None = None

    @property
    def plan(self) -> RequestPlan:
        if self._plan is None:
            self._plan = request_plan(self.settings)
        return self._plan

    def _measure_as_always(self, articles: list[Article]) -> int:
        return prompt_tokens(self.prompts.story_messages(articles))

    def request_text(self, articles: list[Article]) -> tuple[str, int]:
        """The prompt of the request over `articles` as the server reads it (`prompt_text`), and
        its messages: the messages as instructor sets them for the mode (JSON mode adds the
        schema to the system message)."""
        from ._client import _MODES  # the client's own mapping of modes

        _, body = handle_response_model(
            self.model,
            mode=_MODES[self.plan.mode],
            model=self.settings.model,
            messages=self.prompts.story_messages(articles),
            max_tokens=1,
        )
        cited = list(dict.fromkeys(article.id for article in articles))
        return prompt_text(self.plan.shape_request(body, cited))

    def _characters(self, articles: list[Article]) -> tuple[int, int]:
        messages = self.prompts.story_messages(articles)
        return sum(len(message["content"]) for message in messages), len(messages)

    def _measure(self, articles: list[Article], factor: float | None = None) -> int:
        """A part's prompt tokens, estimated (at `factor`, or the window's); the schema and what
        instructor adds are measured once, as characters."""
        assert self.window is not None
        if self._overhead is None:
            text, _ = self.request_text([])
            self._overhead = len(text) - self._characters([])[0]
        characters, messages = self._characters(articles)
        return self.window.estimate_chars(characters + self._overhead, messages, factor)

    def stale(self, part: _Planned) -> bool:
        """Whether the window changed since `part` was planned (a limit learned, a count
        measured), so it is planned again before it is sent."""
        return self.window is not None and part.version != self.window.version

    async def parts(
        self, articles: list[Article], *, budget: int | None = None, depth: int = 0
    ) -> list[_Planned]:
        """`articles` in parts, each with its answer budget."""
        window = self.window
        if window is None or (not window.binds and budget is None):
            ceiling = window.ceiling if window is not None else self.settings.max_output_tokens
            version = window.version if window is not None else 0
            return [
                _Planned(part, ceiling, version=version)
                for part in split_to_fit(
                    articles, self._measure_as_always, self.settings.context_tokens
                )
            ]
        assert window.tokens is not None
        fixed = self._measure([])
        if fixed + MIN_ARTICLE_TOKENS + MIN_ANSWER_TOKENS + window.margin > window.tokens:
            raise ExtractionError(
                f"its request's fixed part (the system prompt and what the mode adds: about "
                f"{fixed:,} tokens) leaves no room for articles and an answer in {window.shown()}"
            )
        budget = max(budget or window.prompt_budget(), fixed + MIN_ARTICLE_TOKENS)
        # Where the server counts tokens, the whole is counted once, and the estimate that cuts
        # it into parts is taken at the scale of that count: the same text is cut the same way
        # in every run (the store answers a rerun), whatever other stories counted meanwhile.
        whole = await window.count(*self.request_text(articles))
        factor = None
        if whole.exact and whole.raw > 0:
            estimated = max(self._measure(articles, 1.0) - TEMPLATE_TOKENS * whole.messages, 1)
            factor = whole.raw / estimated * window.tokenizer_factor * MEASURED_MARGIN

        def measure(part: list[Article]) -> int:
            return self._measure(part, factor)

        planned: list[_Planned] = []
        for part in split_to_fit(articles, measure, budget):
            known = whole if len(part) == len(articles) and part == articles else None
            planned.extend(await self._counted(part, budget, fixed, depth, measure, known))
        given = budget if budget != window.prompt_budget() else None
        for each in planned:
            each.budget = given
        return planned

    async def _counted(
        self,
        part: list[Article],
        budget: int,
        fixed: int,
        depth: int,
        measure: Callable[[list[Article]], int],
        count: PromptCount | None = None,
        tries: int = 3,
    ) -> list[_Planned]:
        """`part` counted once; cut again, smaller, if the count says the estimate was short."""
        assert self.window is not None
        if count is None:
            count = await self.window.count(*self.request_text(part))
        if count.tokens > budget and tries > 0:
            tighter = max(budget * budget // count.tokens, fixed + MIN_ARTICLE_TOKENS)
            smaller = split_to_fit(part, measure, tighter)
            if len(smaller) > 1:
                planned: list[_Planned] = []
                for piece in smaller:
                    planned.extend(
                        await self._counted(piece, budget, fixed, depth, measure, None, tries - 1)
                    )
                return planned
        answer = self.window.answer_tokens(count.tokens)
        return [_Planned(part, answer, count, depth=depth, version=self.window.version)]

    async def again(self, parts: list[_Planned]) -> list[_Planned]:
        """`parts` planned again with what the window knows now, as one: the pieces of an
        article cut in two are put back together first, so that what is planned is what a run
        that knew the window from its start would plan (and the store answers it next time)."""
        articles: list[Article] = []
        for article in (article for part in parts for article in part.articles):
            if articles and articles[-1].id == article.id:
                body = articles[-1].body + "\n\n" + article.body
                articles[-1] = articles[-1].model_copy(update={"body": body})
            else:
                articles.append(article)
        return await self.parts(articles, budget=parts[0].budget, depth=parts[0].depth)

    async def halved(self, part: _Planned) -> list[_Planned] | None:
        """`part` in parts with half its article text each, for answers half as long; None when
        it has been halved enough or cannot be cut."""
        if self.window is None or not self.window.known or part.depth >= _MOST_HALVINGS:
            return None
        fixed = self._measure([])
        prompt = part.counted.tokens if part.counted is not None else self._measure(part.articles)
        budget = fixed + max((prompt - fixed) // 2, 1)
        try:
            smaller = await self.parts(part.articles, budget=budget, depth=part.depth + 1)
        except ExtractionError:
            return None
        return smaller if len(smaller) > 1 else None


@dataclass
class _Outcomes:
    """What a story's parts came to, in the order they were done."""

    extractions: list[Extraction] = field(default_factory=list)
    dropped: list[DroppedItem | tuple[int, list[Article], ExtractionError]] = field(
        default_factory=list
    )
    """What each part dropped, and each failed part (its number, articles and error)."""
    failed: list[tuple[int, list[Article], ExtractionError]] = field(default_factory=list)
    parts: int = 0
    reasks: int = 0
    quotes_repaired: int = 0
    usage: Usage = field(default_factory=Usage)

    def done(self, outcome: _Part) -> None:
        self.parts += 1
        self.extractions.append(outcome.extraction)
        self.dropped.extend(outcome.dropped)
        self.reasks += outcome.reasks
        self.quotes_repaired += outcome.quotes_repaired
        self.usage.include(outcome.usage)

    def failure(self, articles: list[Article], error: ExtractionError) -> None:
        self.parts += 1
        self.failed.append((self.parts, articles, error))
        self.dropped.append(self.failed[-1])

    def dropped_items(self) -> list[DroppedItem]:
        """What the parts dropped, in order, a failed part listed where it stood."""
        items = []
        for each in self.dropped:
            if isinstance(each, DroppedItem):
                items.append(each)
                continue
            number, articles, error = each
            ids = ", ".join(dict.fromkeys(a.id for a in articles))
            summary = f"part {number} of {self.parts} (articles {ids})"
            items.append(DroppedItem(kind="part", summary=summary, reason=str(error)))
        return items


async def _extract_parts(
    group: StoryGroup,
    sizing: _Sizing,
    extract: Callable[[_Planned], Awaitable[_Part]],
) -> _Outcomes:
    """Every part of the story asked, in order. A part whose window was learned meanwhile is
    planned again; one whose answer filled the window is asked in smaller parts."""
    outcomes = _Outcomes()
    pending = await sizing.parts(list(group.originals))
    resized = 0
    while pending:
        part = pending.pop(0)
        try:
            if sizing.stale(part):
                # It and the parts planned with it, while they were cut to the same budget.
                same = [part]
                while pending and sizing.stale(pending[0]) and pending[0].budget == part.budget:
                    same.append(pending.pop(0))
                pending[:0] = await sizing.again(same)
                continue
            outcomes.done(await extract(part))
        except _WindowLearned as learned:
            resized += 1
            if resized > _MOST_RESIZES:
                outcomes.failure(part.articles, ExtractionError(learned.reason))
                continue
            logger.warning("story %s: %s; its parts are sized again", group.id, learned.reason)
            pending.insert(0, part)  # stale now: planned again when its turn comes
        except _FilledWindow as filled:
            resized += 1
            smaller = await sizing.halved(part) if resized <= _MOST_RESIZES else None
            if smaller is None:
                reason = filled.reason + (", even in smaller parts" if part.depth else "")
                outcomes.failure(part.articles, ExtractionError(reason))
                continue
            logger.warning(
                "story %s: %s; asked again in %d smaller parts", group.id, filled.reason,
                len(smaller),
            )  # fmt: skip
            pending[:0] = smaller
        except ExtractionError as error:
            outcomes.failure(part.articles, error)
    return outcomes


async def extract_story(
    group: StoryGroup,
    *,
    create: StructuredCreate,
    prompts: PromptSet,
    settings: Settings,
    profile: Profile,
    store: Store | None = None,
    window: ContextWindow | None = None,
    plan: RequestPlan | None = None,
) -> StoryBase:
    """The verified story of `group`; `ExtractionError` when nothing usable came back.

    Duplicates are left out: the model reads each text once, and cites the original. A story
    over the context budget is extracted in parts, one call each, and the parts merged; a part
    that fails is reported in the story, and the story fails only when every part does. With a
    `window` (the run's knowledge of the model's context window; see `ContextWindow`), parts are
    sized to it and answers capped to what it leaves; `plan` is the run's request plan.
    """
    scope = {article.id: article for article in group.originals}
    sizing = _Sizing(prompts, settings, profile.extraction, window, plan)

    async def extract(part: _Planned) -> _Part:
        return await _extract_part(
            part.articles, scope, create=create, prompts=prompts, settings=settings,
            model=profile.extraction, story_id=group.id, store=store, max_tokens=part.max_tokens,
            window=window, counted=part.counted,
        )  # fmt: skip

    outcomes = await _extract_parts(group, sizing, extract)
    if not outcomes.extractions:
        if outcomes.parts == 1:
            raise outcomes.failed[0][2]
        first = outcomes.failed[0][2]
        raise ExtractionError(f"every one of its {outcomes.parts} parts failed: {first}")
    if outcomes.parts > 1:
        logger.info("story %s: extracted in %d parts and merged", group.id, outcomes.parts)
    merged = (profile.merge or merge_by_equality)(outcomes.extractions)
    merged, unsupported = drop_unsupported(merged, scope, settings.language)
    dropped = outcomes.dropped_items()
    dropped += [DroppedItem(kind=r.kind, summary=r.summary, reason=r.reason) for r in unsupported]
    story = build_story(merged, group, profile.story, dropped)
    if profile.finish is not None:
        story = profile.finish(story)
    # Every profile's headline and bottom line are checked, a user's own too (it is idempotent).
    story = with_checked_summary(story)
    unusable = unusable_reason(story)
    if unusable is not None:
        raise ExtractionError(unusable)
    update = {
        "reasks": outcomes.reasks,
        "quotes_repaired": outcomes.quotes_repaired,
        "usage": outcomes.usage,
    }
    return story.model_copy(update=update)
