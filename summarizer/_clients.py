"""The openai clients every request to an endpoint goes through, built in one place.

The chat requests (`extract/_client.py`), the Batch API (`extract/_batch.py`) and the embeddings
(`group/_embed.py`) each bring their own guarded transport (`_http.py`: no redirect to another
origin, bodies within their limits) and their own retries; the key, the endpoint and the
timeout are the run's settings, read here alone.
"""

from __future__ import annotations

from typing import Any

import httpx2
import openai

from ._settings import Settings

__all__ = ["NO_KEY", "async_client", "sync_client"]

# Local servers ignore the key, but the openai client refuses to start without one.
NO_KEY = "no-key"


def _options(settings: Settings, http_client: object, max_retries: int) -> dict[str, Any]:
    return {
        "api_key": settings.api_key.get_secret_value() if settings.api_key else NO_KEY,
        "base_url": settings.base_url,
        "max_retries": max_retries,
        "timeout": settings.timeout,
        "http_client": http_client,
    }


def async_client(
    settings: Settings, http_client: httpx2.AsyncClient, *, max_retries: int
) -> openai.AsyncOpenAI:
    """The run's endpoint, over `http_client`, retrying `max_retries` times itself."""
    return openai.AsyncOpenAI(**_options(settings, http_client, max_retries))


def sync_client(
    settings: Settings, http_client: httpx2.Client, *, max_retries: int
) -> openai.OpenAI:
    """`async_client`, for callers on threads (the embeddings sent while a day is read)."""
    return openai.OpenAI(**_options(settings, http_client, max_retries))
