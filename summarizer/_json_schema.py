"""The JSON Schemas of the output and of what the model fills, generated from the models."""

from __future__ import annotations

import json
from typing import Any

from ._eval import Gold
from ._schema import DailyBriefing, StoryExtraction

__all__ = ["SCHEMA_FILES", "json_schema_text"]

# File name under schemas/ -> the model it is generated from.
SCHEMA_FILES: dict[str, Any] = {
    "briefing.schema.json": DailyBriefing,
    "story-extraction.schema.json": StoryExtraction,
    "gold.schema.json": Gold,
}


def json_schema_text(name: str = "briefing.schema.json") -> str:
    """The JSON Schema of `schemas/<name>`, as the file holds it."""
    mode = "validation" if SCHEMA_FILES[name] is Gold else "serialization"  # a file users write
    schema = SCHEMA_FILES[name].model_json_schema(mode=mode)
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
