"""Extract: one model call per story, through instructor, verified as it is parsed."""

from __future__ import annotations

import json
import logging
from typing import Any

import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import ValidationError

from ._article import Article
from ._budget import estimate_tokens
from ._client import RETRIED_STATUS, StructuredCreate
from ._errors import BudgetExhausted, ExtractionError
from ._group import StoryGroup
from ._merge import merge_extractions, split_to_fit
from ._prompts import PromptSet
from ._replay import is_unrecorded_request, unrecorded_request_reason
from ._schema import DroppedItem, Story, StoryExtraction
from ._settings import Settings
from ._sources import build_story
from ._verify import articles_in_scope, drop_unverified

__all__ = ["extract_story", "prompt_tokens"]


logger = logging.getLogger("summarizer")


def prompt_tokens(messages: list[dict[str, str]]) -> int:
    """The prompt's tokens, estimated: what the context budget counts."""
    return estimate_tokens("".join(message["content"] for message in messages))


def _answer_text(completion: Any) -> str | None:
    """The JSON the model answered with, whether as a tool call or as message content."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError):
        return None
    if message.tool_calls:
        return str(message.tool_calls[0].function.arguments)
    return message.content if isinstance(message.content, str) else None


def _status_reason(status: int) -> str:
    if status in RETRIED_STATUS:
        return f"the model endpoint answered HTTP {status} after every retry"
    if status in (401, 403):
        return f"the model endpoint refused the credentials (HTTP {status}): check OPENAI_API_KEY"
    if status == 404:
        return (
            "the model endpoint has no such model or path (HTTP 404): check --model and --base-url"
        )
    return f"the model endpoint rejected the request (HTTP {status})"


def _failure_reason(error: BaseException) -> str:
    """One line for the briefing: the deepest cause we recognise, never a message with secrets."""
    chain: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in chain:
        chain.append(cause)
        cause = cause.__cause__
    for cause in reversed(chain):  # deepest first
        if isinstance(cause, BudgetExhausted):
            return f"not sent: {cause}"
        if is_unrecorded_request(cause):
            return unrecorded_request_reason(cause)
        if isinstance(cause, openai.APIStatusError):
            return _status_reason(cause.status_code)
        if isinstance(cause, openai.APITimeoutError):
            return "the model endpoint timed out on every attempt"
        if isinstance(cause, openai.APIConnectionError):
            return "could not connect to the model endpoint on any attempt"
        if isinstance(cause, IncompleteOutputException):
            return "the answer was cut off by the output token limit"
    return f"the model's answer could not be used ({type(chain[-1]).__name__})"


def _salvage(
    error: InstructorRetryException, articles: dict[str, Article]
) -> tuple[StoryExtraction, list[DroppedItem]] | None:
    """After the last re-ask: keep what verifies from the final answer, drop and report the rest."""
    answer = _answer_text(error.last_completion)
    if answer is None:
        return None
    try:
        with articles_in_scope(None):
            extraction = StoryExtraction.model_validate_json(answer)
    except (ValidationError, json.JSONDecodeError):
        return None
    kept, dropped = drop_unverified(extraction, articles)
    logger.warning("%d unverifiable item(s) dropped after retries", len(dropped))
    return kept, dropped


async def _extract_part(
    articles: list[Article],
    scope: dict[str, Article],
    *,
    create: StructuredCreate,
    prompts: PromptSet,
    settings: Settings,
) -> tuple[StoryExtraction, list[DroppedItem]]:
    """One model call over `articles`; quotes are verified against the whole articles `scope`."""
    options: dict[str, Any] = {
        "model": settings.model,
        "messages": prompts.story_messages(articles),
    }
    if settings.temperature is not None:
        options["temperature"] = settings.temperature
    for output_budget in (settings.max_output_tokens, settings.max_output_tokens * 2):
        # A cut-off answer is not re-asked (it would be cut off again): it is asked once more
        # with twice the room, then reported.
        options["max_tokens"] = output_budget
        try:
            with articles_in_scope(scope):
                extraction: StoryExtraction = await create(
                    response_model=StoryExtraction, max_retries=settings.max_reasks, **options
                )
        except InstructorRetryException as error:
            salvaged = _salvage(error, scope) if error.failed_attempts else None
            if salvaged is None:
                raise ExtractionError(_failure_reason(error)) from error
            return salvaged
        except IncompleteOutputException:
            logger.warning("answer cut off at %d output tokens", output_budget)
            continue
        return extraction, []
    raise ExtractionError(
        f"the answer was cut off at {settings.max_output_tokens:,} and again at "
        f"{settings.max_output_tokens * 2:,} output tokens (SUMMARIZER_MAX_OUTPUT_TOKENS)"
    )


async def extract_story(
    group: StoryGroup, *, create: StructuredCreate, prompts: PromptSet, settings: Settings
) -> Story:
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
    extractions: list[StoryExtraction] = []
    dropped: list[DroppedItem] = []
    failures: list[str] = []
    for number, part in enumerate(parts, start=1):
        try:
            extraction, part_dropped = await _extract_part(
                part, scope, create=create, prompts=prompts, settings=settings
            )
        except ExtractionError as error:
            if len(parts) == 1:
                raise
            failures.append(str(error))
            ids = ", ".join(dict.fromkeys(a.id for a in part))
            summary = f"part {number} of {len(parts)} (articles {ids})"
            dropped.append(DroppedItem(kind="part", summary=summary, reason=str(error)))
            continue
        extractions.append(extraction)
        dropped.extend(part_dropped)
    if not extractions:
        raise ExtractionError(f"every one of its {len(parts)} parts failed: {failures[0]}")
    if len(parts) > 1:
        logger.info("story %s: extracted in %d parts and merged", group.id, len(parts))
    return build_story(merge_extractions(extractions), group, dropped)
