"""The earnings briefing: a company's results, guidance, what drove them and how markets took
them. Shipped to show a profile is one unit: this schema, its prompt (`prompts/earnings/`), its
Markdown (`story.md.j2`) and its check that every figure is quoted."""

from __future__ import annotations

from pathlib import Path

from ..._schema import with_checked_summary
from .. import Profile
from .._kit import default_prompts_dir
from ._schema import (
    Company,
    Driver,
    EarningsBriefing,
    EarningsExtraction,
    EarningsStory,
    Effect,
    Figure,
    FigureKind,
    Reaction,
)

__all__ = [
    "PROFILE",
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

PROFILE = Profile(
    name="earnings",
    description="companies, reported figures and guidance, drivers, market reactions",
    extraction=EarningsExtraction,
    story=EarningsStory,
    briefing=EarningsBriefing,
    prompts=default_prompts_dir() / "earnings",
    template=Path(__file__).parent / "story.md.j2",
    finish=with_checked_summary,
)
