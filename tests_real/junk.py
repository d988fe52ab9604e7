"""What a briefing must not keep, judged from its JSON and the article files alone — an oracle
that shares no code with the tool's verification, so that it can catch what the verification
lets through.

Only what any reader would call junk, whatever the model: a quote that is not in its article;
the same statement standing for several items (the weak model's "Takaichi's remark" as every
role, action, demand and consequence); a number or a year an item states that none of its
articles has; a "translation" beside a quote already in the briefing's language; a story kept
although most of its items were removed, or with none left. The authored seeds briefing
(tests/golden/seeds.json) passes every check: tests/test_real_model_replay.py says so.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["Item", "avoidable_failure", "items_of", "junk_in_story", "normalized"]

# Each list of items in a geopolitics story, and the field that states what the item says.
STATEMENT_FIELDS = {
    "parties": "role",
    "actions": "action",
    "demands": "demand",
    "positions": "stance",
    "consequences": "description",
    "timeline": "event",
}
# The dropped kinds that are whole items (`_verify._kind`: the class name in words).
ITEM_KINDS = frozenset(
    {"party", "action", "demand", "position", "consequence", "timeline event", "account"}
)
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "–": "-", "—": "-"})
_NUMBER = re.compile(r"(?<![\w.,])\d[\d,.]*\d(?![\w])|(?<![\w.,])\d(?![\w.,])")
_YEAR = re.compile(r"\b(1[89]\d\d|2[01]\d\d)\b")


def normalized(text: str) -> str:
    """Case, quote marks, dashes and spacing forgiven, as typesetting changes them."""
    return " ".join(text.translate(_QUOTES).lower().split())


class Item:
    """One item of a story (an account of a disagreement is one too), with its articles."""

    def __init__(self, kind: str, data: dict[str, Any], statement: str) -> None:
        self.kind, self.data, self.statement = kind, data, statement

    @property
    def citations(self) -> list[dict[str, Any]]:
        return list(self.data.get("citations") or [])

    def __repr__(self) -> str:
        return f"{self.kind} {self.statement!r}"


def items_of(story: dict[str, Any]) -> Iterator[Item]:
    for kind, name in STATEMENT_FIELDS.items():
        for data in story.get(kind) or []:
            yield Item(kind, data, str(data.get(name) or ""))
    for disagreement in story.get("disagreements") or []:
        for account in disagreement.get("accounts") or []:
            yield Item("accounts", account, str(account.get("claim") or ""))


def _articles(story: dict[str, Any], repo: Path) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each source's text (the file as it is) by article id, with the source."""
    return {
        source["article_id"]: ((repo / source["path"]).read_text(encoding="utf-8"), source)
        for source in story.get("sources") or []
    }


def _numbers(text: str) -> set[str]:
    return {match.replace(",", "") for match in _NUMBER.findall(text)}


def _item_numbers(item: Item) -> set[str]:
    """The numbers an item states in its own words (its dates are checked as dates)."""
    words = [
        str(value)
        for name, value in item.data.items()
        if isinstance(value, str) and name not in ("date", "cameo", "category", "status")
    ]
    return _numbers(" ".join(words))


def _published_year(text: str, source: dict[str, Any]) -> set[str]:
    years = {str(source["published"])[:4]} if source.get("published") else set()
    header = re.match(r"\s*date (\d{4})-\d\d-\d\d", text)
    return years | ({header[1]} if header else set())


def junk_in_story(story: dict[str, Any], repo: Path, language: str = "en") -> list[str]:
    """Why what `story` kept is junk, one line each; empty when nothing is."""
    articles = _articles(story, repo)
    problems: list[str] = []
    items = list(items_of(story))
    # A date's year must stand in one of the story's articles, or be a year one was published
    # in: an undated article's "on Thursday" is dated by the others.
    years = set().union(
        *(set(_YEAR.findall(t)) | _published_year(t, s) for t, s in articles.values())
    )
    for item in items:
        cited = [articles[c["article_id"]] for c in item.citations if c["article_id"] in articles]
        if not item.citations or not cited:
            problems.append(f"{item!r} kept with no citation of the story's articles")
            continue
        for citation in item.citations:
            text, source = articles.get(citation["article_id"], ("", {}))
            if normalized(citation["quote"]) not in normalized(text):
                problems.append(
                    f"{item!r}: its quote {citation['quote'][:80]!r} is not in its article"
                )
            translation = citation.get("translation")
            translated = translation and normalized(translation) != normalized(citation["quote"])
            if translated and (source.get("language") or language) == language:
                problems.append(f"{item!r}: a translation beside a quote already in {language}")
        said = " ".join(text for text, _ in cited)
        missing = _item_numbers(item) - _numbers(said)
        if missing:
            problems.append(f"{item!r} states {sorted(missing)}, which none of its articles has")
        date = item.data.get("date")
        if isinstance(date, str) and date[:4].isdigit() and date[:4] not in years:
            problems.append(
                f"{item!r} is dated {date}: none of the story's articles has {date[:4]}"
            )
    repeated = Counter(normalized(item.statement) for item in items if item.statement.strip())
    for statement, count in repeated.items():
        if count > 1:
            problems.append(f"{count} items say the same thing: {statement[:80]!r}")
    dropped = [d for d in story.get("dropped") or [] if d.get("kind") in ITEM_KINDS]
    if not items:
        problems.append("a story with no item left is called briefed")
    elif len(dropped) > len(items):
        problems.append(
            f"{len(dropped)} of {len(dropped) + len(items)} items were removed, and the story is "
            "still called briefed"
        )
    return problems


# A story's failure that names one of these was the tool's to avoid (issue #17, "Done when"):
# an HTTP status, a timeout, the context window, a refused or unsupported parameter, a bug.
_AVOIDABLE = re.compile(
    r"HTTP \d{3}|timed out|time ?out|context (window|length)|maximum context|too many tokens"
    r"|refus|not supported|unsupported|invalid (param|value)|connection|unexpected error"
    r"|holds no recording",
    re.IGNORECASE,
)


def avoidable_failure(reason: str, window: int) -> str | None:
    """Why a story's failure `reason` was the tool's to avoid, on a server whose context window
    is `window` tokens; None when it was not."""
    if not reason.strip() or "\n" in reason:
        return f"not a one-line reason: {reason!r}"
    if _AVOIDABLE.search(reason):
        return reason
    # "cut off at 16,384 and again at 32,768 output tokens" from a server with an 8,192-token
    # window: the window cut the answer, and the tool blamed (and raised) the output limit.
    numbers = [int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", reason)]
    if "cut off" in reason and any(n >= window for n in numbers):
        return f"{reason} (a wrong diagnosis: the window is {window:,} tokens)"
    return None
