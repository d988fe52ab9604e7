"""Embeddings of the day's articles, for grouping across languages.

In: the articles and the run's settings (`embeddings_model`, `base_url`, key). Out: one vector
per article, in order, from the OpenAI-compatible `/v1/embeddings` endpoint (OpenAI, Ollama,
vLLM, LM Studio, llama.cpp serve it). Each article is embedded by its headline and first
`EMBEDDED_CHARACTERS` characters, `INPUTS_PER_REQUEST` articles a request, up to
`REQUESTS_IN_FLIGHT` requests at once.

Embeddings do not wait for grouping, so a run embeds while it reads (`EmbeddingStream`): each
full request goes out as soon as its articles are read, once the day has shown a second
language (a day in one language needs none).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from .._article import Article
from .._control import clean_line
from .._errors import EmbeddingError
from .._language import LANGUAGE_NAMES
from .._redact import one_line, redact, server_message
from .._settings import Settings

__all__ = ["EmbeddingStream", "embed_articles"]

EMBEDDED_CHARACTERS = 2000  # the lead carries the event; 2,000 characters stay under 8k tokens
INPUTS_PER_REQUEST = 256  # OpenAI takes up to 2,048 inputs a request; local servers fewer
REQUESTS_IN_FLIGHT = 4


def _text(article: Article) -> str:
    return f"{article.headline}\n\n{article.body[:EMBEDDED_CHARACTERS]}"


class EmbeddingStream:
    """Articles in as they are read, their embeddings out at the end.

    `add` each article; a request is sent in the background whenever `chunk` articles are
    waiting (with `only_if_multilingual`, not before a second language has appeared). `vectors`
    sends the rest, waits, and returns one embedding per article asked for, in that order.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        only_if_multilingual: bool = False,
        chunk: int = INPUTS_PER_REQUEST,
    ) -> None:
        if settings.embeddings_model is None:
            raise EmbeddingError("no embeddings model is set (--embeddings-model)")
        self.model = settings.embeddings_model
        self.chunk = chunk
        self.requests_sent = 0
        self._secrets = settings.secrets()
        # Here, not at the top: a day grouped without embeddings never loads the client.
        from .._clients import sync_client
        from .._http import guarded_sync_http_client

        # Article text goes only where --base-url points: no redirect to another server.
        http = guarded_sync_http_client(secrets=self._secrets)
        self._client = sync_client(settings, http, max_retries=2)
        self._pool = ThreadPoolExecutor(REQUESTS_IN_FLIGHT, thread_name_prefix="embeddings")
        self._started = not only_if_multilingual
        self._languages: set[str] = set()
        self._waiting: list[Article] = []
        self._sent: list[tuple[list[str], Future[list[list[float]]]]] = []

    def add(self, article: Article) -> None:
        if article.language in LANGUAGE_NAMES:
            self._languages.add(article.language)
        self._started = self._started or len(self._languages) > 1
        self._waiting.append(article)
        while self._started and len(self._waiting) >= self.chunk:
            self._send(self._waiting[: self.chunk])
            del self._waiting[: self.chunk]

    def needed(self) -> bool:
        """Whether the day so far calls for embeddings (two languages, or always)."""
        return self._started

    def vectors(self, articles: Sequence[Article]) -> list[list[float]]:
        """One embedding per article of `articles`, embedding any not yet added or sent."""
        self._started = True
        known = {article_id for ids, _ in self._sent for article_id in ids}
        known |= {article.id for article in self._waiting}
        self._waiting += [article for article in articles if article.id not in known]
        for start in range(0, len(self._waiting), self.chunk):
            self._send(self._waiting[start : start + self.chunk])
        self._waiting = []
        by_id: dict[str, list[float]] = {}
        try:
            for ids, future in self._sent:
                by_id.update(zip(ids, future.result(), strict=True))
        finally:
            self.close()
        return [by_id[article.id] for article in articles]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._client.close()

    def _send(self, articles: list[Article]) -> None:
        ids = [article.id for article in articles]
        texts = [_text(article) for article in articles]
        self.requests_sent += 1
        self._sent.append((ids, self._pool.submit(self._embed, texts)))

    def _embed(self, texts: list[str]) -> list[list[float]]:
        import openai

        try:
            answer = self._client.embeddings.create(model=self.model, input=texts)
        except openai.APIError as error:
            status = getattr(error, "status_code", None)
            where = f" (HTTP {status})" if status else ""
            said = server_message(error) if isinstance(error, openai.APIStatusError) else None
            message = one_line(redact(clean_line(said or str(error.message)), self._secrets))
            raise EmbeddingError(
                f"embeddings from {self.model!r} failed{where}: {message}"
            ) from None
        ordered = sorted(answer.data, key=lambda item: item.index)
        if len(ordered) != len(texts):
            raise EmbeddingError(
                f"embeddings: {len(ordered)} vectors came back for {len(texts)} articles"
            )
        return [list(item.embedding) for item in ordered]


def embed_articles(articles: Sequence[Article], settings: Settings) -> list[list[float]]:
    """One embedding per article, by `settings.embeddings_model`; `EmbeddingError` on failure."""
    return EmbeddingStream(settings).vectors(articles)
