"""One bad field costs its item, not the answer: an answer read item by item.

A model's answer is validated whole (`model_validate_json`), and one field that fails — a date
that does not match its pattern, a status outside its enum, a citation without its quote — makes
the whole answer invalid. `valid_items` reads it again leniently: each item that fails is taken
out (the outermost item of a list of items that holds the error), said as a `DroppedItem` with
pydantic's reason, and the rest validated again, until what is left is valid. What is not in a
list — the headline, the bottom line — cannot be taken out: an answer that fails there is not
valid at all.
"""

from __future__ import annotations

import json
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from .._schema import DroppedItem
from ..verify._evidence import Extraction
from ..verify._verify import item_kind

__all__ = ["valid_items"]

# An answer has at most a few hundred items (`_limits.MAX_ITEMS` in a list); each round takes at
# least one out.
_MOST_ROUNDS = 500


def _item_model(model: type[BaseModel], field: str) -> type[BaseModel] | None:
    """The model of the items in `model`'s list `field`, or None if it is not a list of them."""
    info = model.model_fields.get(field)
    if info is None:
        return None
    annotation: Any = info.annotation
    if typing.get_origin(annotation) in (types.UnionType, typing.Union):
        annotation = next((a for a in typing.get_args(annotation) if a is not type(None)), None)
    if typing.get_origin(annotation) is not list:
        return None
    (inner,) = typing.get_args(annotation) or (None,)
    return inner if isinstance(inner, type) and issubclass(inner, BaseModel) else None


def _summary(model: type[BaseModel], item: object) -> str:
    if isinstance(item, dict):
        named = getattr(model, "label_field", None)
        for name in (named, "name", "topic", "title", "description", "event", "claim"):
            value = item.get(name) if isinstance(name, str) else None
            if isinstance(value, str) and value.strip():
                return " ".join(value.split())[:120]
    return json.dumps(item, ensure_ascii=False)[:120]


def _place(
    model: type[BaseModel], data: Any, loc: tuple[int | str, ...]
) -> tuple[list[Any], int, type[BaseModel], int] | None:
    """The innermost item on the error's path `loc`: the list holding it, its index, its model,
    and how far along `loc` it is; None when the path runs through no list of items."""
    found = None
    current_model: type[BaseModel] | None = model
    position = 0
    while position < len(loc) and current_model is not None and isinstance(data, dict):
        step = loc[position]
        if not isinstance(step, str):
            break
        value = data.get(step)
        items_model = _item_model(current_model, step)
        if items_model is not None:
            index = loc[position + 1] if position + 1 < len(loc) else None
            if not (isinstance(value, list) and isinstance(index, int) and 0 <= index < len(value)):
                break
            found = (value, index, items_model, position + 2)
            current_model, data, position = items_model, value[index], position + 2
            continue
        annotation = getattr(current_model.model_fields.get(step), "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        current_model, data, position = annotation, value, position + 1
    return found


def _reason(error: Any, after: int) -> str:
    field = ".".join(str(step) for step in tuple(error.get("loc", ()))[after:])
    message = " ".join(str(error.get("msg", "not valid")).split())
    return f"not valid: {field + ': ' if field else ''}{message}"[:300]


def valid_items(
    model: type[Extraction], answer: str
) -> tuple[Extraction, list[DroppedItem]] | None:
    """`answer` as `model`, with each item that fails validation taken out and said; None when
    the answer is not JSON, or fails where no item can be taken out (a missing headline)."""
    try:
        data = json.loads(answer)
    except (json.JSONDecodeError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    dropped: list[DroppedItem] = []
    for _ in range(_MOST_ROUNDS):
        try:
            return model.model_validate(data), dropped
        except ValidationError as invalid:
            errors = invalid.errors()
        # Every failing item of this round, taken out from the end of its list first, so that
        # the indices of the others still point at them.
        found: dict[tuple[int, int], tuple[list[Any], int, type[BaseModel], int, Any]] = {}
        for error in errors:
            place = _place(model, data, tuple(error.get("loc", ())))
            if place is None:
                return None
            items, index, item_model, after = place
            found.setdefault((id(items), index), (items, index, item_model, after, error))
        for items, index, item_model, after, error in sorted(
            found.values(), key=lambda entry: -entry[1]
        ):
            item = items.pop(index)
            dropped.append(
                DroppedItem(
                    kind=item_kind(item_model),
                    summary=_summary(item_model, item),
                    reason=_reason(error, after),
                )
            )
    return None
