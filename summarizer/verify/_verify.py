"""Verify: every quote must stand in the article it cites.

Matching forgives what typesetting changes — whitespace, curly or straight quote marks, the kind
of dash, letter case — and nothing else: a changed, added or dropped word is a miss. A quote that
matches only up to typesetting is then replaced by the article's own words (`snap_quotes`), so a
briefing never prints the model's version of a quotation.

A quote that is found must also be used as its article uses it: words that a sentence denies,
reports as a rumour, asks or supposes ("denied rumours that the president has resigned") cannot
back an item that states them as fact (`quote_frame`). A citation's `via` must name someone the
article names. A miss of either is sent back like a missing quote, and dropped if it stays.

While a story is being extracted, `articles_in_scope` holds its articles and the schema's
validator reports every miss to the model, which instructor re-asks. A context variable rather
than instructor's `context=` argument: instructor renders the messages as Jinja templates whenever
`context` is given, and article text is data that must never be rendered as a template.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

from .._control import clean_line
from .._language import detect_language

if TYPE_CHECKING:
    from .._article import Article

ExtractionT = TypeVar("ExtractionT", bound=BaseModel)

__all__ = [
    "MIN_HEADLINE_SUPPORT",
    "MIN_SENTENCE_SUPPORT",
    "MIN_SENTENCE_SUPPORT_AFTER_HEADLINE",
    "Removed",
    "articles_in_scope",
    "checking",
    "citation_problems",
    "citation_problems_in_scope",
    "cited_items",
    "drop_unverified",
    "find_quote",
    "item_kind",
    "least_items",
    "list_fields",
    "quote_frame",
    "quote_in_text",
    "sentence_around_quote",
    "snap_quotes",
    "summary_problems",
    "too_few_left",
    "unusable_reason",
    "via_problem",
]

MIN_QUOTE_WORDS = 3

_ARTICLES: ContextVar[Mapping[str, Article] | None] = ContextVar("articles", default=None)

_QUOTE_MARKS = str.maketrans(
    {c: "'" for c in "‘’‚‛′`´"}
    | {c: '"' for c in "“”„‟″«»「」『』〝〞＂"}
    | {c: "-" for c in "‐‑‒–—―−"}
)
_INVISIBLE = frozenset("\u00ad\u200b\u200c\u200d\u2060\ufeff")
_EDGE_PUNCTUATION = "\"' .,;:。、！？"
# Scripts written without spaces between words: a quote's length is counted in their characters.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f]")
MIN_QUOTE_CHARACTERS = 6  # in a script without spaces: about three words


def _long_enough(quote: str) -> bool:
    """Three words, or (Chinese, Japanese, Thai) six characters of a script without spaces."""
    if len(quote.split()) >= MIN_QUOTE_WORDS:
        return True
    return len(_UNSPACED.findall(quote)) >= MIN_QUOTE_CHARACTERS


def _fold(text: str) -> tuple[str, list[int]]:
    """`text` with typesetting folded away, and for each folded character its index in `text`.

    Each character is folded on its own (compatibility forms, quote marks and dashes unified, case
    folded, invisible characters dropped, whitespace runs made one space, spaces around a dash
    dropped), so that a match in the folded text maps back to the exact span of the original.
    """
    folded: list[str] = []
    origin: list[int] = []
    for index, character in enumerate(text):
        if character in _INVISIBLE:
            continue
        for unit in unicodedata.normalize("NFKC", character).translate(_QUOTE_MARKS).casefold():
            if unit.isspace():
                if not folded or folded[-1] in " -":
                    continue  # a run of spaces, or a space after a dash
                unit = " "
            elif unit == "-" and folded and folded[-1] == " ":
                folded.pop()  # a space before a dash
                origin.pop()
            folded.append(unit)
            origin.append(index)
    if folded and folded[-1] == " ":
        folded.pop()
        origin.pop()
    return "".join(folded), origin


@lru_cache(maxsize=256)
def _folded_article(text: str) -> tuple[str, list[int]]:
    return _fold(text)


def _quote_span(quote: str, text: str) -> tuple[int, int] | None:
    """Where in `text` the words `quote` copies stand, as (start, end); None if absent."""
    needle = _fold(quote)[0].strip(_EDGE_PUNCTUATION)
    if not needle:
        return None
    if quote in text:
        start = text.index(quote)
        return start, start + len(quote)
    haystack, origin = _folded_article(text)
    start = haystack.find(needle)
    if start < 0:
        return None
    return origin[start], origin[start + len(needle) - 1] + 1


def find_quote(quote: str, text: str) -> str | None:
    """The words of `text` that `quote` copies, exactly as `text` has them; None if absent.

    A quote may differ from the text in whitespace, quote marks, dashes, case and surrounding
    punctuation; a changed, added or dropped word is a miss.
    """
    span = _quote_span(quote, text)
    return None if span is None else text[span[0] : span[1]]


def quote_in_text(quote: str, text: str) -> bool:
    """True when `quote` appears in `text`, up to whitespace, quote marks, dashes and case."""
    return find_quote(quote, text) is not None


# How a sentence can hold words without stating them. Each pattern is matched against the
# sentence up to the quote's first word, so it frames the quote only when it ends right before it:
# the frame, then at most four words (`_THEN`) with no clause break between it and the quote.
_CLAUSE_WORD = r"[^\s,;:.!?]+"
_THEN = rf"(?:\s+{_CLAUSE_WORD}){{0,4}}\s*$"
_FRAMES: list[tuple[str, re.Pattern[str]]] = [
    (
        "denies it",  # "denied online rumours that ...", "rejected claims that ..."
        re.compile(
            r"(?i)\b(?:den(?:y|ies|ied|ying)|reject(?:s|ed|ing)?|dismiss(?:es|ed|ing)?"
            r"|refut(?:es|ed|ing)|rebut(?:s|ted|ting)?|disput(?:es|ed|ing)"
            rf"|contradict(?:s|ed|ing)?)(?:\s+{_CLAUSE_WORD}){{0,4}}?\s+(?:that|whether){_THEN}"
        ),
    ),
    (
        "reports it as a rumour",  # "amid rumours that ...", "unconfirmed reports of ..."
        re.compile(
            r"(?i)\b(?:rumou?r(?:s|ed)?|speculation|speculat(?:e|es|ed|ing)|allegations?"
            rf"|alleg(?:e|es|ed|ing)|unconfirmed|unverified)(?:\s+{_CLAUSE_WORD}){{0,3}}?"
            rf"\s+(?:that|of){_THEN}"
        ),
    ),
    (
        "reports it as a rumour",  # "the minister reportedly ..."
        re.compile(
            r"(?i)\b(?:reportedly|allegedly|purportedly|supposedly|rumou?red\s+to)"
            rf"(?:\s+{_CLAUSE_WORD}){{0,2}}\s*$"
        ),
    ),
    ("asks it", re.compile(rf"(?i)\bwhether\b{_THEN}")),  # "asked whether ..."
    ("supposes it", re.compile(rf"(?i)\b(?:if|unless)\b{_THEN}")),  # "if the talks fail, ..."
]
# "Reports that ... are false": a report named before the quote, called false after it.
_REPORTED_BEFORE = re.compile(
    rf"(?i)\b(?:reports?|claims?|suggestions?|posts?|accounts?|stories)\s+that{_THEN}"
)
_CALLED_FALSE_AFTER = re.compile(
    r"(?i)^[^.!?;]{0,80}?\b(?:is|are|was|were|as)\s+(?:false|untrue|baseless|groundless|fake"
    r"|fabricated|unfounded|not\s+true)\b"
)
_SENTENCE_END = re.compile(r"[.!?。！？]+[\"'”’»)\]]*(?=\s|$)|\n")
_QUESTION_MARKS = ("?", "？")
_SHOWN_SENTENCE = 240  # characters of the sentence a problem quotes
_SENTENCE_REACH = 2000  # characters looked through for a sentence's start and end


def _sentence_around(text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence that holds text[start:end], looked for at most
    `_SENTENCE_REACH` characters either side: a frame stands a few words from the quote, and a
    megabyte without a full stop is not searched again for every citation."""
    begin = max(0, start - _SENTENCE_REACH)
    for match in _SENTENCE_END.finditer(text, begin, start):
        begin = match.end()
    after = _SENTENCE_END.search(text, end, end + _SENTENCE_REACH)
    return begin, after.end() if after else min(len(text), end + _SENTENCE_REACH)


def _frame_before(before: str, after: str) -> str | None:
    for frame, pattern in _FRAMES:
        if pattern.search(before):
            return frame
    if _REPORTED_BEFORE.search(before) and _CALLED_FALSE_AFTER.search(after):
        return "calls it false"
    return None


def sentence_around_quote(quote: str, text: str) -> str | None:
    """The sentence (or sentences) of `text` that hold `quote`; None if it is not in `text`."""
    span = _quote_span(quote, text)
    if span is None:
        return None
    begin, finish = _sentence_around(text, *span)
    return text[begin:finish]


def quote_frame(quote: str, text: str) -> tuple[str, str] | None:
    """How the sentence of `text` that holds `quote` frames it ('denies it', 'reports it as a
    rumour', 'asks it', 'supposes it', 'calls it false'), and the sentence, when the frame stands
    outside the quote; None when the quote is not framed, or not in `text`."""
    span = _quote_span(quote, text)
    if span is None:
        return None
    start, end = span
    begin, finish = _sentence_around(text, start, end)
    sentence = text[begin:finish]
    frame = _frame_before(text[begin:start], text[end:finish])
    quoted = text[start:end]
    asked = sentence.rstrip().rstrip("\"'”’»)]").endswith(_QUESTION_MARKS)
    if frame is None and asked and not any(mark in quoted for mark in _QUESTION_MARKS):
        frame = "asks it"
    return None if frame is None else (frame, sentence)


# Words with which an item says that what it reports is denied, rumoured, asked, supposed or not
# so: an item that has one does not state its quote's words as fact.
_HEDGES = re.compile(
    r"(?i)\b(?:den(?:y|ies|ied|ial|ials|ying)|reject\w*|dismiss\w*|refut\w*|rebut\w*"
    r"|disput\w*|contradict\w*|false\w*|untrue|baseless|groundless|unfounded|fake|hoax\w*"
    r"|rumou?r\w*|speculat\w*|alleg\w*|unconfirmed|unverified|report\w*|purport\w*|suppos\w*"
    r"|claim\w*|whether|if|unless|would|could|may|might|possib\w*|potential\w*|question\w*"
    r"|ask\w*|wonder\w*|doubt\w*|unclear|uncertain\w*|expect\w*|fear\w*|consider\w*|not|no"
    r"|never|\w+n't)\b"
)


# Of those, the words that say the words reported are denied, rumoured or in question (not merely
# expected, conditional or refused): an item that has one backs only a summary that has one too.
_DOUBTS = re.compile(
    r"(?i)\b(?:den(?:y|ies|ied|ial|ials|ying)|dismiss\w*|refut\w*|rebut\w*|false\w*|untrue"
    r"|baseless|groundless|unfounded|fake|hoax\w*|rumou?r\w*|speculat\w*|alleg\w*|unconfirmed"
    r"|unverified|whether|question\w*)\b"
)


def _item_words(item: BaseModel) -> str:
    """The item's own words: every text field and choice, but its evidence and what we compute."""
    words = []
    for name, field in type(item).model_fields.items():
        extra = field.json_schema_extra
        if name == "citations" or (isinstance(extra, dict) and extra.get("x-computed")):
            continue
        value = getattr(item, name)
        values = value if isinstance(value, list) else [value]
        words += [v for v in values if isinstance(v, str)]
    return " ".join(words)


# What a supposition ("if the talks fail, China will ...") may back besides: an item that says the
# words are a forecast, a plan, a threat or a warning.
_CONDITIONS = re.compile(
    r"(?i)\b(?:will|forecast\w*|guidance|estimat\w*|outlook|plan\w*|propos\w*|intend\w*"
    r"|intent\w*|threat\w*|warn\w*|condition\w*|scheduled|announced)\b"
)


def _states_as_fact(item: BaseModel, frame: str) -> bool:
    """True when none of the item's own words denies, hedges, asks or supposes what `frame`
    ('denies it', 'supposes it', ...) says its quote's sentence does."""
    words = _item_words(item)
    if _HEDGES.search(words):
        return False
    return not (frame == "supposes it" and _CONDITIONS.search(words))


def _framing_problem(quote: str, text: str, item: BaseModel) -> str | None:
    framed = quote_frame(quote, text)
    if framed is None or not _states_as_fact(item, framed[0]):
        return None
    frame, sentence = framed
    shown = clean_line(sentence)
    if len(shown) > _SHOWN_SENTENCE:
        shown = shown[: _SHOWN_SENTENCE - 1] + "…"
    return (
        f"the quote {quote!r} stands in a sentence that {frame} (“{shown}”), and the item "
        "states it as fact"
    )


# What the model is told to do about a problem of these kinds when its answer is sent back.
_FRAMING_ADVICE = "say what the sentence says, or cite words that state it"
_VIA_ADVICE = "give whom the article credits, or null"


# A `via` names a source: these words only say what kind, and need not be in the article.
_GENERIC_SOURCE_WORDS = frozenset(
    "the a an of and news agency press service wire daily newspaper media outlet outlets "
    "spokesperson spokesman spokeswoman spokespeople official officials source sources "
    "statement told said says according to in on at for from by its his her their".split()
)
_NAME_WORD = re.compile(r"[^\W_]+")


def _script(character: str) -> str:
    """'LATIN', 'CJK', 'CYRILLIC', ...: the first word of the character's Unicode name."""
    return unicodedata.name(character, "UNKNOWN").split(" ")[0]


def _mostly_in_script(text: str, script: str) -> bool:
    letters = [c for c in text[:2000] if c.isalpha()]
    return bool(letters) and sum(_script(c) == script for c in letters) * 2 >= len(letters)


def via_problem(via: str | None, article: Article) -> str | None:
    """Why `via` (who the article credits for the words) is not one the article names; None
    when it is: the whole of it is in the article's text or outlet, or every word of it that
    names (not 'news', 'spokesperson', 'officials') is. A via in another script than most of
    the article's letters (a Chinese article credited in English) cannot be compared: kept."""
    if via is None or not via.strip():
        return None
    haystack = _fold(f"{article.outlet or ''}\n{article.headline}\n{article.body}")[0]
    wanted = _fold(via)[0].strip(_EDGE_PUNCTUATION)
    first_letter = next((c for c in via if c.isalpha()), None)
    if first_letter is None or not _mostly_in_script(article.body, _script(first_letter)):
        return None
    if wanted in haystack:
        return None
    names = [w for w in _NAME_WORD.findall(wanted) if w not in _GENERIC_SOURCE_WORDS]
    present = set(_NAME_WORD.findall(haystack))
    if names and all(name in present or name.rstrip("s") in present for name in names):
        return None
    return f"via {via!r} is not named in article {article.id}"


@contextmanager
def articles_in_scope(articles: Mapping[str, Article] | None) -> Iterator[None]:
    """Check citations against `articles` while the block runs (None switches checking off)."""
    token = _ARTICLES.set(articles)
    try:
        yield
    finally:
        _ARTICLES.reset(token)


def item_kind(model: BaseModel | type[BaseModel]) -> str:
    """What an item is called where it is dropped: 'TimelineEvent' → 'timeline event'."""
    kind = model if isinstance(model, type) else type(model)
    return re.sub(r"(?<!^)(?=[A-Z])", " ", kind.__name__).lower()


def _summary(model: BaseModel) -> str:
    label = getattr(model, "label", None)
    if callable(label):
        return str(label())
    for name in ("topic", "name", "title"):
        if isinstance(getattr(model, name, None), str):
            return str(getattr(model, name))
    return item_kind(model)


def _is_cited(model: object) -> bool:
    return isinstance(model, BaseModel) and isinstance(getattr(model, "citations", None), list)


def least_items(model: BaseModel, field: str) -> int:
    """The least number of items a list field may hold (its `min_length`), 0 if unbounded."""
    info = type(model).model_fields[field]
    return max((getattr(m, "min_length", 0) or 0 for m in info.metadata), default=0)


def too_few_left(
    model: BaseModel, field: str, kept: list[Any], label: str, verb: str, removed: list[Removed]
) -> bool:
    """Whether `kept` holds fewer items than `model`'s `field` must: then `model` itself goes,
    and why ("fewer than 2 parties could be verified") is recorded under `label`."""
    least = least_items(model, field)
    if len(kept) >= least:
        return False
    removed.append(Removed(item_kind(model), label, f"fewer than {least} {field} {verb}"))
    return True


def list_fields(model: BaseModel) -> Iterator[tuple[str, list[BaseModel]]]:
    """`model`'s fields that hold a list of models (items, citations), with their lists."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, list) and value and all(isinstance(v, BaseModel) for v in value):
            yield name, value


def _items(model: BaseModel, where: str = "") -> Iterator[tuple[str, BaseModel]]:
    """(where, item) for every item that must cite, however deep in `model`."""
    for name, items in list_fields(model):
        if name == "citations":
            continue
        for index, item in enumerate(items):
            path = f"{where}{name}[{index}]"
            if _is_cited(item):
                yield f"{path} ({_summary(item)!r})", item
            yield from _items(item, path + ".")


def _citation_problem(
    citation: Any, articles: Mapping[str, Article], item: BaseModel, advise: bool = False
) -> str | None:
    """Why `citation` cannot back `item`: no such article, a quote too short or not in it, or
    words its sentence denies, rumours, asks or supposes while the item states them as fact
    (with what to do about it, if `advise`)."""
    article = articles.get(citation.article_id)
    if article is None:
        known = ", ".join(sorted(articles))
        return f"article id {citation.article_id!r} does not exist (the ids are: {known})"
    if not _long_enough(citation.quote):
        return f"the quote {citation.quote!r} is too short to support a claim"
    text = _article_text(article)
    if not quote_in_text(citation.quote, text):
        return f"the quote {citation.quote!r} is not in article {citation.article_id}"
    framing = _framing_problem(citation.quote, text, item)
    return f"{framing}: {_FRAMING_ADVICE}" if framing and advise else framing


def _via_problem(
    citation: Any, articles: Mapping[str, Article], advise: bool = False
) -> str | None:
    article = articles.get(citation.article_id)
    problem = None if article is None else via_problem(getattr(citation, "via", None), article)
    return f"{problem}: {_VIA_ADVICE}" if problem and advise else problem


def citation_problems(extraction: BaseModel, articles: Mapping[str, Article]) -> list[str]:
    """Every citation that fails, every `via` its article does not name, and every item with no
    citation, as one line each."""
    problems = []
    for where, item in _items(extraction):
        citations = getattr(item, "citations")  # noqa: B009 - any model that carries citations
        if not citations:
            problems.append(f"{where}: has no citation")
        for citation in citations:
            problem = _citation_problem(citation, articles, item, advise=True) or _via_problem(
                citation, articles, advise=True
            )
            if problem is not None:
                problems.append(f"{where}: {problem}")
    return problems


def citation_problems_in_scope(extraction: BaseModel) -> list[str]:
    articles = _ARTICLES.get()
    return [] if articles is None else citation_problems(extraction, articles)


def checking() -> bool:
    """True while a story is being extracted (see `articles_in_scope`)."""
    return _ARTICLES.get() is not None


@dataclass
class Removed:
    """An item or citation taken out, and why."""

    kind: str
    summary: str
    reason: str


def drop_unverified(
    extraction: ExtractionT, articles: Mapping[str, Article]
) -> tuple[ExtractionT, list[Removed]]:
    """Remove failing citations, items left with none, groups left with too few items (a
    disagreement needs two accounts), and every `via` its article does not name; say what was
    removed and why."""
    removed: list[Removed] = []

    def prune(model: BaseModel) -> BaseModel | None:
        update: dict[str, Any] = {}
        if _is_cited(model):
            good = []
            for citation in getattr(model, "citations"):  # noqa: B009
                problem = _citation_problem(citation, articles, model)
                if problem is not None:
                    kind = f"{item_kind(model)} citation"
                    removed.append(Removed(kind, _summary(model), problem))
                    continue
                if (problem := _via_problem(citation, articles)) is not None:
                    # The quote stands; only the credit the article does not give goes.
                    removed.append(Removed(f"{item_kind(model)} via", _summary(model), problem))
                    citation = citation.model_copy(update={"via": None})
                good.append(citation)
            if not good:
                removed.append(
                    Removed(item_kind(model), _summary(model), "no citation could be verified")
                )
                return None
            update["citations"] = good
        for name, items in list_fields(model):
            if name == "citations":
                continue
            kept = [k for k in (prune(item) for item in items) if k is not None]
            if too_few_left(model, name, kept, _summary(model), "could be verified", removed):
                return None
            update[name] = kept
        return model.model_copy(update=update)

    pruned = prune(extraction)
    assert pruned is not None  # the extraction itself cites nothing and bounds nothing
    return pruned, removed  # type: ignore[return-value]


def _article_text(article: Article) -> str:
    return article.headline + "\n" + article.body


def snap_quotes(
    extraction: ExtractionT, articles: Mapping[str, Article]
) -> tuple[ExtractionT, int]:
    """Every verified quote replaced by the cited article's exact words; and how many changed."""
    repaired = 0

    def snapped(model: BaseModel) -> BaseModel:
        nonlocal repaired
        update: dict[str, Any] = {}
        if _is_cited(model):
            citations = []
            for citation in getattr(model, "citations"):  # noqa: B009
                article = articles.get(citation.article_id)
                exact = find_quote(citation.quote, _article_text(article)) if article else None
                if exact is not None and exact != citation.quote:
                    repaired += 1
                    citation = citation.model_copy(update={"quote": exact})
                citations.append(citation)
            update["citations"] = citations
        for name, items in list_fields(model):
            if name != "citations":
                update[name] = [snapped(item) for item in items]
        return model.model_copy(update=update)

    return snapped(extraction), repaired  # type: ignore[return-value]


def cited_items(model: BaseModel) -> Iterator[BaseModel]:
    """Every item of `model` that carries citations, however deep."""
    for _, item in _items(model):
        yield item


# What is dropped for a reason that is not the item's own: a citation or a credit (the item
# stands without it), a limit's cut, a failed part, the summary's words, a code.
_NOT_WHOLE_ITEMS = frozenset(
    {"long list", "long text", "long list or text", "part", "headline", "bottom line sentence"}
)


def _whole_item(kind: str) -> bool:
    return kind not in _NOT_WHOLE_ITEMS and not kind.endswith((" citation", " via", " code"))


def unusable_reason(story: BaseModel) -> str | None:
    """Why `story` is not a briefing, or None: it is when most of what the model said stands.
    An answer that is mostly junk — its items' quotes in no article, as a weak model writes
    them — is not passed off as a story with what little survived: it fails, with the count.
    `story.dropped` lists what verification removed."""
    kept = sum(1 for _ in cited_items(story))
    dropped = [d for d in getattr(story, "dropped", []) if _whole_item(str(d.kind))]
    total = kept + len(dropped)
    if kept == 0 and total == 0:
        return "not usable: the answer held no item"
    if kept == 0:
        return f"not usable: none of its {total:,} items could be verified"
    if len(dropped) > kept:
        return f"not usable: {len(dropped):,} of {total:,} items unsupported"
    return None


# The headline and the bottom line are the model's own words, cited nowhere: each is held to the
# story's evidence — its verified quotes and its articles' headlines — word by word (compared on
# their first five letters, "Japan" and "Japanese"; in scripts without spaces, by pairs of
# characters). A summary paraphrases, so not every word stands there: of the seeds' and the test
# days' headlines, 60% or more do, of their bottom-line sentences 61% or more (36% once a
# fabricated party is dropped); of an injected "BREAKING: President Xi has resigned", 25%.
MIN_HEADLINE_SUPPORT = 0.4
MIN_SENTENCE_SUPPORT = 0.25
# A headline the evidence does not bear out is a sign the summary is not the articles' (an
# injected instruction obeyed): its bottom line is then held to half.
MIN_SENTENCE_SUPPORT_AFTER_HEADLINE = 0.5
_STEM_LETTERS = 5
_SUMMARY_WORD = re.compile(r"[^\W_]+")
_ABBREVIATION_DOT = re.compile(r"(?<=\b[^\W\d_])\.(?=[^\W\d_]\b)")  # "U.S." -> "US."
_POSSESSIVE = re.compile(r"['’]s\b")
_SUMMARY_SENTENCE = re.compile(r"(?<=[.!?;。！？])\s+")
# Words that carry no claim, and the calendar (dates are resolved from the articles' own dates).
_UNCHECKED_WORDS = frozenset(
    """a an the and or but nor of in on at to for from by with as is are was were be been being
    has have had do does did it its this that these those there their they them he she his her
    we our you your i over after before into about than then so such also up down out off amid
    among between while which who whom whose what when where why how all any each both more most
    other some only own same can will shall should must just very per via under again once here
    new say says said
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow""".split()
)


def _summary_words(text: str) -> list[tuple[str, str]]:
    """`text`'s words, each as (the word folded, the form it is compared in: without a plural
    or possessive 's'); a run of a script without spaces as its pairs of characters."""
    text = _POSSESSIVE.sub("", _ABBREVIATION_DOT.sub("", text))
    words: list[tuple[str, str]] = []
    for word in _SUMMARY_WORD.findall(unicodedata.normalize("NFKC", text).casefold()):
        if _UNSPACED.search(word):
            words += [(pair, pair) for pair in _pairs(word)]
        else:
            words.append((word, word.removesuffix("s") if len(word) > 3 else word))
    return words


def _pairs(word: str) -> list[str]:
    return [word[i : i + 2] for i in range(len(word) - 1)] or [word]


def _checked_words(text: str) -> list[tuple[str, str]]:
    """The words of `text` that carry its claim: not the small words, numbers or dates."""
    return [
        (word, form)
        for word, form in _summary_words(text)
        if word not in _UNCHECKED_WORDS and not word.isdigit()
    ]


@dataclass
class _Evidence:
    """What a summary's words may stand on: every word, and the first letters of long ones."""

    words: set[str]
    stems: set[str]

    @classmethod
    def of(cls, texts: list[str]) -> _Evidence:
        words = {form for text in texts for _, form in _summary_words(text)}
        return cls(words, {w[:_STEM_LETTERS] for w in words if len(w) >= _STEM_LETTERS})

    def holds(self, form: str) -> bool:
        if form in self.words:
            return True
        return len(form) >= _STEM_LETTERS and form[:_STEM_LETTERS] in self.stems

    def unsupported(self, text: str) -> tuple[list[str], float]:
        """The words of `text` not in the evidence, and the share of its words that are."""
        checked = _checked_words(text)
        missing = [word for word, form in checked if not self.holds(form)]
        return missing, (1 - len(missing) / len(checked)) if checked else 1.0


def _evidence_for(story: BaseModel, doubted: bool, language: str | None) -> _Evidence:
    """The story's articles' headlines and its verified quotes (and their translations, where
    the article's language is another than the summary's). An item that reports a denial, a
    rumour or a question ("the ministry denied rumours that the president resigned") backs only
    a sentence that says so too: its quote's words are not a fact."""
    sources = list(getattr(story, "sources", []))
    foreign = {s.article_id for s in sources if s.language and s.language != language}
    texts = [s.headline for s in sources]
    for item in cited_items(story):
        if not doubted and _DOUBTS.search(_item_words(item)):
            continue
        for citation in getattr(item, "citations"):  # noqa: B009 - any model that carries them
            texts.append(citation.quote)
            if citation.translation and citation.article_id in foreign:
                texts.append(citation.translation)
    return _Evidence.of(texts)


def _summary_language(story: BaseModel) -> str | None:
    return detect_language(f"{getattr(story, 'headline', '')} {getattr(story, 'bottom_line', '')}")


def _comparable(story: BaseModel, language: str | None) -> bool:
    """False when every article is known to be in another language than the summary: its words
    could only be compared with the model's own translations."""
    languages = {source.language for source in getattr(story, "sources", [])}
    return language is None or None in languages or language in languages or not languages


def _lead_headline(story: BaseModel) -> tuple[int, str] | None:
    sources = list(getattr(story, "sources", []))
    originals = [s for s in sources if s.duplicate_of is None] or sources
    return (originals[0].note, originals[0].headline) if originals else None


def _unsupported_reason(missing: list[str], share: float) -> str:
    shown = ", ".join(dict.fromkeys(missing[:8]))
    where = "a verified quote or a headline of its articles"
    if share == 0:
        return f"none of its words is in {where} ({shown})"
    return f"only {share:.0%} of its words are in {where} (not: {shown})"


def summary_problems(story: BaseModel) -> tuple[dict[str, str], list[Removed]]:
    """The headline and bottom line of a built story, held to its evidence: a headline fewer
    than MIN_HEADLINE_SUPPORT of whose words stand in a verified quote or an article's headline
    is replaced by the lead article's headline; a bottom-line sentence with fewer than
    MIN_SENTENCE_SUPPORT (half, once the headline was replaced) is removed. Returns the fields to
    change, and what was removed and why. A summary in another language than every article is
    left as it is: it could only be compared with the model's own translations."""
    language = _summary_language(story)
    if not _comparable(story, language):
        return {}, []
    evidence = {doubted: _evidence_for(story, doubted, language) for doubted in (False, True)}

    def support(sentence: str) -> tuple[list[str], float]:
        return evidence[bool(_DOUBTS.search(sentence))].unsupported(sentence)

    update: dict[str, str] = {}
    removed: list[Removed] = []
    headline = str(getattr(story, "headline", ""))
    lead = _lead_headline(story)
    missing, share = support(headline)
    if lead is not None and lead[1] != headline and share < MIN_HEADLINE_SUPPORT:
        update["headline"] = lead[1]
        reason = f"replaced by the headline of source [{lead[0]}]: "
        removed.append(Removed("headline", headline, reason + _unsupported_reason(missing, share)))
    least = MIN_SENTENCE_SUPPORT_AFTER_HEADLINE if update else MIN_SENTENCE_SUPPORT
    sentences = _SUMMARY_SENTENCE.split(str(getattr(story, "bottom_line", "")).strip())
    kept = []
    for sentence in sentences:
        missing, share = support(sentence)
        if share >= least:
            kept.append(sentence)
        else:
            reason = _unsupported_reason(missing, share)
            removed.append(Removed("bottom line sentence", sentence, reason))
    if len(kept) < len(sentences):
        update["bottom_line"] = " ".join(kept)
    return update, removed
