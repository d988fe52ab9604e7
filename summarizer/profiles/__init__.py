"""Briefing profiles: what kind of briefing to make, as one swappable unit.

A `Profile` is the Pydantic schema the model fills (an `Extraction` whose items are `Cited`, with
its own checks), the story and briefing models built on it, its prompt templates, its Markdown
template, and optionally how to merge the parts of a long story and how to compare two days. The
pipeline (read, group, extract, verify, render) takes a profile and works on any; it imports none.

Shipped: `geopolitics` (the default: parties, actions, demands, positions, consequences) and
`earnings` (a company's results: figures, guidance, drivers, reactions). Your own: a module
attribute: `--profile mypkg.briefings:EARNINGS`, or `profile="mypkg.briefings:EARNINGS"` in
`summarize`.

In: a name or a dotted path. Out: a checked `Profile`, or a `ConfigurationError` naming it.

The kit a profile is built from is public here (`_kit.py`): `merge_items`, `join_citations`,
`merge_by_equality` to merge a long story's parts, `default_prompts_dir` for the shipped
templates. The profiles import nothing from `summarizer.extract`, which imports them.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .._choices import BUILTIN_PROFILES
from .._errors import ConfigurationError
from .._schema import Briefing, ChangeReport, StoryBase
from ..verify._evidence import Extraction
from ._kit import default_prompts_dir, join_citations, merge_by_equality, merge_items

__all__ = [
    "BUILTIN_PROFILES",
    "Profile",
    "compare_briefings",
    "default_prompts_dir",
    "join_citations",
    "load_profile",
    "merge_by_equality",
    "merge_items",
    "profile_of",
]


@dataclass(frozen=True)
class Profile:
    """One kind of briefing."""

    name: str
    extraction: type[Extraction]
    """What the model fills; it must have `headline` and `bottom_line` text fields."""
    story: type[StoryBase]
    """The extraction plus `StoryBase`: `class Story(MyExtraction, StoryBase)`."""
    briefing: type[Briefing[Any]]
    """`class MyBriefing(Briefing[Story])`."""
    prompts: Path
    """A folder with `system.j2` (and `story.j2`, else the shipped one is used)."""
    template: Path
    """The Markdown of one story's body; the shipped `briefing.md.j2` wraps it."""
    description: str = ""
    merge: Callable[[list[Any]], Any] | None = None
    """One extraction from a long story's parts; by default identical items are joined."""
    finish: Callable[[Any], Any] | None = None
    """A last touch to each built story (e.g. sort its timeline). The shipped profiles hold the
    headline and bottom line to the story's evidence here (`summarizer._schema.
    with_checked_summary`); a profile of your own can call it too."""
    compare: Callable[[Any, Any, str], ChangeReport] | None = None
    """What changed since an earlier briefing (`brief --since`); None if the profile cannot say."""


def _check(profile: Profile, spec: str) -> Profile:
    fields = profile.extraction.model_fields
    for name in ("headline", "bottom_line"):
        if name not in fields:
            raise ConfigurationError(f"profile {spec!r}: its extraction has no {name!r} field")
    if not issubclass(profile.story, profile.extraction) or not issubclass(
        profile.story, StoryBase
    ):
        raise ConfigurationError(
            f"profile {spec!r}: its story must derive from its extraction and from StoryBase"
        )
    if not (profile.prompts / "system.j2").is_file():
        raise ConfigurationError(f"profile {spec!r}: {profile.prompts / 'system.j2'} not found")
    if not profile.template.is_file():
        raise ConfigurationError(f"profile {spec!r}: template {profile.template} not found")
    return profile


def load_profile(spec: str | Profile = "geopolitics") -> Profile:
    """The profile named `spec`: a shipped name, or `package.module:ATTRIBUTE` of your own."""
    if isinstance(spec, Profile):
        return _check(spec, spec.name)
    target = BUILTIN_PROFILES.get(spec, spec)
    module_name, _, attribute = target.partition(":")
    if not attribute:
        module_name, _, attribute = target.rpartition(".")
    if not module_name or not attribute:
        known = ", ".join(BUILTIN_PROFILES)
        raise ConfigurationError(
            f"profile {spec!r}: not a shipped profile ({known}) nor a path like "
            "'mypkg.briefings:PROFILE'"
        )
    try:
        module = importlib.import_module(module_name)
    except Exception as error:  # an import runs user code: any failure is the profile's
        raise ConfigurationError(
            f"profile {spec!r}: cannot import {module_name!r} ({type(error).__name__}: {error})"
        ) from None
    profile = getattr(module, attribute, None)
    if not isinstance(profile, Profile):
        raise ConfigurationError(
            f"profile {spec!r}: {module_name}.{attribute} is not a summarizer Profile"
        )
    if spec not in BUILTIN_PROFILES and profile.name != spec:
        profile = dataclasses.replace(profile, name=spec)  # so a saved briefing can find it again
    return _check(profile, spec)


def profile_of(briefing: BaseModel) -> Profile:
    """The profile a briefing was made with."""
    return load_profile(str(getattr(briefing, "profile", "geopolitics")))


def compare_briefings(before: Any, today: Any, source: str = "") -> ChangeReport:
    """What changed in `today` since `before`, as `today`'s profile tells it."""
    profile = profile_of(today)
    if getattr(before, "profile", None) != profile.name:
        raise ConfigurationError(
            f"{source or 'the earlier briefing'}: made with profile "
            f"{getattr(before, 'profile', None)!r}, not {profile.name!r}"
        )
    if profile.compare is None:
        raise ConfigurationError(f"profile {profile.name!r} cannot compare two briefings")
    return profile.compare(before, today, source)
