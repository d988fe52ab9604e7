"""Embeddings of the day's articles, for grouping across languages.

In: the articles and the run's settings (`embeddings_model`, `base_url`, key). Out: one vector
per article, in order, from the OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Ollama,
vLLM, LM Studio, llama.cpp serve it). Each article is embedded by its headline and first
`EMBEDDED_CHARACTERS` characters, `INPUTS_PER_REQUEST` articles a request.
"""

from __future__ import annotations

from collections.abc import Sequence

import openai

from ._article import Article
from ._errors import EmbeddingError
from ._redact import one_line, redact, server_message
from ._settings import Settings

__all__ = ["embed_articles"]

EMBEDDED_CHARACTERS = 2000  # the lead carries the event; 2,000 characters stay under 8k tokens
INPUTS_PER_REQUEST = 256  # OpenAI takes up to 2,048 inputs a request; local servers fewer


def embed_articles(articles: Sequence[Article], settings: Settings) -> list[list[float]]:
    """One embedding per article, by `settings.embeddings_model`; `EmbeddingError` on failure."""
    if settings.embeddings_model is None:
        raise EmbeddingError("no embeddings model is set (--embeddings-model)")
    secret = settings.api_key.get_secret_value() if settings.api_key else None
    client = openai.OpenAI(
        api_key=secret or "no-key",
        base_url=settings.base_url,
        timeout=settings.timeout,
        max_retries=2,
    )
    texts = [f"{a.headline}\n\n{a.body[:EMBEDDED_CHARACTERS]}" for a in articles]
    vectors: list[list[float]] = []
    try:
        for start in range(0, len(texts), INPUTS_PER_REQUEST):
            chunk = texts[start : start + INPUTS_PER_REQUEST]
            answer = client.embeddings.create(model=settings.embeddings_model, input=chunk)
            ordered = sorted(answer.data, key=lambda item: item.index)
            if len(ordered) != len(chunk):
                raise EmbeddingError(
                    f"embeddings: {len(ordered)} vectors came back for {len(chunk)} articles"
                )
            vectors.extend(list(item.embedding) for item in ordered)
    except openai.APIError as error:
        status = getattr(error, "status_code", None)
        where = f" (HTTP {status})" if status else ""
        said = server_message(error) if isinstance(error, openai.APIStatusError) else None
        message = one_line(redact(said or str(error.message), [secret or ""]))
        raise EmbeddingError(
            f"embeddings from {settings.embeddings_model!r} failed{where}: {message}"
        ) from None
    finally:
        client.close()
    return vectors
