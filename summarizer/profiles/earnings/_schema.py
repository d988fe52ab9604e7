"""The earnings briefing's schema: a company's reported results, its guidance, what drove them,
and how analysts and markets took them.

Its own check: a figure's value must stand in one of the quotes cited for it — a number the model
computed, rounded or remembered is sent back, like a quote that is not in its article.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import ClassVar

from pydantic import ConfigDict, Field

from ..._schema import Briefing, StoryBase
from ...verify._evidence import Cited, Extraction

__all__ = [
    "Company",
    "Driver",
    "EarningsBriefing",
    "EarningsExtraction",
    "EarningsStory",
    "Effect",
    "Figure",
    "FigureKind",
    "Reaction",
]

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


class Company(Cited):
    """A company in the story."""

    label_field: ClassVar[str | None] = "name"

    name: str
    aliases: list[str] = Field(description="Other names the articles use.")
    ticker: str | None
    role: str = Field(description="'reporting company', 'competitor', 'supplier', ...")


class FigureKind(StrEnum):
    REPORTED = "reported"
    GUIDANCE = "guidance"
    ESTIMATE = "estimate"


class Figure(Cited):
    """A number the articles report: a result, a forecast, or analysts' estimate."""

    label_field: ClassVar[str | None] = "metric"
    # The metric alone says what is measured, not what was: two figures of one metric differ.
    statement_fields: ClassVar[tuple[str, ...] | None] = ("metric", "value")

    company: str
    metric: str = Field(description="'revenue', 'net income', 'earnings per share', ...")
    value: str = Field(description="As the article writes it: '$4.2 billion', '38 cents'.")
    period: str = Field(description="'Q3 2025', 'fiscal 2026', ...")
    change: str | None = Field(description="As written: 'up 12% from a year earlier'.")
    kind: FigureKind


class Effect(StrEnum):
    RAISED = "raised"
    LOWERED = "lowered"


class Driver(Cited):
    """Something the articles say moved the results."""

    label_field: ClassVar[str | None] = "factor"

    factor: str = Field(description="One phrase: 'higher wind output in Germany'.")
    effect: Effect
    according_to: str = Field(description="Who says so: the company, an analyst, or 'outlet'.")


class Reaction(Cited):
    """How investors, analysts or others took the results."""

    label_field: ClassVar[str | None] = "reaction"

    who: str
    reaction: str = Field(description="One sentence: 'shares rose 6% in Frankfurt trading'.")


class EarningsExtraction(Extraction):
    """A company's results, from the articles given."""

    companies: list[Company]
    figures: list[Figure]
    drivers: list[Driver]
    reactions: list[Reaction]
    headline: str = Field(description="Neutral, at most 15 words.")
    bottom_line: str = Field(description="Two or three sentences: results, outlook, reaction.")

    def checks(self) -> list[str]:
        problems = []
        for index, figure in enumerate(self.figures):
            quoted = {n for c in figure.citations for n in _NUMBER.findall(c.quote)}
            missing = [n for n in _NUMBER.findall(figure.value) if n not in quoted]
            if missing:
                problems.append(
                    f"figures[{index}] ({figure.metric!r}): the value {figure.value!r} is not in "
                    "its quotes; cite the words that state it"
                )
        return problems


class EarningsStory(EarningsExtraction, StoryBase):
    """One company's results in the briefing, verified, with its sources."""

    model_config = ConfigDict(extra="forbid", title="EarningsStory")


class EarningsBriefing(Briefing[EarningsStory]):
    """A day's earnings briefing."""

    model_config = ConfigDict(title="EarningsBriefing")
