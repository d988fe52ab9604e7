"""Each backend gets a request it accepts; a request it refuses fails with the server's own words.

The servers are the local stand-ins of `tests/backend_server.py`, which refuse or ignore what the
real ones do (sources there and in the README's backend table). Nothing is recorded: the stand-ins
run on loopback, and what is under test is the request the real `openai` client sends them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from summarizer import Backend, DailyBriefing, ExtractionMode, Settings, summarize
from summarizer.cli import cli
from summarizer.extract._backends import BACKENDS, detect_backend, request_plan

from .backend_server import BackendServer
from .conftest import AUTHORED, REPO

JIJI = str(REPO / "seeds" / "003_a369c571f9c43189.txt")
ANSWER = (AUTHORED / "jiji.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("base_url", "backend"),
    [
        (None, Backend.OPENAI),
        ("https://api.openai.com/v1", Backend.OPENAI),
        ("https://my-resource.openai.azure.com/openai/v1/", Backend.AZURE),
        ("https://my-resource.cognitiveservices.azure.com/openai/v1", Backend.AZURE),
        ("http://localhost:11434/v1", Backend.OLLAMA),
        ("http://gpu-box.lan:11434/v1", Backend.OLLAMA),
        ("https://ollama.com/v1", Backend.OLLAMA),
        ("http://localhost:8000/v1", Backend.VLLM),
        ("http://127.0.0.1:1234/v1", Backend.LMSTUDIO),
        ("http://localhost:8080/v1", Backend.LLAMACPP),
        ("https://api.groq.com/openai/v1", Backend.GROQ),
        ("https://openrouter.ai/api/v1", Backend.OPENROUTER),
        ("https://generativelanguage.googleapis.com/v1beta/openai/", Backend.GEMINI),
        ("https://api.anthropic.com/v1/", Backend.ANTHROPIC),
        ("https://api.mistral.ai/v1", Backend.MISTRAL),
        ("http://localhost:4000/v1", Backend.GENERIC),
        ("https://api.openai.com.evil.example/v1", Backend.GENERIC),
    ],
)
def test_the_backend_is_detected_from_the_base_url(base_url: str | None, backend: Backend) -> None:
    assert detect_backend(base_url) is backend


@pytest.mark.parametrize(
    ("backend", "model", "mode", "token_limit", "temperature"),
    [
        ("openai", "gpt-4o-mini", "strict", "max_completion_tokens", 0.0),
        ("openai", "gpt-4.1", "strict", "max_completion_tokens", 0.0),
        ("openai", "gpt-5-mini", "strict", "max_completion_tokens", None),
        ("openai", "o3-mini", "strict", "max_completion_tokens", None),
        ("openai", "o1-mini", "tools", "max_completion_tokens", None),
        ("openai", "gpt-4-turbo", "tools", "max_completion_tokens", 0.0),
        ("openai", "gpt-5-chat-latest", "strict", "max_completion_tokens", 0.0),
        ("azure", "gpt-4o", "strict", "max_completion_tokens", 0.0),
        ("ollama", "llama3.1", "json_schema", "max_tokens", 0.0),
        ("vllm", "Qwen/Qwen2.5-7B-Instruct", "json_schema", "max_tokens", 0.0),
        ("lmstudio", "qwen2.5-7b-instruct", "json_schema", "max_tokens", 0.0),
        ("llamacpp", "local", "json_schema", "max_tokens", 0.0),
        ("llama-cpp-python", "local", "json_schema", "max_tokens", 0.0),
        ("groq", "llama-3.3-70b-versatile", "tools", "max_completion_tokens", 0.0),
        ("openrouter", "openai/o3-mini", "tools", "max_tokens", None),
        ("gemini", "gemini-2.5-flash", "tools", "max_tokens", 0.0),
        ("anthropic", "claude-sonnet-4-5", "tools", "max_tokens", 0.0),
        ("mistral", "mistral-large-latest", "tools", "max_tokens", 0.0),
        ("generic", "gpt-5-mini", "tools", "max_completion_tokens", None),
    ],
)
def test_the_plan_for_each_backend_and_model_family(
    backend: str, model: str, mode: str, token_limit: str, temperature: float | None
) -> None:
    plan = request_plan(Settings(backend=backend, model=model))
    assert (plan.mode.value, plan.token_limit, plan.temperature) == (mode, token_limit, temperature)


def test_every_rule_can_be_overridden() -> None:
    plan = request_plan(
        Settings(
            backend="azure",
            model="my-deployment",
            reasoning_model=True,
            mode="tools",
            token_limit_parameter="max_tokens",
            reasoning_effort="high",
        )
    )
    assert plan.reasoning_model and plan.temperature is None
    assert (plan.mode, plan.token_limit, plan.reasoning_effort) == (
        ExtractionMode.TOOLS,
        "max_tokens",
        "high",
    )


def _brief(
    backend: str, model: str, **overrides: Any
) -> tuple[DailyBriefing, list[dict[str, Any]]]:
    with BackendServer(backend, ANSWER, origin="tests/authored/jiji.json") as server:
        briefing = summarize(
            [JIJI],
            api_key="sk-test-0123456789abcdef",
            base_url=server.base_url,
            backend=backend,
            model=model,
            max_reasks=0,
            **overrides,
        )
    return briefing, server.requests


CASES = [
    ("openai", "gpt-4o-mini"),
    ("openai", "gpt-5-mini"),
    ("openai", "o4-mini"),
    ("azure", "gpt-4o"),
    ("ollama", "llama3.1"),
    ("vllm", "Qwen/Qwen2.5-7B-Instruct"),
    ("lmstudio", "qwen2.5-7b-instruct"),
    ("llamacpp", "local"),
    ("llama-cpp-python", "local"),
    ("groq", "llama-3.3-70b-versatile"),
    ("openrouter", "openai/o3-mini"),
    ("gemini", "gemini-2.5-flash"),
    ("anthropic", "claude-sonnet-4-5"),
    ("mistral", "mistral-large-latest"),
]


@pytest.mark.parametrize(("backend", "model"), CASES)
def test_each_backend_accepts_the_request_it_gets(backend: str, model: str) -> None:
    briefing, requests = _brief(backend, model)

    assert briefing.failed_stories == []
    assert [s.headline for s in briefing.stories] == [
        "Japanese envoy visits Beijing to mend ties strained by Takaichi's Taiwan remark"
    ]
    (request,) = requests
    profile = BACKENDS[Backend(backend)]
    plan = request_plan(Settings(backend=backend, model=model))
    assert briefing.mode == plan.mode.value and briefing.backend == backend
    other = {"max_tokens", "max_completion_tokens"} - {profile.token_limit}
    assert request[profile.token_limit] == 16_384 and not other & set(request)
    assert ("temperature" in request) is not plan.reasoning_model
    if plan.mode is ExtractionMode.TOOLS:
        assert request["tool_choice"] == {
            "type": "function",
            "function": {"name": "StoryExtraction"},
        }
        schema = request["tools"][0]["function"]["parameters"]
        assert "response_format" not in request
    elif backend == "llama-cpp-python":
        # The only form of a schema its request model takes: json_object with the schema,
        # which becomes the grammar.
        assert "tools" not in request
        assert set(request["response_format"]) == {"type", "schema"}
        assert request["response_format"]["type"] == "json_object"
        schema = request["response_format"]["schema"]
    else:
        assert "tools" not in request
        assert request["response_format"]["type"] == "json_schema"
        assert request["response_format"]["json_schema"].get("strict", False) is (
            plan.mode is ExtractionMode.STRICT
        )
        schema = request["response_format"]["json_schema"]["schema"]
    text = str(schema)
    assert "'title'" not in text  # titles cost tokens and tell the model nothing
    assert "'enum': ['782e35d0']" in text  # only the article in the request can be cited
    assert ("$ref" in text) is (backend != "gemini")


def test_reasoning_effort_reaches_a_reasoning_model() -> None:
    briefing, (request,) = _brief("openai", "gpt-5-mini", reasoning_effort="low")
    assert len(briefing.stories) == 1
    assert request["reasoning_effort"] == "low"
    assert "temperature" not in request and "max_tokens" not in request


@pytest.mark.parametrize(
    ("backend", "model", "overrides", "said"),
    [
        (
            "openai",
            "gpt-5-mini",
            {"token_limit_parameter": "max_tokens", "mode": "tools"},
            "(HTTP 400): Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
        ),
        (
            "openai",
            "o3",
            {"temperature": 0.0},
            "(HTTP 400): Unsupported value: 'temperature' does not support 0.0 with this model. "
            "Only the default (1) value is supported.",
        ),
        (
            "openai",
            "gpt-4o-mini",
            {"reasoning_effort": "low"},
            "(HTTP 400): Unsupported parameter: 'reasoning_effort' is not supported with this model.",
        ),
        (
            "lmstudio",
            "qwen2.5-7b-instruct",
            {"mode": "json"},
            "(HTTP 400): 'response_format.type' must be 'json_schema' or 'text'",
        ),
        (
            "mistral",
            "mistral-large-latest",
            {"token_limit_parameter": "max_completion_tokens"},
            "(HTTP 422): Extra inputs are not permitted",
        ),
    ],
)
def test_a_refused_request_fails_with_what_the_server_said(
    backend: str, model: str, overrides: dict[str, Any], said: str
) -> None:
    briefing, requests = _brief(backend, model, **overrides)
    (failed,) = briefing.failed_stories
    assert failed.reason == f"the model endpoint rejected the request {said}"
    assert len(requests) == 1  # a refusal is not retried


def test_llama_cpp_python_taken_for_vllm_refuses_the_json_schema_with_http_500() -> None:
    # Its default port is vLLM's (8000), so a guess by port sends it vLLM's request: the
    # response_format its request model refuses, as HTTP 500. Its own row sends json_object.
    with BackendServer("llama-cpp-python", ANSWER, origin="tests/authored/jiji.json") as server:
        briefing = summarize(
            [JIJI], base_url=server.base_url, backend="vllm", model="local", max_attempts=1
        )
    (failed,) = briefing.failed_stories
    assert "HTTP 500" in failed.reason
    assert [r["response_format"]["type"] for r in server.requests] == ["json_schema"]


def test_gemini_refuses_the_schema_other_servers_take() -> None:
    with BackendServer("gemini", ANSWER, origin="tests/authored/jiji.json") as server:
        briefing = summarize(
            [JIJI], api_key="k", base_url=server.base_url, model="gemini-2.5-flash", mode="tools"
        )
    (failed,) = briefing.failed_stories  # sent as to a generic server: $defs, additionalProperties
    assert failed.reason.startswith(
        "the model endpoint rejected the request (HTTP 400): Invalid JSON payload received."
    )


@pytest.mark.parametrize(
    ("backend", "model", "mode"),
    [("ollama", "llama3.1", "tools"), ("anthropic", "claude-sonnet-4-5", "json_schema")],
)
def test_a_parameter_the_server_ignores_gives_no_usable_answer(
    backend: str, model: str, mode: str
) -> None:
    # Why auto picks json_schema for Ollama and tools for Anthropic: the other way, the server
    # takes the request and ignores the part that makes the answer structured.
    briefing, requests = _brief(backend, model, mode=mode)
    (failed,) = briefing.failed_stories
    assert failed.reason.startswith("the model's answer could not be used")
    assert len(requests) == 1


def test_the_cli_shows_the_refusal_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "briefing.md"
    out.write_text("yesterday\n")
    with BackendServer("openai", ANSWER, origin="tests/authored/jiji.json") as server:
        result = CliRunner().invoke(
            cli,
            [
                "brief", JIJI, "--base-url", server.base_url, "--backend", "openai",
                "--model", "o3", "-o", str(out),
            ],
            env={"OPENAI_API_KEY": "sk-live-0123456789abcdef", "SUMMARIZER_TEMPERATURE": "0"},
        )  # fmt: skip
    assert result.exit_code == 1
    assert out.read_text() == "yesterday\n"
    assert "does not support 0.0 with this model. Only the default (1) value is supported." in (
        result.stderr
    )
    assert "sk-live-0123456789abcdef" not in result.stderr + result.stdout


def test_the_readme_table_is_the_backend_table() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for backend, profile in BACKENDS.items():
        (row,) = [line for line in readme.splitlines() if line.startswith(f"| {profile.label} (`")]
        assert f"(`{backend.value}`)" in row
        assert f"| `{profile.mode.value}` | `{profile.token_limit}` |" in row
        assert all(f"]({source})" in row for source in profile.sources)


def test_instructor_checks_each_response_model_for_async_validators_once() -> None:
    """The check is instructor's; `_client` keeps its answer per class (7 ms a request). A model
    with an async validator must still be refused, every time."""
    import pytest
    from instructor.v2.core import patch as instructor_patch
    from instructor.v2.validation import async_validators
    from pydantic import BaseModel

    import summarizer.extract._client  # noqa: F401  (installs the kept check)
    from summarizer.profiles import load_profile

    check = async_validators.reject_async_validators
    assert instructor_patch.reject_async_validators is check
    assert getattr(check, "__wrapped__", None) is not None

    class Awaited(BaseModel):
        name: str

        @async_validators.async_field_validator("name")
        async def name_exists(self, value: str) -> str:
            return value

    for _ in range(2):
        with pytest.raises(ValueError, match="async validators are not supported"):
            check(Awaited)
    extraction = load_profile("geopolitics").extraction
    check(extraction)
    check(extraction)  # the second time from what the first found
