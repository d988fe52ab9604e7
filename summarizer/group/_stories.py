"""Group: put the day's articles that cover the same event into one story, and mark duplicates.

Stories. Articles are compared by TF-IDF cosine similarity of their content words, names
(capitalised words) counted double because stories are told apart by who is in them. Then who
and when weigh as a reader weighs them: two articles in a cased script that share not one name
are not one story, whatever sentences they share, and two published more than `APART_DAYS`
apart count half. Clusters are merged by average linkage — two clusters join only when their
articles are, on average, similar enough — so one article that mentions two events (a company,
a country) cannot chain them into one story, as single linkage would; an article left alone
then joins the story of its nearest article when it is near enough to that story as a whole
(`JOIN_ALONE`). Measured on labelled news nobody here wrote, ECB+ and BASIL
(benchmarks/public_sets.py), and on our own days (benchmarks/grouping.py).

Duplicates. Within a story, an article is a duplicate of another when it republishes it (most
five-word runs shared) or rewrites it (the same names and numbers, in the same order). The
original is an agency's own copy, then one credited to an outlet, then the earliest dated, then
the longest. A duplicate is shown in the sources but is not an independent witness, and its text
is not sent to the model.

Copies with words of their own. A duplicate's text is left out, so it must add nothing: a
republished copy is one only when it has the same words as its original (case, punctuation,
quote marks and a credit line such as "(Reporting by …)" aside). Where one of two near-identical
texts has words the other lacks — a sentence added, one left out, a word changed — neither
stands in for the other, whatever their dates and outlets say (a file can claim any): both are
sent, and the one that `repeats` the other (the longer, when one text lies wholly inside the
other) is a witness only for the words that are its own. A rewrite in words of its own (fewer
than `EDITED_COPY_WORDS` of its words the other's, in order) is a duplicate as before; words
alone cannot tell a condensed rewrite from a paraphrase that adds a claim, so there the order
above decides.

Languages. Chinese, Japanese and Thai are read in character pairs, Korean words too (their
endings change with the grammar); other scripts in words. Articles in different languages share
few terms even about one event — names in Latin script, Chinese characters in Chinese and
Japanese — so a pair in two different languages counts its similarity `CROSS_LANGUAGE_WEIGHT`
times (two of the languages news is commonly written in, `LANGUAGE_NAMES`: a rare answer of the
language detector is more often a misreading than a language). With embeddings (`embeddings`,
from an embeddings endpoint), a pair in two languages whose embeddings are at least
`EMBEDDING_LINK` alike is linked at that similarity too.

No model is called; 1,000 articles group in about a second (`benchmarks/grouping.py`).
"""

from __future__ import annotations

import hashlib
import heapq
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property
from typing import Any

from .._article import Article, main_date, published_before
from .._language import LANGUAGE_NAMES

__all__ = ["StoryGroup", "group_articles"]

STORY_THRESHOLD = 0.25  # average cosine similarity at which two clusters are one story
MAX_POSTING = 200  # articles a term may be in and still count towards similarity, on a big day
NEIGHBOURS = 30  # links each article keeps on a big day: more than any story's articles, bar few
REPUBLISHED_SHINGLES = 0.5  # share of five-word runs in common: a republished copy
REWRITE_ENTITY_COVERAGE = 0.6  # share of names and numbers in the same order: a rewrite
# Short articles on one event share their few names by necessity (the Bank of Japan, its
# governor, the rate): a rewrite must match this many names and numbers in order.
MIN_ENTITIES_MATCHED = 25
# Share of the shorter text's words that the other has, in the same order, at which two texts
# that each have words of their own are one text edited, not a rewrite: the seeds' rewrite, in
# its own words, shares 0.54 of its words with its original; an edited copy that changes one
# word in five keeps 0.8 (and by then shares too few five-word runs to count as republished).
EDITED_COPY_WORDS = 0.8
# A credit line a republisher adds, which adds nothing to the report: "(Reporting by Continental
# Wire; republished by Lowlands Daily)", "(Reuters)". Names only, so that it carries no claim.
_NAME = r"[A-Z][\w.'’&-]*"
_CREDIT_PART = (
    r"(?i:(?:additional\s+)?reporting|writing|editing|compiled|compiling|republished|translated"
    rf"|photos?|produced)\s+by\s+{_NAME}(?:\s+(?:{_NAME}|and|in|of|for|from|de|van|von))*"
)
_CREDIT_LINE = re.compile(
    rf"\(?\s*{_CREDIT_PART}(?:\s*[;,]\s*{_CREDIT_PART})*\s*\)?\.?"
    rf"|\(\s*{_NAME}(?:\s+{_NAME}){{0,3}}\s*\)\.?"
)
# What a republisher's typesetting changes in a word, and is no new word.
_TYPESETTING = str.maketrans(
    {c: "'" for c in "‘’‚‛′`´"} | {c: '"' for c in "“”„‟″«»"} | {c: "-" for c in "‐‑‒–—―−"}
)
_EDGE_PUNCTUATION = "\"'()[]{}.,;:!?…*_-"
# Measured on tests/day-multilingual with seeds/ and tests/day/ beside it: pairs about one event
# in two languages score 0.10 to 0.31, pairs about different events at most 0.003.
CROSS_LANGUAGE_WEIGHT = 3.0
# Cosine similarity of two embeddings at which articles in two languages are linked. Not
# calibrated against a live embedding model here (none is reachable): see the README.
EMBEDDING_LINK = 0.6
# When. Reports published more than `APART_DAYS` apart count their similarity `APART_WEIGHT`
# times: a reader keeps apart two court rulings of one kind a month apart. Tuned on BASIL and
# ECB+'s tuning topics (benchmarks/public_sets.py): BASIL's events, one a triplet of outlets,
# are told within three days; ECB+ counts follow-ups weeks later as the same event, so the
# gap weighs rather than forbids.
APART_DAYS = 3
APART_WEIGHT = 0.5
# An article left alone joins the story its articles are on average this similar to: most
# articles alone are a story's own angle on it (ECB+'s tuning topics: 0.877 → 0.893 BCubed F),
# and a story of one is shown alone when nothing is this near.
JOIN_ALONE = 0.1
# Who. Two articles in one cased script that share not one name (a capitalised word within a
# sentence) are not one story, whatever else they share: reports of one kind, written from
# the same sentences, are told apart by who is in them.
MIN_NAMES = 3  # a title and a sentence may name one party each way: too few to tell by
_CASED_SHARE = 0.5  # letters with a case, of all letters: a script that writes names in capitals
# Short. Two short texts on one event share fewer of their words than two long ones do, so
# their cosine is lower for the same closeness: a pair that shares `SHORT_SHARED_NAMES` names
# and whose shorter side has fewer than `SHORT_TERMS` distinct terms counts up to
# `SHORT_BOOST` more, in proportion to how short it is (a title and a sentence, some 20 terms:
# ×1.38). Two names, not one, because short reports written to one template share every other
# word, and one name by chance (a town in one is a rival in another). Tuned on ECB+'s tuning
# topics cut to feed items (benchmarks/public_sets.py: 0.818 → 0.834 BCubed F; whole articles
# 0.891 → 0.890).
SHORT_TERMS = 80
SHORT_BOOST = 0.5
SHORT_SHARED_NAMES = 2

# Words in any script that spaces its words: a letter, then letters, digits, apostrophes, hyphens.
_WORD = re.compile(r"[^\W\d_][\w'’-]+")
# Chinese, Japanese (kana and kanji) and Thai write no spaces: their runs are read as bigrams.
_UNSPACED_RUN = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f\uac00-\ud7af]+"
)
_ENTITY = re.compile(r"[A-Z][\w’'-]+|\d[\d,.]*")
_STOPWORDS = frozenset(
    """a about after again against all also among an and any are as at be been before being
    between both but by can could did do does during each for from had has have he her his how
    if in into is it its more most no nor not of on once only or other our out over said says
    she should so some such than that the their them then there these they this those through to
    under until up very was we were what when where which while who whom why will with would
    you your year years new one two first last told according""".split()
)
# Words that start sentences or name the obvious: no evidence two articles share an event.
_ENTITY_STOPWORDS = frozenset(
    "The A An In On At For And But Or He She It They We This That These Those His Her Its "
    "Their Mr Ms Mrs Dr".split()
)


@dataclass(frozen=True)
class StoryGroup:
    """The articles of one story, in reading order, and which are duplicates of which."""

    articles: tuple[Article, ...]
    duplicates: dict[str, str] = field(default_factory=dict)
    """Duplicate article id → the id of the article it copies or rewrites."""
    repeats: dict[str, str] = field(default_factory=dict)
    """Article id → the id of an article whose words it repeats with words of its own (a
    sentence added, left out or changed). Both are sent to the model; what both say counts
    once, for the article repeated."""

    @property
    def id(self) -> str:
        ids = ",".join(sorted(article.id for article in self.articles))
        return hashlib.sha256(ids.encode()).hexdigest()[:8]

    @property
    def originals(self) -> tuple[Article, ...]:
        """The independent articles: those that are not a duplicate of another."""
        return tuple(a for a in self.articles if a.id not in self.duplicates)

    @property
    def independent(self) -> tuple[Article, ...]:
        """The originals that do not repeat another's words: the story's independent reports."""
        return tuple(a for a in self.originals if a.id not in self.repeats)

    @property
    def headline(self) -> str:
        """A headline for the group before any model has read it: a real headline (not a lead)
        of an independent article that is not an earlier report, the longest such article's."""
        day = main_date(self.originals)
        ranked = sorted(
            self.originals,
            key=lambda a: (
                a.id in self.repeats,
                a.headline_from_lead,
                published_before(a, day),
                -len(a.body),
            ),
        )
        return ranked[0].headline

    def outline(self) -> dict[str, Any]:
        """The group as JSON-ready data, for `summarizer stories --json`."""
        return {
            "id": self.id,
            "headline": self.headline,
            "articles": len(self.articles),
            "independent": len(self.independent),
            "sources": [
                {
                    "article_id": a.id,
                    "path": a.source,
                    "outlet": a.outlet,
                    "headline": a.headline,
                    "published": a.published.isoformat() if a.published else None,
                    "language": a.language,
                    "duplicate_of": self.duplicates.get(a.id),
                    "repeats": self.repeats.get(a.id),
                }
                for a in self.articles
            ],
        }


def _terms(article: Article) -> Counter[str]:
    terms: Counter[str] = Counter()
    text = article.headline + " " + article.body
    for run in _UNSPACED_RUN.findall(text):
        terms.update(run[i : i + 2] for i in range(len(run) - 1))
    for word in _WORD.findall(_UNSPACED_RUN.sub(" ", text)):
        lowered = word.lower()
        if lowered in _STOPWORDS or len(lowered) < 3:
            continue
        terms[lowered] += 2 if word[0].isupper() else 1
    return terms


_SENTENCE_ENDS = tuple(".!?…。！？؟")
# Capitalised in English, but when, not who: every report of a Thursday writes "Thursday".
_DAYS_AND_MONTHS = frozenset(
    """monday tuesday wednesday thursday friday saturday sunday january february march april
    may june july august september october november december jan feb mar apr jun jul aug sep
    sept oct nov dec""".split()
)
_CLOSING = "\"'”’»)]"


def _names(article: Article) -> frozenset[str] | None:
    """The names an article writes within its sentences (a capitalised word that does not
    start one), or None in a script without capitals (Chinese, Arabic, Hindi…), where nothing
    tells a name from another word."""
    letters = [c for c in article.body[:4000] if c.isalpha()]
    cased = sum(1 for c in letters if c.isupper() or c.islower())
    if not letters or cased < _CASED_SHARE * len(letters):
        return None
    names = set()
    for paragraph in [article.headline, *article.body.split("\n")]:
        starts_sentence = True
        for token in paragraph.split():
            word = token.strip(_EDGE_PUNCTUATION + "“”‘’«»")
            if not starts_sentence and word[:1].isupper() and len(word) > 1:
                names.add(word.casefold())
            starts_sentence = token.rstrip(_CLOSING).endswith(_SENTENCE_ENDS)
    return frozenset(names - _STOPWORDS - _DAYS_AND_MONTHS)


def _weighed(
    articles: Sequence[Article], similarity: dict[tuple[int, int], float], sizes: Sequence[int]
) -> dict[tuple[int, int], float]:
    """Similarities weighed by who, when and how short: pairs that share no name dropped
    (see `MIN_NAMES`), pairs published apart weighed down (`APART_DAYS`), and short pairs that
    share names weighed up (`SHORT_TERMS`); `sizes` are the articles' distinct terms."""
    names = [_names(article) for article in articles]
    dates = [article.published for article in articles]
    languages = [article.language for article in articles]
    weighed = {}
    for (i, j), value in similarity.items():
        names_i, names_j = names[i], names[j]
        # None where a script has no capitals to tell names by: no name rule either way.
        shared = None if names_i is None or names_j is None else len(names_i & names_j)
        if (
            shared == 0
            and min(len(names_i or ()), len(names_j or ())) >= MIN_NAMES
            and languages[i] == languages[j]
        ):
            continue
        date_i, date_j = dates[i], dates[j]
        if date_i is not None and date_j is not None and abs((date_i - date_j).days) > APART_DAYS:
            value *= APART_WEIGHT
        shortness = 1 - min(sizes[i], sizes[j]) / SHORT_TERMS
        if shared is not None and shared >= SHORT_SHARED_NAMES and shortness > 0:
            value *= 1 + SHORT_BOOST * shortness
        weighed[(i, j)] = value
    return weighed


def _join_alone(
    clusters: list[list[int]], similarity: dict[tuple[int, int], float]
) -> list[list[int]]:
    """Clusters with each article left alone moved into the story of the article it is most
    similar to, when it is on average `JOIN_ALONE` similar to that story's articles. Two
    articles alone that are each other's nearest stay apart: nothing but their one link
    speaks for them, and it fell short of the threshold."""
    stories = [cluster for cluster in clusters if len(cluster) > 1]
    alone = {cluster[0] for cluster in clusters if len(cluster) == 1}
    story_of = {i: index for index, cluster in enumerate(stories) for i in cluster}
    nearest: dict[int, tuple[float, int]] = {}
    totals: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for (i, j), value in similarity.items():
        for single, other in ((i, j), (j, i)):
            if single not in alone:
                continue
            if (value, -other) > (nearest.get(single) or (-1.0, 0)):
                nearest[single] = (value, -other)
            if other in story_of:
                totals[single][story_of[other]] += value
    joined = [list(cluster) for cluster in stories]
    for single in sorted(alone):
        closest = -nearest[single][1] if single in nearest else None
        story = story_of.get(closest) if closest is not None else None
        if story is not None and totals[single][story] / len(stories[story]) >= JOIN_ALONE:
            joined[story].append(single)
        else:
            joined.append([single])
    return [sorted(cluster) for cluster in joined]


def _vectors(articles: Sequence[Article]) -> list[dict[str, float]]:
    counts = [_terms(article) for article in articles]
    document_frequency: Counter[str] = Counter(term for count in counts for term in count)
    n = len(articles)
    vectors = []
    for count in counts:
        vector = {
            term: tf * (math.log((1 + n) / (1 + document_frequency[term])) + 1)
            for term, tf in count.items()
        }
        norm = math.sqrt(sum(weight * weight for weight in vector.values())) or 1.0
        vectors.append({term: weight / norm for term, weight in vector.items()})
    return vectors


def _similarities(vectors: list[dict[str, float]]) -> dict[tuple[int, int], float]:
    """Cosine similarity of every pair that shares a term, through an inverted index.

    Terms in many articles carry little weight and would make this quadratic: once the day
    passes 500 articles, a term in more than a tenth of them, or in more than `MAX_POSTING`
    (more than any one story has), is left out of the sums (never of the norms). The work is
    then bounded by the articles times `MAX_POSTING`, not by their square.
    """
    n = len(vectors)
    cap = n if n <= 500 else min(n // 10, MAX_POSTING)
    postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for index, vector in enumerate(vectors):
        for term, weight in vector.items():
            postings[term].append((index, weight))
    sums: dict[tuple[int, int], float] = defaultdict(float)
    for posting in postings.values():
        if len(posting) > cap:
            continue
        for a in range(len(posting)):
            i, wi = posting[a]
            for b in range(a + 1, len(posting)):
                j, wj = posting[b]
                sums[(i, j)] += wi * wj
    return sums if n <= 500 else _nearest(sums, n)


def _nearest(sums: dict[tuple[int, int], float], n: int) -> dict[tuple[int, int], float]:
    """Each article's `NEIGHBOURS` most similar others (a pair stays if either keeps it): the
    faint links of a big day cost the clustering most of its time and change no story, since a
    missing link counts as 0 and can only keep two clusters apart."""
    best: list[list[tuple[float, int]]] = [[] for _ in range(n)]
    for (i, j), value in sums.items():
        for a, b in ((i, j), (j, i)):
            if len(best[a]) < NEIGHBOURS:
                heapq.heappush(best[a], (value, b))
            elif value > best[a][0][0]:
                heapq.heapreplace(best[a], (value, b))
    kept = {(min(i, j), max(i, j)) for i in range(n) for _, j in best[i]}
    return {pair: sums[pair] for pair in kept}


def _average_linkage(
    n: int, similarity: dict[tuple[int, int], float], threshold: float
) -> list[list[int]]:
    """Clusters of the items 0..n-1; a pair missing from `similarity` counts as 0."""
    members = [[i] for i in range(n)]
    # links[a][b]: the sum of similarities between the members of clusters a and b.
    links: list[dict[int, float]] = [{} for _ in range(n)]
    for (i, j), value in similarity.items():
        links[i][j] = links[j][i] = value
    heap = [(-value, i, j) for (i, j), value in similarity.items() if value >= threshold]
    heapq.heapify(heap)
    while heap:
        negative, a, b = heapq.heappop(heap)
        if not (members[a] and members[b]):
            continue  # one side was merged away
        if abs(links[a].get(b, 0.0) / (len(members[a]) * len(members[b])) + negative) > 1e-12:
            continue  # stale: a side grew since this entry was pushed
        for c, total in links[b].items():
            del links[c][b]
            if c != a:
                links[a][c] = links[c][a] = links[a].get(c, 0.0) + total
        links[b] = {}
        members[a].extend(members[b])
        members[b] = []
        for c, total in links[a].items():
            average = total / (len(members[a]) * len(members[c]))
            if average >= threshold:
                heapq.heappush(heap, (-average, min(a, c), max(a, c)))
    return [sorted(cluster) for cluster in members if cluster]


def _shingles(article: Article, k: int = 5) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", article.body.lower())
    return {tuple(words[i : i + k]) for i in range(max(len(words) - k + 1, 1))}


def _entities(article: Article) -> list[str]:
    return [e for e in _ENTITY.findall(article.body) if e not in _ENTITY_STOPWORDS]


def _word(token: str) -> str:
    """A word as two copies of one text may differ in typesetting only: case, quote marks,
    dashes, the punctuation around it."""
    folded = unicodedata.normalize("NFKC", token).casefold().translate(_TYPESETTING)
    return folded.strip(_EDGE_PUNCTUATION)


@dataclass
class _Fingerprint:
    """What duplicate detection compares, computed once per article."""

    shingles: set[tuple[str, ...]]
    entities: list[str]
    body: str

    @cached_property
    def tokens(self) -> list[str]:
        """The body's words as written; read only for a pair found to be copies, since most
        articles are in none (a fifth of the time to group a day if read for all)."""
        return [token for token in self.body.split() if _word(token)]

    @cached_property
    def words(self) -> list[str]:
        """The body's words as compared."""
        return [_word(token) for token in self.tokens]


def _fingerprint(article: Article) -> _Fingerprint:
    return _Fingerprint(_shingles(article), _entities(article), article.body)


def _copy_kind(a: _Fingerprint, b: _Fingerprint) -> str | None:
    """'republished' (most five-word runs shared), 'rewrite' (the same names and numbers in the
    same order), or None."""
    shingles_a, shingles_b = a.shingles, b.shingles
    if len(shingles_a & shingles_b) / len(shingles_a | shingles_b) >= REPUBLISHED_SHINGLES:
        return "republished"
    entities_a, entities_b = a.entities, b.entities
    shorter = min(len(entities_a), len(entities_b))
    if shorter < MIN_ENTITIES_MATCHED:
        return None
    matcher = SequenceMatcher(None, entities_a, entities_b, autojunk=False)
    matched = sum(block.size for block in matcher.get_matching_blocks())
    if matched >= MIN_ENTITIES_MATCHED and matched / shorter >= REWRITE_ENTITY_COVERAGE:
        return "rewrite"
    return None


@dataclass(frozen=True)
class _Overlap:
    """How two texts' words compare."""

    a_own: bool
    """`a` has words `b` lacks: a run that `b` does not have in that place, not a credit line."""
    b_own: bool
    shared: float
    """The share of the shorter text's words that the other has, in the same order."""


def _overlap(a: _Fingerprint, b: _Fingerprint) -> _Overlap:
    matcher = SequenceMatcher(None, a.words, b.words, autojunk=False)
    a_own = b_own = False
    for operation, a_start, a_end, b_start, b_end in matcher.get_opcodes():
        if operation != "equal":
            a_own = a_own or not _credit_line(a.tokens[a_start:a_end])
            b_own = b_own or not _credit_line(b.tokens[b_start:b_end])
    matched = sum(block.size for block in matcher.get_matching_blocks())
    return _Overlap(a_own, b_own, matched / max(min(len(a.words), len(b.words)), 1))


def _credit_line(tokens: list[str]) -> bool:
    """True for no words at all, or a credit line: names only, which report nothing."""
    return not tokens or _CREDIT_LINE.fullmatch(" ".join(tokens)) is not None


def _original_first(article: Article, position: int) -> tuple[object, ...]:
    # An agency's own copy first (a wire story's outlet is the agency of its dateline); then one
    # credited to an outlet; then the earliest dated, undated last; then the longest; then
    # reading order. Every one of these a file can claim falsely: which article is left out is
    # decided by their words (`_copies`), this order only between two that have the same words.
    own_wire = article.agency is not None and article.outlet == article.agency
    return (
        not own_wire,
        article.outlet is None,
        article.published is None,
        article.published,
        -len(article.body),
        position,
    )


def _copies(articles: tuple[Article, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """The duplicates (copy → original) and the repeats (copy with words of its own → the
    article it repeats) among a story's articles."""
    order = sorted(range(len(articles)), key=lambda i: _original_first(articles[i], i))
    prints = [_fingerprint(article) for article in articles] if len(articles) > 1 else []
    duplicates: dict[str, str] = {}
    repeats: dict[str, str] = {}
    for rank, i in enumerate(order):
        if articles[i].id in duplicates:
            continue
        for j in order[rank + 1 :]:
            if articles[j].id in duplicates:
                continue
            kind = _copy_kind(prints[i], prints[j])
            if kind is None:
                continue
            overlap = _overlap(prints[i], prints[j])
            i_own, j_own = overlap.a_own, overlap.b_own
            # The same words, a credit line aside: the copy adds nothing. A rewrite in words of
            # its own throughout tells the same names and numbers: one report, told twice.
            same_words = not i_own and not j_own
            retold = kind == "rewrite" and i_own and j_own and overlap.shared < EDITED_COPY_WORDS
            if same_words or retold:
                duplicates[articles[j].id] = articles[i].id
            elif i_own and not j_own:
                # j lies word for word inside i: i repeats it, with words of its own.
                repeats.setdefault(articles[i].id, articles[j].id)
            else:
                repeats.setdefault(articles[j].id, articles[i].id)
    return duplicates, repeats


def _across_languages(
    articles: Sequence[Article],
    similarity: dict[tuple[int, int], float],
    embeddings: Sequence[Sequence[float]] | None,
) -> dict[tuple[int, int], float]:
    """Similarities with pairs in two languages weighted up, and linked by embeddings."""
    languages = [article.language for article in articles]
    if embeddings is None and len(set(languages) & LANGUAGE_NAMES.keys()) < 2:
        return similarity  # one language (the usual day): nothing to weigh

    def crosses(i: int, j: int) -> bool:
        first, second = languages[i], languages[j]
        return first in LANGUAGE_NAMES and second in LANGUAGE_NAMES and first != second

    weighted = {
        pair: min(1.0, value * CROSS_LANGUAGE_WEIGHT) if crosses(*pair) else value
        for pair, value in similarity.items()
    }
    if embeddings is not None:
        for (i, j), value in _embedding_links(embeddings).items():
            if crosses(i, j):
                weighted[(i, j)] = max(weighted.get((i, j), 0.0), value)
    return weighted


def _embedding_links(embeddings: Sequence[Sequence[float]]) -> dict[tuple[int, int], float]:
    """Pairs whose embeddings are at least `EMBEDDING_LINK` alike: each article's
    `NEIGHBOURS` nearest, a block of rows at a time so that a big day stays in memory."""
    import numpy as np

    matrix = np.asarray(embeddings, dtype=np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    links: dict[tuple[int, int], float] = {}
    n = len(matrix)
    keep = min(NEIGHBOURS, n - 1)
    for start in range(0, n, 1024):
        block = matrix[start : start + 1024] @ matrix.T
        for row, scores in enumerate(block):
            i = start + row
            scores[i] = -1.0
            if keep <= 0:
                continue
            for j in np.argpartition(-scores, keep - 1)[:keep]:
                if scores[j] >= EMBEDDING_LINK:
                    links[(min(i, int(j)), max(i, int(j)))] = float(scores[j])
    return links


def group_articles(
    articles: Sequence[Article],
    threshold: float = STORY_THRESHOLD,
    *,
    embeddings: Sequence[Sequence[float]] | None = None,
) -> list[StoryGroup]:
    """Stories, most-covered first (independent articles, then all); ties in reading order.

    `embeddings`, one per article, link articles in different languages (see `embed_articles`).
    """
    if not articles:
        return []
    if embeddings is not None and len(embeddings) != len(articles):
        raise ValueError(f"{len(embeddings)} embeddings for {len(articles)} articles")
    vectors = _vectors(articles)
    similarity = _weighed(articles, _similarities(vectors), [len(v) for v in vectors])
    similarity = _across_languages(articles, similarity, embeddings)
    clusters = _join_alone(_average_linkage(len(articles), similarity, threshold), similarity)
    groups = []
    for cluster in sorted(clusters):
        story = tuple(articles[i] for i in cluster)
        duplicates, repeats = _copies(story)
        groups.append(StoryGroup(story, duplicates, repeats))
    return sorted(groups, key=lambda g: (-len(g.originals), -len(g.articles)))
