"""The schema: round-trips, matches schemas/, and is valid for tools and strict outputs alike."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml
from click.testing import CliRunner
from openai.lib._pydantic import to_strict_json_schema

from summarizer import DailyBriefing, Settings, StoryExtraction
from summarizer._json_schema import SCHEMA_FILES, json_schema_text
from summarizer.cli import cli
from summarizer.verify._evidence import model_facing_schema

from .conftest import GOLDEN, REPO
from .strict_rules import check_strict_schema


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
    schema = model_facing_schema(StoryExtraction)  # without what the program computes
    objects = _objects(schema)
    assert len(objects) >= 7
    for obj in objects:
        assert obj["additionalProperties"] is False, obj.get("title")
        assert sorted(obj["required"]) == sorted(obj["properties"]), obj.get("title")
        assert all("default" not in p for p in obj["properties"].values()), obj.get("title")
    # openai's own converter accepts it and changes nothing that matters.
    strict = to_strict_json_schema(StoryExtraction)
    assert strict["required"] == schema["required"]


def _strict_schema_as_sent() -> tuple[dict[str, Any], list[str]]:
    """The schema the seeds' request carries (cassettes/seeds.yaml, recorded through the real
    client with the default settings), and the ids of the articles in that request."""
    cassette = yaml.safe_load((REPO / "cassettes" / "seeds.yaml").read_text(encoding="utf-8"))
    (interaction,) = cassette["interactions"]
    body = interaction["request"]["parsed_body"]
    assert body["model"] == Settings().model and "tools" not in body
    json_schema = body["response_format"]["json_schema"]
    assert json_schema["strict"] is True
    ids = re.findall(r"^id: (\w+)$", body["messages"][1]["content"], flags=re.MULTILINE)
    return json_schema["schema"], ids


def test_the_shipped_schema_meets_every_rule_of_strict_structured_outputs() -> None:
    report = check_strict_schema(_strict_schema_as_sent()[0])
    assert report.problems == []
    # Measured, against the documented limits (5,000 / 10 / 1,000 / 120,000):
    assert (report.properties, report.nesting, report.enum_values) == (74, 5, 73)
    assert report.string_length < 1_500


def test_the_strict_checker_catches_what_openai_refuses() -> None:
    sibling = {
        "type": "object",
        "properties": {"kind": {"$ref": "#/$defs/Kind", "description": "d"}},
        "required": ["kind"],
        "additionalProperties": False,
        "$defs": {"Kind": {"type": "string", "enum": ["a"]}},
    }
    assert check_strict_schema(sibling).problems == [
        "root.kind: $ref has sibling keywords ['$ref', 'description']"
    ]
    loose = {"type": "object", "properties": {"a": {"type": "string", "default": "x"}}}
    problems = check_strict_schema(loose).problems
    assert "root.a: keyword 'default' is not supported" in problems
    assert "root: additionalProperties must be false" in problems
    assert "root: every property must be required" in problems


def test_in_strict_mode_an_article_id_can_only_be_one_in_the_request() -> None:
    schema, ids = _strict_schema_as_sent()
    assert sorted(ids) == ["0f9ce364", "1d026c13", "782e35d0", "e0f690c0"]  # the copy is not sent
    article_id = schema["$defs"]["Citation"]["properties"]["article_id"]
    assert article_id["enum"] == ids
    assert article_id["type"] == "string"


def test_the_fixed_part_of_a_request_fits_its_budget() -> None:
    # The numbers benchmarks/request_size.py prints, at 4 characters a token: system prompt and
    # schema together at most 2,200 tokens, while the schema holds actions, statuses and aliases.
    schema, _ = _strict_schema_as_sent()
    cassette = yaml.safe_load((REPO / "cassettes" / "seeds.yaml").read_text(encoding="utf-8"))
    system = cassette["interactions"][0]["request"]["parsed_body"]["messages"][0]["content"]
    fixed = (len(system) + len(json.dumps(schema, separators=(",", ":")))) // 4
    assert fixed <= 2200
    assert {"actions", "aliases", "via", "status"} <= set(
        json.dumps(schema).replace('"', " ").split()
    )


def test_descriptions_are_short_and_the_rules_live_in_the_system_prompt() -> None:
    schema = model_facing_schema(StoryExtraction)
    descriptions = [
        prop["description"]
        for definition in [schema, *schema["$defs"].values()]
        for prop in definition.get("properties", {}).values()
        if "description" in prop
    ]
    assert descriptions and max(map(len, descriptions)) <= 80
    system = (REPO / "prompts" / "geopolitics" / "system.j2").read_text(encoding="utf-8")
    for rule in ("copied exactly", "expected, never what happened", "PLOVER", "aliases"):
        assert system.count(rule) == 1  # said once, in one place
        assert all(rule not in d for d in descriptions)


def test_briefing_round_trips_through_json() -> None:
    text = (GOLDEN / "seeds.json").read_text(encoding="utf-8")
    briefing = DailyBriefing.model_validate_json(text)
    assert briefing.model_dump_json(indent=2) + "\n" == text
    assert briefing.stories[0].parties[0].name == "China"
