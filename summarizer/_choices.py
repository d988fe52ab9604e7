"""What a user names on the command line: the backend, the extraction mode, a built-in profile.

Apart from the settings and the profiles themselves, which load pydantic-settings, the profiles'
schemas and the openai client: the command line builds its options from these before it knows
which command runs, and `summarizer --version` needs nothing more.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["BUILTIN_PROFILES", "Backend", "ExtractionMode"]

BUILTIN_PROFILES = {
    "geopolitics": "summarizer.profiles.geopolitics:PROFILE",
    "earnings": "summarizer.profiles.earnings:PROFILE",
}


class ExtractionMode(StrEnum):
    """How the schema reaches the model."""

    AUTO = "auto"
    """Chosen from the backend and model (see the README's backend table)."""
    TOOLS = "tools"
    """Tool (function) calling with a forced `tool_choice`."""
    STRICT = "strict"
    """OpenAI structured outputs: `response_format` JSON schema with `strict: true`."""
    JSON_SCHEMA = "json_schema"
    """`response_format` JSON schema without `strict`: local servers enforce it with a grammar."""
    JSON = "json"
    """JSON mode (`response_format: json_object`), the schema in the prompt: servers with
    neither tool calling nor JSON schemas."""


class Backend(StrEnum):
    """The server behind the base URL; `auto` detects it from the URL."""

    AUTO = "auto"
    OPENAI = "openai"
    AZURE = "azure"
    OLLAMA = "ollama"
    VLLM = "vllm"
    LMSTUDIO = "lmstudio"
    LLAMACPP = "llamacpp"
    LLAMACPP_PYTHON = "llama-cpp-python"
    GROQ = "groq"
    OPENROUTER = "openrouter"
    GEMINI = "gemini"
    ANTHROPIC = "anthropic"
    MISTRAL = "mistral"
    GENERIC = "generic"
