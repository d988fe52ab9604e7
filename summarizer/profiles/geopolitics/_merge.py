"""Merging a long story's parts, the geopolitical way: a party of the same name or alias, a
demand with the same parties and wording, a dated event with the same text are one item, their
citations united; where parts disagree on an item's state, the most advanced state wins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...verify._verify import articles_in_scope
from .._kit import join_citations, merge_items
from ._schema import (
    ConsequenceStatus,
    DemandStatus,
    Disagreement,
    EventStatus,
    Party,
    StoryExtraction,
)

__all__ = ["merge_extractions"]

_DEMAND_ORDER = [DemandStatus.EXPECTED, DemandStatus.MADE, DemandStatus.REJECTED, DemandStatus.MET]
_EVENT_ORDER = [EventStatus.EXPECTED, EventStatus.SCHEDULED, EventStatus.OCCURRED]
_CONSEQUENCE_ORDER = [
    ConsequenceStatus.FEARED,
    ConsequenceStatus.ANNOUNCED,
    ConsequenceStatus.HAPPENED,
]


def _key(*values: object) -> tuple[str, ...]:
    return tuple(" ".join(str(value).casefold().split()) for value in values)


def _merge_parties(parties: list[Party]) -> list[Party]:
    """Parties that share a name or an alias are one party, under the longest name."""
    groups: list[list[Party]] = []
    for party in parties:
        names = {_key(n) for n in [party.name, *party.aliases]}
        home = next(
            (g for g in groups if names & {_key(n) for p in g for n in [p.name, *p.aliases]}), None
        )
        if home is None:
            groups.append([party])
        else:
            home.append(party)
    merged = []
    for same in groups:
        name = max((p.name for p in same), key=len)
        aliases = dict.fromkeys(n for p in same for n in [p.name, *p.aliases] if n != name)
        merged.append(
            same[0].model_copy(
                update={
                    "name": name,
                    "aliases": list(aliases),
                    "citations": join_citations(p.citations for p in same),
                }
            )
        )
    return merged


def _most_advanced(order: list[Any]) -> Callable[[list[Any]], Any]:
    return lambda values: max(values, key=order.index)


def merge_extractions(parts: list[StoryExtraction]) -> StoryExtraction:
    """One extraction from the extractions of a story's parts; no citation is lost."""
    if len(parts) == 1:
        return parts[0]

    def every(name: str) -> list[Any]:
        return [item for part in parts for item in getattr(part, name)]

    disagreements: dict[tuple[str, ...], list[Disagreement]] = {}
    for disagreement in every("disagreements"):
        disagreements.setdefault(_key(disagreement.topic), []).append(disagreement)
    with articles_in_scope(None):  # each part was verified as it was parsed
        return StoryExtraction(
            headline=parts[0].headline,
            bottom_line=parts[0].bottom_line,
            parties=_merge_parties(every("parties")),
            actions=merge_items(
                every("actions"),
                lambda a: _key(a.actor, a.category, a.action, a.target, a.date),
            ),
            demands=merge_items(
                every("demands"),
                lambda d: _key(d.demander, d.addressee, d.demand),
                status=_most_advanced(_DEMAND_ORDER),
            ),
            positions=merge_items(
                every("positions"),
                lambda p: _key(p.party, p.stance),
                status=_most_advanced(_EVENT_ORDER),
            ),
            consequences=merge_items(
                every("consequences"),
                lambda c: _key(c.description),
                status=_most_advanced(_CONSEQUENCE_ORDER),
            ),
            timeline=merge_items(
                every("timeline"),
                lambda e: _key(e.date, e.event),
                status=_most_advanced(_EVENT_ORDER),
            ),
            disagreements=[
                same[0].model_copy(
                    update={
                        "accounts": merge_items(
                            [a for d in same for a in d.accounts],
                            lambda a: _key(a.according_to, a.claim),
                        )
                    }
                )
                for same in disagreements.values()
            ],
        )
