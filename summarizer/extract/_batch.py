"""The Batch API: every story's first request in one file, answered within a day at half price.

In: the day's story groups, the run's settings. Out: the answers, keyed like the store's (by
`request_key`), which the model client then uses instead of sending those requests; a story
whose line failed or expired is sent live. Re-asks (an answer that failed verification, sent
back with the problems) go into a second, smaller batch once every story still open is waiting
for one (`ReaskBatches`), or live with `BatchOptions(reasks="live")`.

The requests are built by the same code as the live ones (instructor's request for the
profile's schema, shaped for the backend), so a batch answer stands exactly where a live one
would. Works with OpenAI and the servers that copy its `/v1/files` and `/v1/batches`.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import openai
from instructor.processing.response import handle_response_model

from .._clients import async_client
from .._control import clean_line
from .._errors import BatchError, BatchPending
from .._http import guarded_http_client
from .._redact import one_line, redact
from .._settings import Settings
from .._store import request_key
from ..group import StoryGroup
from ..profiles import Profile
from ._backends import RequestPlan
from ._batch_answers import BatchAnswers
from ._merge import split_to_fit
from ._prompts import PromptSet

__all__ = [
    "BatchOptions",
    "BatchResult",
    "ReaskBatches",
    "first_requests",
    "run_batch",
]

logger = logging.getLogger("summarizer")

_DONE = frozenset({"completed", "failed", "expired", "cancelled"})


@dataclass
class BatchOptions:
    """How a run uses the Batch API."""

    wait: bool = True
    collect: str | None = None
    """The id of a batch submitted earlier, to collect rather than submit anew."""
    poll_seconds: float = 30.0
    on_status: Callable[[Any], None] | None = None
    on_submitted: Callable[[str], None] | None = None
    reasks: Literal["batch", "live"] = "batch"
    """Where re-asks go: a batch of their own (half price, another wait), or live (now)."""


@dataclass
class BatchResult(BatchAnswers):
    failed: dict[str, str] = field(default_factory=dict)
    """custom_id → why its line has no answer (an error, expiry): sent live instead."""


def first_requests(
    groups: list[StoryGroup],
    *,
    prompts: PromptSet,
    settings: Settings,
    plan: RequestPlan,
    profile: Profile,
) -> list[tuple[str, dict[str, Any]]]:
    """(custom_id, body) of each story's first request — of each part, for a long story."""
    from ._client import _MODES  # the client's own mapping of modes

    def measure(articles: list[Any]) -> int:
        from ._story import prompt_tokens

        return prompt_tokens(prompts.story_messages(articles))

    requests = []
    for group in groups:
        parts = split_to_fit(list(group.originals), measure, settings.context_tokens)
        for number, part in enumerate(parts, start=1):
            _, body = handle_response_model(
                profile.extraction,
                mode=_MODES[plan.mode],
                model=settings.model,
                messages=prompts.story_messages(part),
                max_tokens=settings.max_output_tokens,
            )
            body = plan.shape_request(body, list(dict.fromkeys(a.id for a in part)))
            requests.append((f"{group.id}-{number}", body))
    return requests


def _client(settings: Settings) -> openai.AsyncOpenAI:
    """The Batch API's client: a redirect to another origin is refused, as for live requests
    (the uploaded file holds every article); bodies are not capped, since a day's results file
    is large by nature."""
    secrets = settings.secrets()
    http = guarded_http_client(body_limit=None, secrets=secrets)
    return async_client(settings, http, max_retries=openai.DEFAULT_MAX_RETRIES)


async def run_batch(
    requests: list[tuple[str, dict[str, Any]]], settings: Settings, options: BatchOptions
) -> BatchResult:
    """Submit `requests` as one batch (or find the one `options.collect` names), wait, collect."""
    async with _client(settings) as client:
        return await _submit_and_collect(client, requests, settings, options)


async def _submit_and_collect(
    client: openai.AsyncOpenAI,
    requests: list[tuple[str, dict[str, Any]]],
    settings: Settings,
    options: BatchOptions,
) -> BatchResult:
    try:
        if options.collect is None:
            lines = "".join(
                json.dumps(
                    {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
                     "body": body},
                    ensure_ascii=False,
                ) + "\n"
                for custom_id, body in requests
            )  # fmt: skip
            uploaded = await client.files.create(
                file=("summarizer-batch.jsonl", io.BytesIO(lines.encode("utf-8"))),
                purpose="batch",
            )
            batch = await client.batches.create(
                input_file_id=uploaded.id,
                endpoint="/v1/chat/completions",
                completion_window="24h",
                metadata={"summarizer": "brief"},
            )
            logger.info("batch %s submitted: %d requests", batch.id, len(requests))
            if options.on_submitted is not None:
                options.on_submitted(batch.id)
            if not options.wait:
                raise BatchPending(batch.id)
        else:
            batch = await client.batches.retrieve(options.collect)
        while batch.status not in _DONE:
            if options.on_status is not None:
                options.on_status(batch)
            await asyncio.sleep(options.poll_seconds)
            batch = await client.batches.retrieve(batch.id)
        if options.on_status is not None:
            options.on_status(batch)
        return await _collect(client, batch, requests, settings)
    except openai.APIError as error:
        secrets = settings.secrets()
        said = one_line(redact(clean_line(str(error)), secrets))
        raise BatchError(f"the batch endpoint refused: {said}") from None


async def _collect(
    client: openai.AsyncOpenAI, batch: Any, requests: list[tuple[str, dict[str, Any]]],
    settings: Settings,
) -> BatchResult:  # fmt: skip
    result = BatchResult(batch.id)
    bodies = dict(requests)
    for file_id in (batch.output_file_id, batch.error_file_id):
        if not file_id:
            continue
        content = await client.files.content(file_id)
        for line in content.text.splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            custom_id = entry.get("custom_id", "")
            response = entry.get("response") or {}
            error = entry.get("error")
            if response.get("status_code") == 200 and custom_id in bodies and not error:
                key = request_key(settings.base_url, bodies[custom_id])
                result.answers[key] = response["body"]
            else:
                reason = (
                    (error or {}).get("message")
                    or (error or {}).get("code")
                    or (f"HTTP {response.get('status_code')}")
                )
                result.failed[custom_id] = str(reason)
    answered_or_failed = len(result.answers) + len(result.failed)
    for custom_id in bodies:
        if answered_or_failed < len(bodies) and custom_id not in result.failed:
            key = request_key(settings.base_url, bodies[custom_id])
            if key not in result.answers:
                result.failed[custom_id] = f"no line in batch {batch.id} ({batch.status})"
    if result.failed:
        logger.warning(
            "batch %s: %d of %d lines without an answer (%s); those stories are sent live",
            batch.id,
            len(result.failed),
            len(bodies),
            sorted(set(result.failed.values()))[0],
        )
    return result


class ReaskBatches:
    """Re-asks gathered into batches of their own.

    Each story's task asks for its re-ask here and waits. When every story that is not finished
    is waiting, the waiting re-asks go as one batch; a second round of re-asks makes a third
    batch, and so on. A re-ask whose line fails or expires, or whose batch fails, is answered
    None: the caller sends it live.
    """

    def __init__(
        self,
        stories: int,
        submit: Callable[[list[tuple[str, dict[str, Any]]]], Awaitable[BatchResult]],
        base_url: str | None,
    ) -> None:
        self.open = stories
        self.batch_ids: list[str] = []
        self._submit, self._base_url = submit, base_url
        self._waiting: dict[str, tuple[dict[str, Any], asyncio.Future[Any]]] = {}
        self._sending: set[asyncio.Task[None]] = set()

    def story_done(self) -> None:
        self.open -= 1
        self._maybe_send()

    async def ask(self, custom_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], str] | None:
        """The answer to the re-ask `body` and the id of the batch that gave it; None to send it
        live."""
        future: asyncio.Future[tuple[dict[str, Any], str] | None]
        future = asyncio.get_running_loop().create_future()
        self._waiting[custom_id] = (body, future)
        self._maybe_send()
        return await future

    def _maybe_send(self) -> None:
        if self._waiting and len(self._waiting) >= self.open:
            waiting, self._waiting = self._waiting, {}
            task = asyncio.create_task(self._send(waiting))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _send(self, waiting: dict[str, tuple[dict[str, Any], asyncio.Future[Any]]]) -> None:
        requests = [(custom_id, body) for custom_id, (body, _) in waiting.items()]
        try:
            result = await self._submit(requests)
        except BatchError as error:
            logger.warning("re-ask batch failed (%s); its %d re-asks are sent live", error,
                           len(requests))  # fmt: skip
            for _, future in waiting.values():
                future.set_result(None)
            return
        except BaseException as error:  # cancelled, interrupted: the waiting stories fail too
            for _, future in waiting.values():
                if not future.done():
                    future.set_exception(error)
            raise
        self.batch_ids.append(result.batch_id)
        for body, future in waiting.values():
            answer = result.answers.get(request_key(self._base_url, body))
            future.set_result(None if answer is None else (answer, result.batch_id))
