"""Verify: a model's answer → only what the articles bear out.

In: an extraction the model filled (any profile's schema, built from `Citation`, `Cited` and
`Extraction`) and the story's articles. Out: the extraction with every quote found in the
article it cites and set to that article's exact words, every item its quotes support, and
what was removed with the reason; or the reason the story is not usable at all. No model is
called here: what this stage finds wrong while a story is extracted is sent back through the
schema's validators (`articles_in_scope`), and instructor re-asks.

- `_evidence.py`: the parts every profile's schema is built from (`Citation`, `Cited`,
  `Extraction`), whose validators report what `_verify` finds while a story is extracted.
- `_verify.py`: a quote stands in its article (typesetting forgiven, words not) and is used as
  the article uses it; a summary's words are the articles'; `drop_unverified`, `snap_quotes`,
  `unusable_reason`.
- `_support.py`: a quote supports its item's claim (its numbers, its date, not another item's
  words): `drop_unsupported`.

It imports nothing of the schema of a briefing, the extraction or the store: the schema builds
on it.
"""

from __future__ import annotations

from ._evidence import Citation, Cited, Extraction, model_facing_schema
from ._support import drop_unsupported
from ._verify import (
    articles_in_scope,
    citation_problems,
    drop_unverified,
    find_quote,
    quote_in_text,
    snap_quotes,
    unusable_reason,
)

__all__ = [
    "Citation",
    "Cited",
    "Extraction",
    "articles_in_scope",
    "citation_problems",
    "drop_unsupported",
    "drop_unverified",
    "find_quote",
    "model_facing_schema",
    "quote_in_text",
    "snap_quotes",
    "unusable_reason",
]
