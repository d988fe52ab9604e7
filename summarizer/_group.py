"""Group: put the day's articles that cover the same event into one story.

Articles are compared by TF-IDF cosine similarity of their content words, with names (capitalised
words) counted double because stories are told apart by who is in them; articles closer than
`threshold` are linked, and each connected set is a story. No model is called.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ._article import Article

__all__ = ["StoryGroup", "group_articles"]

_WORD = re.compile(r"[A-Za-zÀ-ÿ][\w'’-]+")
_STOPWORDS = frozenset(
    """a about after again against all also among an and any are as at be been before being
    between both but by can could did do does during each for from had has have he her his how
    if in into is it its more most no nor not of on once only or other our out over said says
    she should so some such than that the their them then there these they this those through to
    under until up very was we were what when where which while who whom why will with would
    you your year years new one two first last told according""".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class StoryGroup:
    """The articles of one story, in reading order."""

    articles: tuple[Article, ...]

    @property
    def id(self) -> str:
        ids = ",".join(sorted(article.id for article in self.articles))
        return hashlib.sha256(ids.encode()).hexdigest()[:8]


def _terms(article: Article) -> Counter[str]:
    terms: Counter[str] = Counter()
    for word in _WORD.findall(article.headline + " " + article.body):
        lowered = word.lower()
        if lowered in _STOPWORDS or len(lowered) < 3:
            continue
        terms[lowered] += 2 if word[0].isupper() else 1
    return terms


def group_articles(articles: Sequence[Article], threshold: float = 0.2) -> list[StoryGroup]:
    """Stories, most-covered first; ties keep the order the articles were read in."""
    if not articles:
        return []
    counts = [_terms(article) for article in articles]
    document_frequency: Counter[str] = Counter(term for c in counts for term in c)
    n = len(articles)
    vectors = []
    for count in counts:
        vector = {
            term: tf * (math.log((1 + n) / (1 + document_frequency[term])) + 1)
            for term, tf in count.items()
        }
        norm = math.sqrt(sum(weight * weight for weight in vector.values())) or 1.0
        vectors.append({term: weight / norm for term, weight in vector.items()})

    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            small, large = sorted((vectors[i], vectors[j]), key=len)
            similarity = sum(weight * large.get(term, 0.0) for term, weight in small.items())
            if similarity >= threshold:
                parent[root(j)] = root(i)

    members: dict[int, list[Article]] = {}
    for index, article in enumerate(articles):
        members.setdefault(root(index), []).append(article)
    groups = [StoryGroup(tuple(group)) for group in members.values()]
    return sorted(groups, key=lambda group: -len(group.articles))
