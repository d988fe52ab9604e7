"""What a collected batch hands the model client: answers by request key, and the batch's id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["BATCH_DISCOUNT", "BatchAnswers"]

BATCH_DISCOUNT = 0.5  # the Batch API's price, as a share of the live one


@dataclass
class BatchAnswers:
    batch_id: str
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
