"""What changed: compare today's briefing with an earlier one (its JSON).

Stories are matched by the articles they share or, failing that, by the parties they name;
within a matched story, demands by who demands of whom and the words of the demand,
consequences by domain and wording. A demand that is met or rejected since is resolved; one
whose status moved otherwise is changed; items and stories with no match are new, and earlier
ones with no match today are no longer reported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from ..._schema import Change, ChangeReport
from ._schema import DailyBriefing, DemandStatus, Story

__all__ = ["compare_briefings"]

SAME_STORY = 0.3  # Jaccard similarity of article ids or of party names
SAME_ITEM = 0.5  # Jaccard similarity of the words of two demands or consequences
_WORD = re.compile(r"\w+")
_RESOLVED = frozenset({DemandStatus.MET, DemandStatus.REJECTED})


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.casefold()) if len(w) > 2}


def _story_similarity(a: Story, b: Story) -> float:
    articles = _jaccard({s.article_id for s in a.sources}, {s.article_id for s in b.sources})
    parties = _jaccard(
        {p.name.casefold() for p in a.parties}, {p.name.casefold() for p in b.parties}
    )
    return max(articles, parties)


def _best_match(
    item: Any, candidates: Iterable[Any], similarity: Callable[[Any, Any], float], threshold: float
) -> Any | None:
    scored = [(similarity(item, c), i, c) for i, c in enumerate(candidates)]
    scored = [s for s in scored if s[0] >= threshold]
    return max(scored, key=lambda s: (s[0], -s[1]))[2] if scored else None


def _demand_similarity(a: Any, b: Any) -> float:
    if (a.demander.casefold(), a.addressee.casefold()) != (
        b.demander.casefold(),
        b.addressee.casefold(),
    ):
        return 0.0
    return _jaccard(_words(a.demand), _words(b.demand))


def _consequence_similarity(a: Any, b: Any) -> float:
    return _jaccard(_words(a.description), _words(b.description)) if a.domain == b.domain else 0.0


def _demand_label(demand: Any) -> str:
    return f"{demand.demander} → {demand.addressee}: {demand.demand}"


def _compare_items(
    story: str,
    kind: str,
    today: list[Any],
    before: list[Any],
    similarity: Callable[[Any, Any], float],
    label: Callable[[Any], str],
    resolved: frozenset[Any] = frozenset(),
) -> list[Change]:
    changes: list[Change] = []
    unmatched = list(before)
    for item in today:
        earlier = _best_match(item, unmatched, similarity, SAME_ITEM)
        if earlier is None:
            changes.append(Change(kind="new", story=story, item=f"{kind}: {label(item)}"))
            continue
        unmatched.remove(earlier)
        if earlier.status != item.status:
            changes.append(
                Change(
                    kind="resolved" if item.status in resolved else "changed",
                    story=story,
                    item=f"{kind}: {label(item)}",
                    detail=f"{earlier.status.value} → {item.status.value}",
                )
            )
    changes.extend(
        Change(kind="no longer reported", story=story, item=f"{kind}: {label(item)}")
        for item in unmatched
    )
    return changes


def compare_briefings(
    before: DailyBriefing, today: DailyBriefing, source: str = ""
) -> ChangeReport:
    """What is new, changed, resolved or no longer reported in `today` compared with `before`."""
    changes: list[Change] = []
    unmatched = list(before.stories)
    for story in today.stories:
        earlier = _best_match(story, unmatched, _story_similarity, SAME_STORY)
        if earlier is None:
            changes.append(Change(kind="new story", story=story.headline))
            continue
        unmatched.remove(earlier)
        changes += _compare_items(
            story.headline,
            "demand",
            story.demands,
            earlier.demands,
            _demand_similarity,
            _demand_label,
            _RESOLVED,
        )
        changes += _compare_items(
            story.headline,
            "consequence",
            story.consequences,
            earlier.consequences,
            _consequence_similarity,
            lambda c: str(c.description),
        )
    changes.extend(Change(kind="story no longer covered", story=s.headline) for s in unmatched)
    return ChangeReport(since=before.date, previous=source, changes=changes)
