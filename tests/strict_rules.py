"""The documented rules of OpenAI structured outputs (`strict: true`), as a checker.

From https://platform.openai.com/docs/guides/structured-outputs#supported-schemas:
- the root is an object, not `anyOf`;
- every object lists all its properties in `required` and sets `additionalProperties: false`;
- only these keywords: strings `pattern`, `format` (of a fixed list); numbers `multipleOf`,
  `maximum`, `exclusiveMaximum`, `minimum`, `exclusiveMinimum`; arrays `minItems`, `maxItems`;
  and the structural ones (`type`, `properties`, `items`, `enum`, `const`, `anyOf`, `$ref`,
  `$defs`, `description`, ...); `default`, `allOf`, `oneOf`, `not`, `if`/`then`, ... are refused;
- a `$ref` has no sibling keywords (the SDK's own `to_strict_json_schema` inlines such refs);
- at most 5,000 object properties in total and 10 levels of nesting;
- at most 1,000 enum values in total; 120,000 characters of property names, definition names,
  enum values and const values together; an enum of more than 250 values at most 15,000 characters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_PROPERTIES = 5000
MAX_NESTING = 10
MAX_ENUM_VALUES = 1000
MAX_STRING_LENGTH = 120_000

_STRING_FORMATS = {
    "date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid",
}  # fmt: skip
_ALLOWED = {
    # structure and annotation
    "type", "properties", "required", "additionalProperties", "items", "enum", "const",
    "anyOf", "$ref", "$defs", "description", "title", "$schema",
    # strings, numbers, arrays
    "pattern", "format", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "minItems", "maxItems",
}  # fmt: skip


@dataclass
class StrictReport:
    problems: list[str] = field(default_factory=list)
    properties: int = 0
    nesting: int = 0
    enum_values: int = 0
    string_length: int = 0


def check_strict_schema(schema: dict[str, Any]) -> StrictReport:
    """Every documented rule the schema breaks, and its measured size."""
    report = StrictReport()
    if schema.get("type") != "object" or "anyOf" in schema:
        report.problems.append("the root must be an object, not anyOf")
    definitions = schema.get("$defs", {})
    report.string_length += sum(len(name) for name in definitions)

    def walk(node: dict[str, Any], where: str, depth: int, seen: tuple[str, ...]) -> None:
        report.nesting = max(report.nesting, depth)
        for key in node:
            if key not in _ALLOWED:
                report.problems.append(f"{where}: keyword {key!r} is not supported")
        if "$ref" in node:
            if len(node) > 1:
                report.problems.append(f"{where}: $ref has sibling keywords {sorted(node)}")
            name = str(node["$ref"]).removeprefix("#/$defs/")
            if name not in seen:  # recursion is allowed; measure each definition once per path
                walk(definitions[name], f"$defs.{name}", depth, (*seen, name))
            return
        if "format" in node and node["format"] not in _STRING_FORMATS:
            report.problems.append(f"{where}: format {node['format']!r} is not supported")
        if "enum" in node:
            values = node["enum"]
            report.enum_values += len(values)
            length = sum(len(str(v)) for v in values)
            report.string_length += length
            if len(values) > 250 and length > 15_000:
                report.problems.append(f"{where}: an enum of over 250 values exceeds 15,000 chars")
        if "const" in node:
            report.string_length += len(str(node["const"]))
        if node.get("type") == "object" or "properties" in node:
            properties = node.get("properties", {})
            report.properties += len(properties)
            report.string_length += sum(len(name) for name in properties)
            if node.get("additionalProperties") is not False:
                report.problems.append(f"{where}: additionalProperties must be false")
            if sorted(node.get("required", [])) != sorted(properties):
                report.problems.append(f"{where}: every property must be required")
            for name, child in properties.items():
                walk(child, f"{where}.{name}", depth + 1, seen)
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{where}[]", depth, seen)
        for index, option in enumerate(node.get("anyOf", [])):
            walk(option, f"{where}.anyOf[{index}]", depth, seen)

    walk(schema, "root", 1, ())
    if report.properties > MAX_PROPERTIES:
        report.problems.append(f"{report.properties} object properties (limit {MAX_PROPERTIES})")
    if report.nesting > MAX_NESTING:
        report.problems.append(f"{report.nesting} levels of nesting (limit {MAX_NESTING})")
    if report.enum_values > MAX_ENUM_VALUES:
        report.problems.append(f"{report.enum_values} enum values (limit {MAX_ENUM_VALUES})")
    if report.string_length > MAX_STRING_LENGTH:
        report.problems.append(f"{report.string_length} schema characters (limit 120,000)")
    return report
