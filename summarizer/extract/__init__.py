"""Extract: one story's articles into the profile's schema, filled by a model and verified.

In: a `StoryGroup`, the run's settings, its prompts and profile. Out: the story (every item with
citations that were found in their articles), or an `ExtractionError` saying why not.

    _story          a story's request(s): in parts when it is too long, re-asked when a quote
                    is not in its article, merged
    _prompts        the prompt templates, loaded and checked
    _client         the instructor-patched openai client: shaping, retries, the store, costs
    _limits         an answer's lists and texts held to a size, and what was cut reported; an
                    answer that goes round in a loop told
    _lenient        an answer read item by item: one bad field costs its item, not the answer
    _backends       what each backend accepts (mode, token parameter, schema dialect)
    _limiter        how many requests may be in flight, following the endpoint
    _budget         the run's token and cost limits, and prices
    _batch          the Batch API, and re-asks gathered into batches
    _batch_answers  what a collected batch hands the client
    _merge          the parts of a long story joined into one

The endpoint's HTTP is held in bounds by `summarizer._http` (no redirect elsewhere, a body limit,
a 200 that is not an answer said for what it is), which the embeddings use too.
"""

from ._backends import detect_backend, request_plan
from ._batch import BatchOptions, BatchResult, ReaskBatches, first_requests, run_batch
from ._client import make_structured_create, model_client
from ._limiter import AdaptiveLimit
from ._prompts import PromptSet, load_prompts
from ._story import extract_story

__all__ = [
    "AdaptiveLimit",
    "BatchOptions",
    "BatchResult",
    "PromptSet",
    "ReaskBatches",
    "detect_backend",
    "extract_story",
    "first_requests",
    "load_prompts",
    "make_structured_create",
    "model_client",
    "request_plan",
    "run_batch",
]
