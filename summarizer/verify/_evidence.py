"""Evidence: the building blocks every profile's schema is made of.

A profile's extraction (what the model fills) derives from `Extraction`; every item that makes a
claim derives from `Cited`, and so opens with its `citations` — the model writes the evidence
before the claim. The pipeline knows nothing else about a profile's schema: verification, quote
repair, source counting and merging walk any model built from these parts.

`Cited` also carries what the program computes for an item (who reports it, how many
independently); those fields are marked `COMPUTED` and left out of what the model is asked to fill
(`model_facing_schema`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue, model_validator

from .._control import clean_text
from ._verify import checking, citation_problems_in_scope

JsonDict = dict[str, JsonValue]

__all__ = [
    "COMPUTED",
    "Citation",
    "Cited",
    "Extraction",
    "ModelFacing",
    "model_facing_schema",
    "strip_computed",
]

COMPUTED: JsonDict = {"x-computed": True}
_SCHEMAS: dict[tuple[Any, str, str], dict[str, Any]] = {}


def copy_json(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars) in less than half `copy.deepcopy`'s time,
    which the schema handed out on every request pays."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def _cleaned(value: Any) -> Any:
    """`value` with `clean_text` applied to every string in it; a nested model's own validator
    cleans that model's fields."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    return value


class ModelFacing(BaseModel):
    """Base of everything the model fills. Every string the model sends is cleaned as it is
    parsed (`clean_text`: no escape sequence, control character or bidi override survives), by a
    validator that leaves the JSON Schema the model is sent as it was."""

    # extra="forbid" puts additionalProperties: false in the schema, as strict mode requires.
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _without_control_characters(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        return {key: _cleaned(value) for key, value in data.items()}


class Citation(ModelFacing):
    """Evidence for an item."""

    article_id: str
    quote: str
    translation: str | None = Field(
        description="The quote in the briefing's language if the article's differs, else null.",
    )
    via: str | None = Field(description="Who the article credits for the words, if anyone.")

    @model_validator(mode="before")
    @classmethod
    def _briefings_before_translations(cls, data: Any) -> Any:
        # Briefings written before quotes had translations still load (for --since).
        if isinstance(data, dict) and "translation" not in data:
            return {**data, "translation": None}
        return data


class Cited(ModelFacing):
    """An item that makes a claim; its evidence comes first."""

    label_field: ClassVar[str | None] = None
    """The field that names the item in reports ('name', 'demand'); the first text field if None."""
    statement_fields: ClassVar[tuple[str, ...] | None] = None
    """The fields that state what the item claims, which its quotes must support (`_support`):
    by default its label field, unless that is a name ('name', 'topic', 'title'), which claims
    nothing."""

    citations: list[Citation]
    reported_by: list[str] = Field(
        default_factory=list,
        description="The outlets whose articles report it, copies included.",
        json_schema_extra=COMPUTED,
    )
    independent_sources: int = Field(
        default=0,
        description="How many of those outlets reported it independently.",
        json_schema_extra=COMPUTED,
    )

    def label(self) -> str:
        """What the item is called in reports."""
        if self.label_field is not None:
            return str(getattr(self, self.label_field))
        for name, field in type(self).model_fields.items():
            if name not in {"citations", "reported_by"} and field.annotation in (str, "str"):
                return str(getattr(self, name))
        return type(self).__name__


class Extraction(ModelFacing):
    """Base of every profile's extraction. A profile's extraction must also have `headline` and
    `bottom_line` (text); while a story is being extracted, every citation is checked against
    its articles, and so are the profile's own `checks`: a problem is a validation error that
    instructor sends back to the model."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        # instructor asks for the schema on every request; pydantic builds it anew each time
        # (29 ms for the geopolitical schema, most of a request's local work). Built once per
        # class and arguments; a copy is handed out, since callers may change it.
        key = (_defining_class(cls), repr(args), repr(sorted(kwargs.items())))
        if key not in _SCHEMAS:
            _SCHEMAS[key] = super().model_json_schema(*args, **kwargs)
        schema: dict[str, Any] = copy_json(_SCHEMAS[key])
        return schema

    def checks(self) -> list[str]:
        """The profile's own checks of an answer, one line per problem (none by default); each
        problem is sent back to the model like a quote that is not in its article."""
        return []

    @model_validator(mode="after")
    def _quotes_are_in_their_articles(self) -> Extraction:
        # Active only while an extraction is in progress (see _verify.articles_in_scope), so that
        # loading a saved briefing does not need the articles at hand.
        if not checking():
            return self
        problems = citation_problems_in_scope(self) + self.checks()
        if problems:
            raise ValueError(
                "Some citations do not match their articles. Fix each one by copying the words "
                "exactly from the cited article, or cite another article that contains them:\n- "
                + "\n- ".join(problems)
            )
        return self


def _defining_class(cls: type[BaseModel]) -> type[BaseModel]:
    """`cls`, or the class it copies: instructor subclasses the response model anew for every
    request, with the same name, fields and docstring."""
    while cls.__bases__:
        base = cls.__bases__[0]
        same = (
            isinstance(base, type)
            and issubclass(base, BaseModel)
            and base.__qualname__ == cls.__qualname__
            and base.__doc__ == cls.__doc__
            and base.model_fields.keys() == cls.model_fields.keys()
        )
        if not same:
            break
        cls = base
    return cls


def model_facing_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON Schema the model fills: `model`'s, without the fields the program computes."""
    schema: dict[str, Any] = strip_computed(model.model_json_schema())
    return schema


def strip_computed(schema: Any) -> Any:
    """`schema` without the properties marked `COMPUTED`, in `properties` and in `required`."""
    if isinstance(schema, list):
        return [strip_computed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: strip_computed(value) for key, value in schema.items()}
    properties = result.get("properties")
    if isinstance(properties, dict):
        computed = {name for name, prop in properties.items() if isinstance(prop, dict)
                    and prop.get("x-computed")}  # fmt: skip
        if computed:
            result["properties"] = {k: v for k, v in properties.items() if k not in computed}
            if "required" in result:
                result["required"] = [r for r in result["required"] if r not in computed]
    return result
