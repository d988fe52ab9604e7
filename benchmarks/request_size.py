"""How many tokens of a request are fixed (system prompt and schema) and how many are the news.

Builds the seeds' request exactly as `summarize` sends it, for each mode: instructor turns the
schema into the request, the backend plan shapes it. Tokens are estimated at 4 characters a token,
the estimate the tool budgets with (tokenizers that work offline are model-specific, and
tiktoken downloads its encodings at run time).

    python benchmarks/request_size.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from instructor.processing.response import handle_response_model

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import Settings, StoryExtraction, group_articles, load_articles  # noqa: E402
from summarizer.extract._backends import request_plan  # noqa: E402
from summarizer.extract._client import _MODES  # noqa: E402
from summarizer.extract._prompts import load_prompts  # noqa: E402

LIMIT = 2200


def tokens(text: str) -> int:
    return len(text) // 4


def main() -> None:
    (group,) = [g for g in group_articles(load_articles(ROOT / "seeds")) if len(g.articles) > 1]
    articles = list(group.originals)
    messages = load_prompts().story_messages(articles)
    print(f"seeds: {len(articles)} articles sent; tokens at 4 characters; fixed limit {LIMIT}")
    header = ("backend / mode", "system", "schema", "fixed", "articles", "fixed/articles")
    print("{:28} {:>7} {:>7} {:>7} {:>9}  {}".format(*header))
    for backend, model in [("openai", "gpt-4o-mini"), ("ollama", "llama3.1"), ("generic", "m")]:
        plan = request_plan(Settings(backend=backend, model=model))
        _, kwargs = handle_response_model(
            StoryExtraction, mode=_MODES[plan.mode], messages=[dict(m) for m in messages]
        )
        kwargs = plan.shape_request(kwargs, [a.id for a in articles])
        # Compact, as httpx serialises a JSON body.
        schema = json.dumps(
            kwargs.get("tools") or kwargs.get("response_format") or "", separators=(",", ":")
        )
        sent = kwargs["messages"]
        system = tokens(sent[0]["content"])
        fixed_user = tokens(messages[1]["content"].split("<<<ARTICLE", 1)[0])
        user = tokens(sent[-1]["content"])
        fixed = system + tokens(schema) + fixed_user
        news = user - fixed_user
        row = f"{backend} / {plan.mode.value}"
        print(
            f"{row:28} {system:7,} {tokens(schema):7,} {fixed:7,} {news:9,}  {fixed / news:.2f}"
            + ("  OVER" if fixed > LIMIT else "")
        )


if __name__ == "__main__":
    main()
