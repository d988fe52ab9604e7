"""Limits on what one answer may hold, applied to the answer's JSON before it is parsed.

The schema sent to the model stays as it is (recorded exchanges match the request's bytes); the
answer is cut instead: at most `MAX_ITEMS` items in any list (or fields in any object), at most
`MAX_TEXT` characters in any text (`MAX_HEADLINE` in the headline), cut at a word's end. Every
limit is far above a real answer: the richest authored answer (`tests/authored/seeds.json`) has
12 parties, 4 citations to an item and a 587-character bottom line, and its headline is under
100 characters. What is cut is said, as `DroppedItem`s the story lists, so the briefing never
passes off a cut answer as whole.

An answer that goes round in a loop — a weak model writing the same item until the window is
full — is told by how well its last `REPETITION_WINDOW` bytes compress (`repeats_itself`), the
test Whisper uses against its own looping transcripts (`compression_ratio_threshold`, 2.4 for
prose). JSON compresses better than prose: the authored answers' last 4,000 bytes compress 2.3 to
4.3 to one, SmolLM2-135M's complete (if useless) answers 5.9, its loops 18 to 97 (the real-server
lane's recordings); `REPEATING_RATIO` sits well between.

A lone surrogate (`"\\ud800"`, which JSON can spell but no text file can hold) becomes U+FFFD,
so the briefing can still be written as UTF-8.
"""

from __future__ import annotations

import json
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from .._control import clean_line
from .._schema import DroppedItem

__all__ = [
    "MAX_HEADLINE",
    "MAX_ITEMS",
    "MAX_TEXT",
    "REPEATING_RATIO",
    "REPETITION_WINDOW",
    "limit_answer",
    "repeats_itself",
    "repetition_ratio",
]

MAX_ITEMS = 100
MAX_TEXT = 2_000
MAX_HEADLINE = 300
_TEXT_LIMITS: dict[tuple[str, ...], int] = {("headline",): MAX_HEADLINE}
_NAME_LIMIT = 100  # a field's name: the schema's longest is 14 characters
_REPORTED = 20  # places in one answer whose cuts are each reported; the rest are counted
_SURROGATE = re.compile("[\ud800-\udfff]")
REPETITION_WINDOW = 4_000
REPEATING_RATIO = 12.0


def repetition_ratio(text: str) -> float:
    """How many times over the last `REPETITION_WINDOW` bytes of `text` compress (0.0 when it is
    shorter: too little to tell a loop by)."""
    tail = text.encode("utf-8", "surrogatepass")[-REPETITION_WINDOW:]
    if len(tail) < REPETITION_WINDOW:
        return 0.0
    return len(tail) / len(zlib.compress(tail, 6))


def repeats_itself(text: str) -> bool:
    """Whether `text` ends in a loop: its last `REPETITION_WINDOW` bytes compress more than
    `REPEATING_RATIO` times over."""
    return repetition_ratio(text) > REPEATING_RATIO


@dataclass
class _Cuts:
    """What was cut, by where in the answer (list indices left out: `parties[].citations`)."""

    lists: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    texts: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    text_limits: dict[str, int] = field(default_factory=dict)
    changed: bool = False

    def items(self) -> list[DroppedItem]:
        dropped = []
        for where, sizes in self.lists.items():
            gone = sum(size - MAX_ITEMS for size in sizes)
            what = (
                f"{sizes[0]:,} items"
                if len(sizes) == 1
                else f"{len(sizes):,} lists of up to {max(sizes):,} items"
            )
            dropped.append(
                DroppedItem(
                    kind="long list",
                    summary=f"{where}: {what}",
                    reason=f"only the first {MAX_ITEMS} of each kept ({gone:,} items dropped): "
                    f"no answer has more than {MAX_ITEMS} items in a list",
                )
            )
        for where, lengths in self.texts.items():
            limit = self.text_limits[where]
            what = (
                f"{lengths[0]:,} characters"
                if len(lengths) == 1
                else f"{len(lengths):,} texts of up to {max(lengths):,} characters"
            )
            dropped.append(
                DroppedItem(
                    kind="long text",
                    summary=f"{where}: {what}",
                    reason=f"cut to at most {limit:,} characters: no answer needs more",
                )
            )
        if len(dropped) > _REPORTED:
            more = DroppedItem(
                kind="long list or text",
                summary=f"{len(dropped) - _REPORTED + 1:,} more places in the answer",
                reason="cut like those above",
            )
            dropped = [*dropped[: _REPORTED - 1], more]
        return dropped


def _cut(text: str, limit: int) -> str:
    """The first `limit` characters of `text`, back to a word's end if one is near: a quote cut
    so is still the article's words, and a headline reads as words."""
    cut = text[:limit]
    space = cut.rfind(" ", limit * 4 // 5)
    return cut[:space].rstrip() if space > 0 else cut


def _where(path: tuple[str, ...]) -> str:
    return ".".join(path).replace(".[]", "[]") or "the answer"


def _limited(node: Any, path: tuple[str, ...], cuts: _Cuts) -> Any:
    if isinstance(node, dict):
        if len(node) > MAX_ITEMS:  # no schema object has a tenth as many fields
            cuts.lists[_where((*path, "{fields}"))].append(len(node))
            cuts.changed = True
            node = dict(list(node.items())[:MAX_ITEMS])
        limited = {}
        for key, value in node.items():
            name = _limited(str(key), (*path, "{field name}"), cuts)
            # The name as the path shows it (in the briefing, in the log): short and clean.
            limited[name] = _limited(value, (*path, clean_line(name)), cuts)
        return limited
    if isinstance(node, list):
        if len(node) > MAX_ITEMS:
            cuts.lists[_where(path)].append(len(node))
            cuts.changed = True
            node = node[:MAX_ITEMS]
        return [_limited(item, (*path, "[]"), cuts) for item in node]
    if isinstance(node, str):
        limit = _NAME_LIMIT if path[-1:] == ("{field name}",) else _TEXT_LIMITS.get(path, MAX_TEXT)
        if len(node) > limit:
            where = _where(path)
            cuts.texts[where].append(len(node))
            cuts.text_limits[where] = limit
            cuts.changed = True
            node = _cut(node, limit)
        if _SURROGATE.search(node):
            cuts.changed = True
            node = _SURROGATE.sub("\ufffd", node)
    return node


def limit_answer(text: str) -> tuple[str, list[DroppedItem]]:
    """`text` (an answer's JSON) within the limits, and what was cut. An answer within them, or
    one that is not JSON (instructor re-asks it), comes back as it was, to the byte."""
    try:
        answer = json.loads(text)
        cuts = _Cuts()
        limited = _limited(answer, (), cuts)
    except (ValueError, RecursionError):
        return text, []
    if not cuts.changed:
        return text, []
    return json.dumps(limited, ensure_ascii=False), cuts.items()
