"""The pipeline: read → group → extract (verifying as it parses) → a `DailyBriefing`."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ._article import Article, main_date
from ._control import clean_line
from ._errors import BatchPending, ExtractionError, SummarizerError
from ._redact import one_line, redact
from ._schema import Briefing, FailedStory, StoryBase, UnreadArticle, Usage
from ._settings import Backend, Settings
from ._store import Store, opened
from .extract import (
    AdaptiveLimit,
    BatchOptions,
    BatchResult,
    PromptSet,
    ReaskBatches,
    extract_story,
    first_requests,
    load_prompts,
    make_structured_create,
    model_client,
    request_plan,
    run_batch,
)
from .extract._budget import ContextWindow
from .extract._probe import EndpointFacts, count_tokens, probe_endpoint
from .group import EmbeddingStream, StoryGroup, day_groups
from .profiles import Profile, load_profile
from .read import read_articles

__all__ = ["RunStatus", "asummarize", "summarize"]

logger = logging.getLogger("summarizer")

Inputs = Sequence[str | Path | Article] | str | Path
ProgressCallback = Callable[[StoryGroup, StoryBase | FailedStory], None]


@dataclass
class RunStatus:
    """A run as it goes, for a progress display: read it from another thread at any time."""

    stories: int = 0
    """How many stories the day grouped into (0 until grouping is done)."""
    done: int = 0
    usage: Usage = field(default_factory=Usage)
    limit: AdaptiveLimit | None = None

    @property
    def in_flight(self) -> int:
        return self.limit.in_flight if self.limit is not None else 0


def _as_list(inputs: Inputs) -> list[str | Path | Article]:
    return [inputs] if isinstance(inputs, (str, Path)) else list(inputs)


def _read(
    inputs: Inputs, max_file_bytes: int, on_article: Callable[[Article], None] | None = None
) -> tuple[list[Article], list[UnreadArticle]]:
    inputs = _as_list(inputs)
    given = [item for item in inputs if isinstance(item, Article)]
    paths = [item for item in inputs if not isinstance(item, Article)]
    read, failures = (
        read_articles(paths, max_file_bytes=max_file_bytes, on_article=on_article)
        if paths
        else ([], [])
    )
    for failure in failures:
        logger.warning("skipped %s", failure)
    unread = [UnreadArticle(source=f.source, reason=f.reason) for f in failures]
    unique = list({article.id: article for article in [*given, *read]}.values())
    return unique, unread


async def asummarize(
    inputs: Inputs,
    *,
    settings: Settings | None = None,
    date: dt.date | None = None,
    on_story: ProgressCallback | None = None,
    profile: str | Profile | None = None,
    store: Store | str | Path | None = None,
    status: RunStatus | None = None,
    batch: BatchOptions | None = None,
    **overrides: Any,
) -> Briefing[Any]:
    """Brief the articles in `inputs` (paths, folders, globs, '-', or `Article`s).

    `profile` is the kind of briefing: a shipped name ('geopolitics', the default; 'earnings'),
    a `Profile`, or 'mypkg.module:PROFILE'; it defaults to `settings.profile`.
    `store` (a `Store` or a path; default `settings.store`, else none) records the run and every
    exchange, and answers a story's request it has a verified answer for without a call.
    `batch` sends every story's first request through the Batch API (see `BatchOptions`).
    `status`, if given, is kept up to date as the run goes (stories done, requests in flight,
    retries, tokens, cost), for a progress display in another thread.
    `overrides` set any `Settings` field (`model=`, `base_url=`, `api_key=`, `mode=`, ...).
    A story that fails is listed in `failed_stories` with its reason; the others are kept.
    `date` defaults to the day most articles were published.
    """
    given = settings or Settings()
    # What the caller or the environment set, before every field is set below: a limit the user
    # chose wins over the one the model's context window suggests.
    chosen_fields = frozenset(given.model_fields_set | overrides.keys())
    settings = Settings.model_validate({**given.model_dump(), **overrides})
    chosen = load_profile(profile if profile is not None else settings.profile)
    prompts = load_prompts(settings.prompts_dir or chosen.prompts, language=settings.language)
    with opened(store if store is not None else settings.store) as run_store:
        return await _brief(
            inputs,
            settings,
            chosen,
            prompts,
            run_store,
            date,
            on_story,
            status or RunStatus(),
            batch,
            chosen_fields,
        )


async def _batch_answers(
    groups: list[StoryGroup],
    inputs: list[str],
    settings: Settings,
    profile: Profile,
    prompts: PromptSet,
    plan: Any,
    store: Store | None,
    options: BatchOptions,
) -> BatchResult:
    """Every story's first request through the Batch API; `BatchPending` if not waited for."""
    requests = first_requests(
        groups, prompts=prompts, settings=settings, plan=plan, profile=profile
    )
    submitted = options.on_submitted
    inputs = sorted({a.source for g in groups for a in g.articles})

    def on_submitted(batch_id: str) -> None:
        if store is not None:
            store.record_batch(batch_id, inputs, _recorded_settings(settings), profile.name)
        if submitted is not None:
            submitted(batch_id)

    result = await run_batch(
        requests, settings, dataclasses.replace(options, on_submitted=on_submitted)
    )
    if store is not None:
        store.set_batch_status(result.batch_id, "collected")
    return result


def _reask_batch_submitter(
    inputs: list[str],
    settings: Settings,
    profile: Profile,
    store: Store | None,
    options: BatchOptions,
) -> Callable[[list[tuple[str, dict[str, Any]]]], Awaitable[BatchResult]]:
    """How a round of re-asks goes as a batch: waited for, and recorded as re-asks (a later
    `batch collect` of the run's first batch asks them again)."""

    def on_submitted(batch_id: str) -> None:
        if store is not None:
            store.record_batch(batch_id, inputs, _recorded_settings(settings), profile.name)
            store.set_batch_status(batch_id, "re-asks")
        if options.on_submitted is not None:
            options.on_submitted(batch_id)

    async def submit(requests: list[tuple[str, dict[str, Any]]]) -> BatchResult:
        logger.info("%d re-asks go as a batch", len(requests))
        reasks = dataclasses.replace(options, wait=True, collect=None, on_submitted=on_submitted)
        result = await run_batch(requests, settings, reasks)
        if store is not None:
            store.set_batch_status(result.batch_id, "re-asks collected")
        return result

    return submit


def _run_deadline(settings: Settings) -> float | None:
    """When the run must be done by, on the event loop's clock (None: no limit)."""
    if settings.run_timeout is None:
        return None
    return asyncio.get_running_loop().time() + settings.run_timeout


def _unexpected_reason(error: Exception, settings: Settings) -> str:
    """A story's failure that no stage foresaw: said on one line (the traceback is logged at
    -vv), so that one story's bad luck costs that story, not the whole day's briefing."""
    secrets = settings.secrets()
    said = one_line(redact(clean_line(str(error)), secrets), 200)
    what = f"{type(error).__name__}: {said}" if said else type(error).__name__
    return f"an unexpected error while briefing it ({what})"


def _recorded_settings(settings: Settings) -> dict[str, Any]:
    """What a run was configured with, for the record: never a key."""
    return settings.model_dump(mode="json", exclude={"api_key"})


# --- the endpoint's facts and its context window -----------------------------------------------

# A replay's base URL (cli.py): `.invalid` never resolves (RFC 6761); nothing is probed.
_NOWHERE = ".invalid"


def _facts_record(facts: EndpointFacts) -> dict[str, Any]:
    return dataclasses.asdict(facts)


def _facts_from(record: dict[str, Any]) -> EndpointFacts | None:
    """The facts a store remembered, or None if they are not those this version writes."""
    names = {each.name for each in dataclasses.fields(EndpointFacts)}
    try:
        values = {name: value for name, value in record.items() if name in names}
        values["backend"] = Backend(values["backend"])
        return EndpointFacts(**values)
    except (KeyError, ValueError, TypeError):
        return None


async def _endpoint_facts(
    settings: Settings, store: Store | None, endpoint: str
) -> tuple[EndpointFacts | None, dict[str, Any] | None]:
    """What the endpoint says of itself, and what runs learned of its window since: from the
    store when it remembers this base URL and model (unless `--refresh`), else probed once and
    remembered. None for a replay, which contacts nothing."""
    host = (urlsplit(settings.base_url or "").hostname or "").lower()
    if host.endswith(_NOWHERE):
        return None, None
    if store is not None and not settings.refresh:
        remembered = store.model(endpoint)
        facts = _facts_from(remembered[0]) if remembered is not None else None
        if remembered is not None and facts is not None:
            logger.debug("endpoint %s: as remembered (%s)", endpoint, facts.evidence)
            return facts, remembered[1]
    facts = await probe_endpoint(settings)
    logger.info("endpoint: %s (%s)", facts.label, facts.evidence)
    if store is not None:
        store.remember_model(endpoint, _facts_record(facts))
    return facts, None


def _counter(settings: Settings, facts: EndpointFacts) -> Callable[[str], Awaitable[int | None]]:
    async def count(text: str) -> int | None:
        try:
            return await count_tokens(settings, facts, text)
        except Exception:  # a count is a help, not a need: the estimate stands in
            logger.debug("the server's token count failed", exc_info=True)
            return None

    return count


def _window_source(facts: EndpointFacts) -> str:
    """Where the probe found the window, as a message names it: the server, and the clause of
    its evidence that states the window ("llama.cpp server b1-0c1e570: GET /props: n_ctx 4,096
    per slot (2 slots)")."""
    clauses = facts.evidence.split("; ")
    stated = [c for c in clauses if facts.context_window and f"{facts.context_window:,}" in c]
    return f"{facts.label}: {stated[0] if stated else facts.evidence}"


def _context_window(
    settings: Settings,
    chosen_fields: frozenset[str],
    facts: EndpointFacts,
    learned: dict[str, Any] | None,
    store: Store | None,
    endpoint: str,
) -> ContextWindow:
    """The run's context window: what the server said (or a refusal taught an earlier run),
    counted with the server's tokenizer where it has one; what the run learns is remembered."""
    learned = learned or {}
    tokens = learned.get("tokens") or facts.context_window
    source = learned.get("source") if learned.get("tokens") else None
    factor = learned.get("estimate_factor")
    tokenizer_factor = learned.get("tokenizer_factor")
    output_limit = learned.get("output_limit")

    def remember(window: ContextWindow) -> None:
        if store is not None:
            store.remember_model(endpoint, _facts_record(facts), window.remembered())

    window = ContextWindow(
        tokens if isinstance(tokens, int) and tokens > 0 else None,
        source if isinstance(source, str) else _window_source(facts),
        ceiling=settings.max_output_tokens,
        context_tokens=settings.context_tokens,
        context_set="context_tokens" in chosen_fields,
        output_set="max_output_tokens" in chosen_fields,
        output_limit=output_limit if isinstance(output_limit, int) else None,
        estimate_factor=float(factor) if isinstance(factor, int | float) else None,
        tokenizer_factor=float(tokenizer_factor)
        if isinstance(tokenizer_factor, int | float)
        else 1.0,
        counter=_counter(settings, facts) if facts.tokenize else None,
        on_change=remember,
    )
    said = window.said_at_start()
    if said is not None:
        logger.warning("%s", said)
    elif window.binds:
        logger.info(
            "%s: parts of at most %s prompt tokens, each answer given what the window leaves "
            "after its prompt (at most %s)",
            window.shown(), f"{window.prompt_budget():,}", f"{window.ceiling:,}",
        )  # fmt: skip
    return window


async def _brief(
    inputs: Inputs,
    settings: Settings,
    chosen: Profile,
    prompts: PromptSet,
    store: Store | None,
    date: dt.date | None,
    on_story: ProgressCallback | None,
    status: RunStatus,
    batch: BatchOptions | None,
    chosen_fields: frozenset[str] = frozenset(),
) -> Briefing[Any]:
    deadline = _run_deadline(settings)
    stream = None
    if settings.embeddings_model is not None:
        stream = EmbeddingStream(settings, only_if_multilingual=True)
    try:
        articles, unread = _read(inputs, settings.max_file_bytes, stream.add if stream else None)
    except BaseException:
        if stream is not None:
            stream.close()
        raise
    usage = status.usage
    # The endpoint's pace is remembered per base URL and model: providers limit per model.
    endpoint = f"{settings.base_url or 'https://api.openai.com/v1'} {settings.model}"
    learned = store.pace(endpoint) if store is not None else None
    status.limit = AdaptiveLimit(settings.concurrency, learned)
    run_id = None
    # What the run was given, as the record and a later `batch collect` name it.
    given = [str(i) if not isinstance(i, Article) else i.source for i in _as_list(inputs)]
    if store is not None:
        run_id = store.start_run(given, _recorded_settings(settings), chosen.name)
    groups = day_groups(articles, stream)
    status.stories = len(groups)
    # The server is asked once what it is and what its window holds, when there is work for it.
    facts, window_learned = (
        await _endpoint_facts(settings, store, endpoint) if groups else (None, None)
    )
    plan = request_plan(settings, facts)
    # A batch's first requests are sized as always (`first_requests`): its answers must match.
    window = None
    if facts is not None and batch is None:
        window = _context_window(settings, chosen_fields, facts, window_learned, store, endpoint)
    answers = None
    if batch is not None:
        try:
            answers = await _batch_answers(
                groups, given, settings, chosen, prompts, plan, store, batch
            )
        except BatchPending:
            if store is not None and run_id is not None:
                store.finish_run(run_id, status="batch submitted")
            raise
    reask_batches = None
    if batch is not None and batch.reasks == "batch":
        reask_batches = ReaskBatches(
            len(groups),
            _reask_batch_submitter(given, settings, chosen, store, batch),
            settings.base_url,
        )
    client = model_client(settings)
    create = make_structured_create(
        settings, usage, plan, store=store, run_id=run_id, in_flight=status.limit, batch=answers,
        reask_batches=reask_batches, client=client,
    )  # fmt: skip
    # Re-asks gathered into a batch wait for every open story: none may wait for a place.
    limit = asyncio.Semaphore(len(groups) + 1 if reask_batches else settings.concurrency)

    def not_briefed(group: StoryGroup, reason: str) -> FailedStory:
        # A caller with a progress callback reports the failure itself; say it once.
        log = logger.error if on_story is None else logger.info
        log("story %s not briefed: %s", group.id, reason)
        return FailedStory(
            id=group.id, headlines=[a.headline for a in group.articles], reason=reason
        )

    async def extract(group: StoryGroup) -> StoryBase:
        async with limit:
            return await extract_story(
                group, create=create, prompts=prompts, settings=settings, profile=chosen,
                store=store, window=window, plan=plan,
            )  # fmt: skip

    async def brief(group: StoryGroup) -> StoryBase | FailedStory:
        # The run's deadline covers a story waiting for its turn as well as its requests.
        in_time = asyncio.timeout_at(deadline)
        try:
            async with in_time:
                result: StoryBase | FailedStory = await extract(group)
        except ExtractionError as error:
            result = not_briefed(group, str(error))
        except SummarizerError:
            raise  # a broken cassette, say: every story would fail the same way
        except Exception as error:
            if isinstance(error, TimeoutError) and in_time.expired():
                reason = (
                    "not done when the run's time ran out (SUMMARIZER_RUN_TIMEOUT: "
                    f"{settings.run_timeout:g} s)"
                )
            else:
                logger.debug("story %s failed unexpectedly", group.id, exc_info=True)
                reason = _unexpected_reason(error, settings)
            result = not_briefed(group, reason)
        if reask_batches is not None:
            reask_batches.story_done()
        status.done += 1
        if on_story is not None:
            on_story(group, result)
        return result

    try:
        async with client:
            results = await asyncio.gather(*(brief(group) for group in groups))
    except BaseException as error:
        if store is not None and run_id is not None:
            interrupted = isinstance(error, (KeyboardInterrupt, asyncio.CancelledError))
            store.finish_run(run_id, status="interrupted" if interrupted else "failed")
        raise
    if store is not None and status.limit.answers:
        store.remember_pace(endpoint, *status.limit.learned())
    stories = [r for r in results if isinstance(r, StoryBase)]
    usage.reasks = sum(story.reasks for story in stories)
    usage.quotes_repaired = sum(story.quotes_repaired for story in stories)
    briefing = chosen.briefing(
        date=date or main_date(articles),
        profile=chosen.name,
        language=settings.language,
        model=settings.model,
        mode=plan.mode.value,
        backend=plan.backend.value,
        stories=stories,
        failed_stories=[r for r in results if isinstance(r, FailedStory)],
        unread_articles=unread,
        usage=usage,
        run_id=run_id,
    )
    if store is not None and run_id is not None:
        failed = briefing.failed_stories or briefing.unread_articles
        outcome = "failed" if not stories else "partial" if failed else "ok"
        store.finish_run(run_id, status=outcome, briefing=briefing)
    return briefing


def summarize(
    inputs: Inputs,
    *,
    settings: Settings | None = None,
    date: dt.date | None = None,
    on_story: ProgressCallback | None = None,
    profile: str | Profile | None = None,
    store: Store | str | Path | None = None,
    status: RunStatus | None = None,
    batch: BatchOptions | None = None,
    **overrides: Any,
) -> Briefing[Any]:
    """Synchronous `asummarize`; call `asummarize` from code that already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(
            asummarize(
                inputs,
                settings=settings,
                date=date,
                on_story=on_story,
                profile=profile,
                store=store,
                status=status,
                batch=batch,
                **overrides,
            )
        )
    raise RuntimeError("summarize() cannot run inside an event loop; await asummarize() instead")
