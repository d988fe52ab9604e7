"""The JSON Schemas of the output, of what the model fills, and of a gold file, generated from
the models: `schemas/` holds them for the shipped profiles (a test fails when they drift)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ._eval import Gold
from .profiles import load_profile
from .verify._evidence import model_facing_schema

__all__ = ["SCHEMA_FILES", "json_schema_text", "profile_schema"]


def profile_schema(profile: str = "geopolitics", *, extraction: bool = False) -> dict[str, Any]:
    """The schema of a profile's briefing JSON, or (`extraction`) of what the model fills."""
    chosen = load_profile(profile)
    if extraction:
        return model_facing_schema(chosen.extraction)
    return chosen.briefing.model_json_schema(mode="serialization")


# File name under schemas/ -> how it is made.
SCHEMA_FILES: dict[str, Callable[[], dict[str, Any]]] = {
    "briefing.schema.json": lambda: profile_schema("geopolitics"),
    "story-extraction.schema.json": lambda: profile_schema("geopolitics", extraction=True),
    "earnings-briefing.schema.json": lambda: profile_schema("earnings"),
    "earnings-extraction.schema.json": lambda: profile_schema("earnings", extraction=True),
    "gold.schema.json": lambda: Gold.model_json_schema(mode="validation"),
}


def schema_text(schema: dict[str, Any]) -> str:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def json_schema_text(name: str = "briefing.schema.json") -> str:
    """The JSON Schema of `schemas/<name>`, as the file holds it."""
    return schema_text(SCHEMA_FILES[name]())
