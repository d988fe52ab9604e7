"""The schema: round-trips, matches schemas/, and is valid for tools and strict outputs alike."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner
from openai.lib._pydantic import to_strict_json_schema

from summarizer import DailyBriefing, StoryExtraction
from summarizer._json_schema import SCHEMA_FILES, json_schema_text
from summarizer.cli import cli

from .conftest import GOLDEN, REPO


def test_schema_files_match_the_models() -> None:
    for name in SCHEMA_FILES:
        on_disk = (REPO / "schemas" / name).read_text(encoding="utf-8")
        assert on_disk == json_schema_text(name), (
            f"schemas/{name} is stale: regenerate it with "
            f"`summarizer schema{' --extraction' if 'extraction' in name else ''} > schemas/{name}`"
        )


def test_cli_prints_the_schema_files() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert result.output == (REPO / "schemas" / "briefing.schema.json").read_text()
    result = CliRunner().invoke(cli, ["schema", "--extraction"])
    assert json.loads(result.output)["title"] == "StoryExtraction"


def _objects(schema: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append(schema)
        for value in schema.values():
            found.extend(_objects(value))
    elif isinstance(schema, list):
        for value in schema:
            found.extend(_objects(value))
    return found


def test_extraction_schema_meets_strict_structured_output_rules() -> None:
    schema = StoryExtraction.model_json_schema()
    objects = _objects(schema)
    assert len(objects) >= 7
    for obj in objects:
        assert obj["additionalProperties"] is False, obj.get("title")
        assert sorted(obj["required"]) == sorted(obj["properties"]), obj.get("title")
        assert all("default" not in p for p in obj["properties"].values()), obj.get("title")
    # openai's own converter accepts it and changes nothing that matters.
    strict = to_strict_json_schema(StoryExtraction)
    assert strict["required"] == schema["required"]


def test_every_model_facing_field_is_described_for_the_model() -> None:
    schema = StoryExtraction.model_json_schema()
    for definition in [schema, *schema["$defs"].values()]:
        for name, prop in definition.get("properties", {}).items():
            assert prop.get("description") or "$ref" in prop or "allOf" in prop, name


def test_briefing_round_trips_through_json() -> None:
    text = (GOLDEN / "seeds.json").read_text(encoding="utf-8")
    briefing = DailyBriefing.model_validate_json(text)
    assert briefing.model_dump_json(indent=2) + "\n" == text
    assert briefing.stories[0].parties[0].name == "China"
