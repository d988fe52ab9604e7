"""Extract: one model call per story, through instructor, verified as it is parsed."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any

import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import ValidationError

from .._article import Article
from .._control import clean_line
from .._errors import BudgetExhausted, ExtractionError
from .._evidence import Extraction
from .._group import StoryGroup
from .._http import UnusableAnswer
from .._redact import one_line, redact, server_message
from .._replay import is_unrecorded_request, unrecorded_request_reason
from .._schema import DroppedItem, StoryBase, Usage, with_checked_summary
from .._settings import Settings
from .._sources import build_story
from .._store import Store
from .._verify import articles_in_scope, drop_unverified, snap_quotes
from ..profiles import Profile
from ._budget import estimate_tokens
from ._client import RETRIED_STATUS, RequestChain, StructuredCreate, chain, citing
from ._merge import merge_by_equality, split_to_fit
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
    error: InstructorRetryException, articles: dict[str, Article], model: type[Extraction]
) -> tuple[Extraction, list[DroppedItem]] | None:
    """After the last re-ask: keep what verifies from the final answer, drop and report the rest."""
    answer = _answer_text(error.last_completion)
    if answer is None:
        return None
    try:
        with articles_in_scope(None):
            extraction = model.model_validate_json(answer)
    except (ValidationError, json.JSONDecodeError):
        return None
    kept, removed = drop_unverified(extraction, articles)
    logger.warning("%d unverifiable item(s) dropped after retries", len(removed))
    return kept, [DroppedItem(kind=r.kind, summary=r.summary, reason=r.reason) for r in removed]


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
) -> _Part:
    """One model call over `articles`; quotes are verified against the whole articles `scope`.

    Sampling and the name of the token-limit parameter are the backend's business: the request
    plan sets them (see `_backends`).
    """
    options: dict[str, Any] = {
        "model": settings.model,
        "messages": prompts.story_messages(articles),
    }
    secrets = settings.secrets()
    reasks = 0
    chains: list[RequestChain] = []
    usage = Usage()
    for output_budget in (settings.max_output_tokens, settings.max_output_tokens * 2):
        # A cut-off answer is not re-asked (it would be cut off again): it is asked once more
        # with twice the room, then reported.
        options["max_tokens"] = output_budget
        try:
            with (
                articles_in_scope(scope),
                citing(list(dict.fromkeys(a.id for a in articles))),
                chain(story_id) as sent,
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
            salvaged = _salvage(error, scope, model) if error.failed_attempts else None
            if salvaged is None:
                raise ExtractionError(_failure_reason(error, secrets, settings.timeout)) from error
            kept, dropped = salvaged
            snapped, repaired = snap_quotes(kept, scope)
            return _Part(snapped, [*chains[-1].cut, *dropped], reasks, repaired, usage)
        except IncompleteOutputException:
            logger.warning("answer cut off at %d output tokens", output_budget)
            continue
        except openai.APIError as error:
            raise ExtractionError(_failure_reason(error, secrets, settings.timeout)) from error
        _remember(store, chains)
        snapped, repaired = snap_quotes(extraction, scope)
        return _Part(snapped, list(chains[-1].cut), reasks, repaired, usage)
    raise ExtractionError(
        f"the answer was cut off at {settings.max_output_tokens:,} and again at "
        f"{settings.max_output_tokens * 2:,} output tokens (SUMMARIZER_MAX_OUTPUT_TOKENS)"
    )


async def extract_story(
    group: StoryGroup,
    *,
    create: StructuredCreate,
    prompts: PromptSet,
    settings: Settings,
    profile: Profile,
    store: Store | None = None,
) -> StoryBase:
    """The verified story of `group`; `ExtractionError` when nothing usable came back.

    Duplicates are left out: the model reads each text once, and cites the original. A story
    over the context budget is extracted in parts, one call each, and the parts merged; a part
    that fails is reported in the story, and the story fails only when every part does.
    """
    originals = list(group.originals)
    scope = {article.id: article for article in originals}

    def measure(articles: list[Article]) -> int:
        return prompt_tokens(prompts.story_messages(articles))

    parts = split_to_fit(originals, measure, settings.context_tokens)
    extractions: list[Extraction] = []
    dropped: list[DroppedItem] = []
    failures: list[str] = []
    reasks = quotes_repaired = 0
    usage = Usage()
    for number, part in enumerate(parts, start=1):
        try:
            outcome = await _extract_part(
                part,
                scope,
                create=create,
                prompts=prompts,
                settings=settings,
                model=profile.extraction,
                story_id=group.id,
                store=store,
            )
        except ExtractionError as error:
            if len(parts) == 1:
                raise
            failures.append(str(error))
            ids = ", ".join(dict.fromkeys(a.id for a in part))
            summary = f"part {number} of {len(parts)} (articles {ids})"
            dropped.append(DroppedItem(kind="part", summary=summary, reason=str(error)))
            continue
        extractions.append(outcome.extraction)
        dropped.extend(outcome.dropped)
        reasks += outcome.reasks
        quotes_repaired += outcome.quotes_repaired
        usage.include(outcome.usage)
    if not extractions:
        raise ExtractionError(f"every one of its {len(parts)} parts failed: {failures[0]}")
    if len(parts) > 1:
        logger.info("story %s: extracted in %d parts and merged", group.id, len(parts))
    merged = (profile.merge or merge_by_equality)(extractions)
    story = build_story(merged, group, profile.story, dropped)
    if profile.finish is not None:
        story = profile.finish(story)
    # Every profile's headline and bottom line are checked, a user's own too (it is idempotent).
    story = with_checked_summary(story)
    update = {"reasks": reasks, "quotes_repaired": quotes_repaired, "usage": usage}
    return story.model_copy(update=update)
