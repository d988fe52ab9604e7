"""The server is probed, not guessed: each local server told apart by what it answers, its
context window read where it states it, its tokens counted by the server; and `summarizer check`
tries a tiny schema in each mode, through the real openai client and instructor.

The servers are the loopback STAND-INS of `tests/probe_servers.py`, which answer with the real
servers' JSON shapes (copied from the real llama-server and llama-cpp-python run here, and from
the others' source and documents). The real servers are the real-server lane's.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from summarizer import Backend, ExtractionMode, Settings
from summarizer._check import check_endpoint
from summarizer.extract._backends import detect_backend, request_plan
from summarizer.extract._probe import (
    EndpointFacts,
    count_request_tokens,
    count_tokens,
    probe_endpoint,
    server_root,
)

from .probe_servers import (
    Behaviour,
    Generic,
    LlamaCpp,
    LlamaCppPython,
    LmStudio,
    Ollama,
    OpenRouter,
    Route,
    StandIn,
    Vllm,
    stand_in_tokens,
)

KEY = "sk-test-0123456789abcdef"


def _probe(server: StandIn, model: str = "local", **settings: Any) -> EndpointFacts:
    return asyncio.run(probe_endpoint(Settings(base_url=server.base_url, model=model, **settings)))


@pytest.mark.parametrize(
    ("behaviour", "model", "backend", "label", "window", "evidence", "tokenize"),
    [
        (
            LlamaCpp(n_ctx=4096, slots=2),
            "local",
            Backend.LLAMACPP,
            "llama.cpp server b1-0c1e570",
            4096,
            "GET /props: n_ctx 4,096 per slot (2 slots); chat template cannot call tools",
            "llamacpp",
        ),
        (
            LlamaCppPython(),
            "local",
            Backend.LLAMACPP_PYTHON,
            "llama-cpp-python 0.3.36",
            None,
            "GET /openapi.json: llama.cpp Python API 0.3.36; no endpoint states its n_ctx (2048 "
            "unless started with --n_ctx): tokens counted with POST /extras/tokenize/count",
            "llama-cpp-python",
        ),
        (
            Ollama(loaded=8192),
            "llama3.1",
            Backend.OLLAMA,
            "Ollama 0.12.6",
            8192,
            "GET /api/ps: llama3.1 loaded with 8,192 tokens; trained for 131,072",
            None,
        ),
        (
            Vllm(),
            "Qwen/Qwen2.5-7B-Instruct",
            Backend.VLLM,
            "vLLM 0.11.0",
            32768,
            "GET /v1/models: owned_by vllm, max_model_len 32,768",
            "vllm",
        ),
        (
            LmStudio(loaded=4096),
            "qwen2.5-7b-instruct",
            Backend.LMSTUDIO,
            "LM Studio",
            4096,
            "GET /api/v0/models: loaded with 4,096 tokens",
            None,
        ),
        (
            Generic(),
            "house-model",
            Backend.GENERIC,
            "an OpenAI-compatible server",
            None,
            "none of llama.cpp, llama-cpp-python, Ollama, vLLM or LM Studio answered as itself "
            "(JSON from: /v1/models)",
            None,
        ),
    ],
    ids=["llama.cpp", "llama-cpp-python", "ollama", "vllm", "lmstudio", "generic"],
)
def test_each_server_is_told_apart_by_what_it_answers(
    behaviour: Behaviour,
    model: str,
    backend: Backend,
    label: str,
    window: int | None,
    evidence: str,
    tokenize: str | None,
) -> None:
    with StandIn(behaviour) as server:
        facts = _probe(server, model)
    assert (facts.backend, facts.label, facts.context_window) == (backend, label, window)
    assert facts.evidence == evidence
    assert facts.tokenize == tokenize
    assert facts.probed and facts.answered
    # Every probe is a GET but Ollama's question about the model.
    assert {seen.method for seen in server.requests} <= {"GET", "POST"}
    assert [s.path for s in server.requests if s.method == "POST"] == (
        ["/api/show"] if backend is Backend.OLLAMA else []
    )
    assert request_plan(Settings(base_url=server.base_url, model=model), facts).backend is backend


def test_llama_cpp_python_on_vllms_port_is_not_taken_for_vllm() -> None:
    """Its default port is 8000, vLLM's: the guess says vLLM; what it answers says otherwise."""
    with StandIn(LlamaCppPython()) as server:
        facts = _probe(server)
    on_8000 = Settings(base_url="http://localhost:8000/v1", model="local")
    assert detect_backend(on_8000.base_url) is Backend.VLLM
    plan = request_plan(on_8000, facts=facts)
    assert (plan.backend, plan.mode) == (Backend.LLAMACPP_PYTHON, ExtractionMode.JSON_SCHEMA)
    shaped = plan.shape_request(
        {"response_format": {"type": "json_schema", "json_schema": {"name": "T", "schema": {}}}}
    )
    assert shaped["response_format"] == {"type": "json_object", "schema": {}}


def test_a_llama_cpp_slot_is_the_window_not_the_whole_context() -> None:
    # `-c 8192 --parallel 2`: each request has 4,096 tokens, as /props says.
    with StandIn(LlamaCpp(n_ctx=4096, slots=2, tool_calls=True)) as server:
        facts = _probe(server)
    assert (facts.context_window, facts.slots, facts.tool_calls) == (4096, 2, True)
    assert facts.evidence.endswith("chat template can call tools")


@pytest.mark.parametrize(
    ("ollama", "window", "said"),
    [
        (Ollama(loaded=8192), 8192, "GET /api/ps: llama3.1 loaded with 8,192 tokens"),
        (Ollama(num_ctx=16384), 16384, "POST /api/show: num_ctx 16,384"),
        (Ollama(version="0.12.6"), 4096, "so Ollama gives it its default, 4,096 tokens"),
        (Ollama(version="0.6.6"), 2048, "so Ollama gives it its default, 2,048 tokens"),
        (Ollama(num_ctx=8192, trained=2048), 2048, "POST /api/show: num_ctx 8,192; trained for"),
    ],
    ids=["loaded", "num_ctx", "default-4096", "default-2048-before-0.6.7", "capped-by-training"],
)
def test_ollamas_window_is_the_one_it_truncates_to(ollama: Ollama, window: int, said: str) -> None:
    with StandIn(ollama) as server:
        facts = _probe(server, "llama3.1")
    assert facts.context_window == window
    assert said in facts.evidence


def test_an_lm_studio_model_not_loaded_has_no_window_yet() -> None:
    with StandIn(LmStudio(loaded=None, most=32768)) as server:
        facts = _probe(server, "qwen2.5-7b-instruct")
    assert (facts.backend, facts.context_window) == (Backend.LMSTUDIO, None)
    assert facts.evidence == (
        "GET /api/v0/models: qwen2.5-7b-instruct is not-loaded; LM Studio loads it with its "
        "default context (the model allows 32,768)"
    )


def test_openrouter_says_each_models_window() -> None:
    with StandIn(OpenRouter()) as server:
        settings = Settings(
            base_url=server.root + "/api/v1", backend="openrouter", model="openai/gpt-4o-mini"
        )
        facts = asyncio.run(probe_endpoint(settings))
    assert (facts.backend, facts.context_window) == (Backend.OPENROUTER, 128000)
    assert facts.evidence == "GET /models: context_length 128,000 for openai/gpt-4o-mini"
    assert server.paths() == ["/api/v1/models"]


@pytest.mark.parametrize(
    ("base_url", "model", "backend", "window", "source"),
    [
        (None, "gpt-4o-mini", Backend.OPENAI, 128_000, "platform.openai.com/docs/models/gpt-4o-mini"),
        ("https://api.openai.com/v1", "gpt-4.1-mini-2025-04-14", Backend.OPENAI, 1_047_576, "gpt-4.1-mini"),
        ("https://api.groq.com/openai/v1", "llama-3.3-70b-versatile", Backend.GROQ, 131_072, "console.groq.com"),
        ("https://my.openai.azure.com/openai/v1", "my-deployment", Backend.AZURE, None, None),
    ],
)  # fmt: skip
def test_the_hosted_apis_are_not_probed_and_their_windows_come_from_the_table(
    base_url: str | None, model: str, backend: Backend, window: int | None, source: str | None
) -> None:
    facts = asyncio.run(probe_endpoint(Settings(base_url=base_url, model=model, api_key=KEY)))
    assert (facts.backend, facts.context_window, facts.probed) == (backend, window, False)
    assert "known by its host and not probed" in facts.evidence
    assert source is None or source in facts.evidence


def test_a_replay_is_not_probed() -> None:
    facts = asyncio.run(probe_endpoint(Settings(base_url="https://replay.invalid/v1")))
    assert (facts.backend, facts.probed, facts.answered) == (Backend.GENERIC, False, False)


def test_nothing_answering_is_generic_and_the_plan_falls_back_to_the_guess() -> None:
    with StandIn(Generic()) as server:
        base_url = server.base_url
    facts = asyncio.run(probe_endpoint(Settings(base_url=base_url), timeout=1.0))
    assert (facts.backend, facts.answered, facts.probed) == (Backend.GENERIC, False, True)
    assert facts.evidence.startswith("nothing answered at http://127.0.0.1:")
    on_ollamas_port = Settings(base_url="http://localhost:11434/v1")
    assert request_plan(on_ollamas_port, facts).backend is Backend.OLLAMA  # the guess
    answered = EndpointFacts(Backend.GENERIC, "a proxy", None, "GET /v1/models", answered=True)
    assert request_plan(on_ollamas_port, answered).backend is Backend.GENERIC  # what it said


def test_a_server_too_slow_to_answer_costs_one_probe_timeout() -> None:
    with StandIn(LlamaCpp(), delay=2.0) as server:
        started = time.monotonic()
        facts = asyncio.run(probe_endpoint(Settings(base_url=server.base_url), timeout=0.3))
        elapsed = time.monotonic() - started
    assert facts.backend is Backend.GENERIC and not facts.answered
    assert elapsed < 1.5  # the six probes in parallel, each given 0.3 s


def test_a_backend_set_by_hand_still_wins() -> None:
    with StandIn(LlamaCppPython()) as server:
        facts = _probe(server)
        settings = Settings(base_url=server.base_url, backend="llamacpp")
    assert request_plan(settings, facts).backend is Backend.LLAMACPP


class _RedirectingProps(LlamaCpp):
    def __init__(self, elsewhere: str) -> None:
        super().__init__()
        self.elsewhere = elsewhere

    def get(self, path: str) -> Route | None:
        if path == "/props":
            return Route(307, "", "text/plain", {"location": self.elsewhere + "/props"})
        return super().get(path)


def test_the_probes_carry_the_key_and_follow_no_redirect_to_another_server() -> None:
    with StandIn(LlamaCpp(n_ctx=999)) as elsewhere, StandIn(_RedirectingProps(elsewhere.root)) as server:  # fmt: skip
        facts = _probe(server, api_key=KEY)
    assert elsewhere.requests == []  # not followed: the key stays where --base-url points
    # /v1/models still says llama.cpp, and its own n_ctx.
    assert (facts.backend, facts.context_window) == (Backend.LLAMACPP, 4096)
    assert facts.evidence == "GET /v1/models: owned_by llamacpp, meta.n_ctx 4,096"
    assert {seen.headers.get("authorization") for seen in server.requests} == {f"Bearer {KEY}"}


@pytest.mark.parametrize(
    ("behaviour", "path", "body"),
    [
        (LlamaCpp(), "/tokenize", {"content": "Edo was renamed Tokyo in 1868."}),
        (LlamaCppPython(), "/extras/tokenize/count", {"input": "Edo was renamed Tokyo in 1868."}),
        (Vllm(), "/tokenize", {"model": "local", "prompt": "Edo was renamed Tokyo in 1868."}),
    ],
    ids=["llama.cpp", "llama-cpp-python", "vllm"],
)
def test_tokens_are_counted_by_the_server(behaviour: Behaviour, path: str, body: Any) -> None:
    text = "Edo was renamed Tokyo in 1868."
    with StandIn(behaviour) as server:
        settings = Settings(base_url=server.base_url, model="local")
        facts = asyncio.run(probe_endpoint(settings))
        counted = asyncio.run(count_tokens(settings, facts, text))
    assert counted == len(stand_in_tokens(text)) == 7
    (post,) = [seen for seen in server.requests if seen.method == "POST"]
    assert (post.path, post.body) == (path, body)


@pytest.mark.parametrize(
    ("behaviour", "expected", "path"),
    [
        (LlamaCpp(), 4 + 4 + 4 + 7, "/v1/chat/completions/input_tokens"),
        (LlamaCppPython(), 4 + 7, "/extras/tokenize/count"),
    ],
    ids=["llama.cpp-counts-the-request", "llama-cpp-python-counts-the-text"],
)
def test_a_requests_prompt_is_counted_by_the_server(
    behaviour: Behaviour, expected: int, path: str
) -> None:
    messages = [
        {"role": "system", "content": "Answer in JSON."},
        {"role": "user", "content": "Edo was renamed Tokyo in 1868."},
    ]
    with StandIn(behaviour) as server:
        settings = Settings(base_url=server.base_url, model="local")
        facts = asyncio.run(probe_endpoint(settings))
        assert asyncio.run(count_request_tokens(settings, facts, messages)) == expected
    assert [s.path for s in server.requests if s.method == "POST"] == [path]


def test_a_server_without_a_tokenizer_endpoint_counts_nothing() -> None:
    with StandIn(Ollama()) as server:
        settings = Settings(base_url=server.base_url, model="llama3.1")
        facts = asyncio.run(probe_endpoint(settings))
        assert asyncio.run(count_tokens(settings, facts, "Edo was renamed Tokyo.")) is None


@pytest.mark.parametrize(
    ("base_url", "root"),
    [
        ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080"),
        ("http://127.0.0.1:8080/v1/", "http://127.0.0.1:8080"),
        ("http://user:secret@gpu-box.lan:11434/v1?key=abc", "http://gpu-box.lan:11434"),
        ("https://proxy.example/llm/v1", "https://proxy.example/llm"),
        ("http://[::1]:8000/v1", "http://[::1]:8000"),
    ],
)
def test_the_servers_own_endpoints_are_beside_v1_without_credentials(
    base_url: str, root: str
) -> None:
    assert server_root(base_url) == root


# --- summarizer check ----------------------------------------------------------------------------


def _check(server: StandIn, model: str = "local") -> Any:
    return asyncio.run(check_endpoint(Settings(base_url=server.base_url, model=model)))


@pytest.mark.parametrize(
    ("behaviour", "model", "works", "fails"),
    [
        (LlamaCpp(), "local", ["json_schema", "json"], ["tools"]),
        (LlamaCppPython(), "local", ["json_schema", "tools", "json"], []),
        (Ollama(loaded=8192), "llama3.1", ["json_schema", "json"], ["tools"]),
        (Vllm(), "Qwen/Qwen2.5-7B-Instruct", ["json_schema", "tools", "json"], []),
        (LmStudio(), "qwen2.5-7b-instruct", ["json_schema", "tools"], ["json"]),
        (Generic(), "house-model", ["tools", "json_schema", "json"], []),
    ],
    ids=["llama.cpp", "llama-cpp-python", "ollama", "vllm", "lmstudio", "generic"],
)
def test_check_names_the_server_the_window_and_the_modes_that_work(
    behaviour: Behaviour, model: str, works: list[str], fails: list[str]
) -> None:
    with StandIn(behaviour) as server:
        report = _check(server, model)
    assert report.usable and report.reason is None
    assert [mode.value for mode in report.working_modes] == works
    assert [t.mode.value for t in report.trials if not t.works] == fails
    assert all(t.right for t in report.trials if t.works)  # the stand-ins answer right
    lines = report.render()
    assert lines[1] == f"server:    {report.facts.label} ({report.facts.evidence})"
    window = report.facts.context_window
    assert lines[2] == (
        f"context:   {window:,} tokens a request"
        if window
        else "context:   not stated by the server: a run learns it where an answer stops short "
        "of its budget, and remembers it"
    )
    assert report.plan.mode.value == works[0]  # brief's mode is one that works
    assert lines[-1].startswith(
        f"brief:     backend {report.plan.backend.value}, --mode {works[0]}"
    )
    # One short request per mode, nothing retried.
    chats = [s for s in server.requests if s.path == "/v1/chat/completions"]
    assert len(chats) == len(works) + len(fails)
    assert all(s.body["max_tokens"] == 100 for s in chats)


def test_check_on_llama_cpp_python_never_sends_the_json_schema_it_refuses() -> None:
    with StandIn(LlamaCppPython()) as server:
        report = _check(server)
    formats = [
        (s.body.get("response_format") or {}).get("type")
        for s in server.requests
        if s.path == "/v1/chat/completions"
    ]
    assert formats == ["json_object", None, "json_object"]  # json_schema, tools, json
    first = next(s for s in server.requests if s.path == "/v1/chat/completions")
    assert set(first.body["response_format"]["schema"]["properties"]) == {
        "old_name",
        "new_name",
        "year",
    }
    assert report.trials[0].mode is ExtractionMode.JSON_SCHEMA and report.trials[0].works


def test_check_says_why_tools_fail_on_llama_cpp() -> None:
    with StandIn(LlamaCpp(tool_calls=False)) as server:
        report = _check(server)
    tools = next(t for t in report.trials if t.mode is ExtractionMode.TOOLS)
    assert tools.detail == (
        "not in the schema: it answered in prose ('Edo is the old name of Tokyo. It was renamed "
        "in 1868, when the emperor moved th…'); GET /props: the chat template cannot call tools"
    )
    # The speed is the server's own timing of the generation.
    assert any(line == "speed:     55 tokens a second (json_schema answer, the server's own timing)"
               for line in report.render())  # fmt: skip


def test_check_shows_a_refusal_in_the_servers_words() -> None:
    with StandIn(LmStudio()) as server:
        report = _check(server, "qwen2.5-7b-instruct")
    json_mode = next(t for t in report.trials if t.mode is ExtractionMode.JSON)
    assert json_mode.detail == (
        "refused: HTTP 400: 'response_format.type' must be 'json_schema' or 'text'"
    )


def test_check_of_a_model_that_answers_only_prose_is_not_usable() -> None:
    with StandIn(Generic(prose=True)) as server:
        report = _check(server, "house-model")
    assert not report.usable and report.working_modes == []
    assert report.reason is not None
    assert report.reason.startswith(
        "cannot produce structured output: tools: not in the schema: it answered in prose"
    )
    assert report.render()[-1] == f"not usable: {report.reason}"
    assert report.as_json()["usable"] is False


def test_check_when_brief_s_mode_fails_names_the_one_that_works() -> None:
    # Taken for LM Studio by hand (--backend lmstudio) on a server that refuses json_schema.
    class RefusesJsonSchema(Generic):
        def chat(self, request: dict[str, Any]) -> Route:
            if (request.get("response_format") or {}).get("type") == "json_schema":
                return Route(400, {"error": {"message": "response_format json_schema unsupported"}})
            return super().chat(request)

    with StandIn(RefusesJsonSchema()) as server:
        settings = Settings(base_url=server.base_url, model="house-model", backend="lmstudio")
        report = asyncio.run(check_endpoint(settings))
    assert report.usable and report.plan.mode is ExtractionMode.JSON_SCHEMA
    assert report.render()[-1].endswith(
        "— but json_schema failed here: set --mode tools (SUMMARIZER_MODE=tools)"
    )


def test_check_of_an_endpoint_that_is_not_there_says_so_without_its_credentials() -> None:
    with StandIn(Generic()) as server:
        port = server.base_url.split(":")[2].split("/")[0]
    settings = Settings(base_url=f"http://user:hunter2@127.0.0.1:{port}/v1?key=abc", max_attempts=1)
    report = asyncio.run(check_endpoint(settings))
    assert not report.usable
    assert report.reason == f"could not connect to the model endpoint at http://127.0.0.1:{port}/v1"
    assert all(t.detail == "could not connect" for t in report.trials)
    assert "hunter2" not in "\n".join(report.render()) and "abc" not in report.base_url
