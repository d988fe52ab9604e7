"""Group: the day's articles → its stories, each with its duplicates and repeats marked.

In: the articles `read` gave, in reading order, and (when an embeddings model is set) an
`EmbeddingStream` they were added to as they were read. Out: `StoryGroup`s, most-covered first,
each with the articles of one event, which of them copy or rewrite another (`duplicates`), and
which repeat another's words with words of their own (`repeats`). No chat model is called.

- `_stories.py`: similarity (TF-IDF, who and when), average linkage, copies within a story.
- `_embed.py`: embeddings from an OpenAI-compatible `/v1/embeddings` endpoint, sent while the
  day is read, which link articles across languages.

`day_groups` is what `summarizer brief` and `summarizer stories` both call, so the stories list
is the briefing's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from .._article import Article
from .._errors import EmbeddingError
from ._embed import EmbeddingStream, embed_articles
from ._stories import StoryGroup, group_articles

__all__ = ["EmbeddingStream", "StoryGroup", "day_groups", "embed_articles", "group_articles"]

logger = logging.getLogger("summarizer")


def day_groups(
    articles: Sequence[Article], stream: EmbeddingStream | None = None, *, strict: bool = False
) -> list[StoryGroup]:
    """The day's stories. With `stream`, the articles' embeddings link them across languages
    when the day has two languages or more (a day in one needs none, and sends nothing more).
    An embeddings failure costs the cross-language links and is logged; with `strict` (the
    user asked for embeddings and nothing else), it raises `EmbeddingError`."""
    embeddings = None
    if stream is not None:
        try:
            if stream.needed():
                embeddings = stream.vectors(articles)
        except EmbeddingError as error:
            if strict:
                raise
            logger.warning("%s; grouping without embeddings", error)
        finally:
            stream.close()
    return group_articles(articles, embeddings=embeddings)
