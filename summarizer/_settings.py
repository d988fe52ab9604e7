"""Settings: from arguments, then the environment (`OPENAI_API_KEY`, `OPENAI_BASE_URL`,
`SUMMARIZER_MODEL`, `SUMMARIZER_MODE`, ...), then defaults."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ._choices import Backend, ExtractionMode
from ._redact import url_secrets

__all__ = ["Backend", "ExtractionMode", "Settings"]

_Price = tuple[float, float] | tuple[float, float, float]
"""USD per million input, output[, cached input] tokens."""


class Settings(BaseSettings):
    """Everything a run can be configured with; each field also reads `SUMMARIZER_<NAME>`."""

    # populate_by_name: `Settings(api_key=...)` in Python, while the environment is read only
    # under the names below: a generic API_KEY or BASE_URL meant for something else never is.
    model_config = SettingsConfigDict(
        env_prefix="SUMMARIZER_", extra="ignore", populate_by_name=True
    )

    api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "SUMMARIZER_API_KEY")
    )
    base_url: str | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_BASE_URL", "SUMMARIZER_BASE_URL")
    )
    model: str = "gpt-4o-mini"
    profile: str = Field(
        default="geopolitics",
        description="The kind of briefing: a shipped profile, or 'mypkg.module:PROFILE'.",
    )
    language: str = Field(
        default="en",
        min_length=2,
        description="The briefing's language (an ISO 639-1 code such as en, zh, ja, or a "
        "language's English name); quotes stay in their article's language, translated beside.",
    )
    mode: ExtractionMode = ExtractionMode.AUTO
    backend: Backend = Field(
        default=Backend.AUTO, description="The server behind base_url; detected when auto."
    )
    temperature: float | None = Field(
        default=None,
        description="Sampling temperature; by default 0, and not sent to reasoning models, "
        "which refuse any value but 1.",
    )
    reasoning_effort: str | None = Field(
        default=None, description="Sent as `reasoning_effort` (minimal, low, medium, high)."
    )
    reasoning_model: bool | None = Field(
        default=None,
        description="Whether the model is a reasoning model (o-series, gpt-5); guessed from its "
        "name when unset. Set it for an Azure deployment whose name hides the model.",
    )
    token_limit_parameter: Literal["max_tokens", "max_completion_tokens"] | None = Field(
        default=None, description="The parameter that caps the answer; the backend's by default."
    )
    embeddings_model: str | None = Field(
        default=None,
        description="An embedding model at base_url (e.g. text-embedding-3-small, or a local "
        "server's) whose embeddings link the same event across languages when grouping.",
    )
    timeout: float = Field(
        default=120.0,
        gt=0,
        description="Seconds a streamed answer may stay silent (no token); unstreamed, seconds "
        "one attempt may take, from sending it to the answer's last byte.",
    )
    stream: bool | None = Field(
        default=None, description="Stream the answers; by default from local servers only."
    )
    run_timeout: float | None = Field(
        default=None,
        gt=0,
        description="Seconds the whole run may take; stories not done by then are listed as not "
        "briefed, and the others are written. No limit when unset.",
    )
    max_attempts: int = Field(
        default=5, ge=1, description="Attempts per request on transport failures (429, 5xx, ...)."
    )
    max_retry_wait: float = Field(
        default=60.0, ge=0, description="Longest single wait between transport attempts, seconds."
    )
    max_retry_time: float = Field(
        default=300.0, gt=0, description="Longest time one request may spend retrying, seconds."
    )
    max_reasks: int = Field(
        default=2, ge=0, description="Times a validation failure is sent back to the model."
    )
    concurrency: int = Field(
        # Measured (benchmarks/concurrency.py): 8 is 1.6x faster than 4 on an open endpoint and,
        # with the adaptive limit, refuses 5% of requests on one that allows 3 in flight.
        default=8,
        ge=1,
        description="The most requests in flight; the run adapts below it to the endpoint.",
    )
    max_output_tokens: int = Field(
        # A complete answer on a rich story (the seeds: 12 parties, 7 actions, 57 quotes) is about
        # 5,000 tokens and can reach 8,000; 16,384 is also gpt-4o(-mini)'s own ceiling.
        default=16_384,
        ge=256,
        description="Longest answer per request; doubled once if cut off, and never more than "
        "the model's context window leaves after the prompt.",
    )
    max_run_tokens: int | None = Field(
        default=None, ge=1, description="Tokens the whole run may use; calls stop before passing."
    )
    max_run_cost: float | None = Field(
        default=None, gt=0, description="US dollars the whole run may cost (needs a price)."
    )
    # NoDecode: the environment's text reaches `_prices_from_json` as it is, so that text which
    # is not JSON is a one-line setting error rather than pydantic-settings' SettingsError.
    prices: Annotated[dict[str, _Price], NoDecode] = Field(
        default_factory=dict,
        description="Extra or corrected prices: model -> (input, output[, cached input]) USD per "
        "million tokens.",
    )
    store: Path | None = Field(
        default=None,
        description="The store (SQLite) that records runs and answers repeated requests; the "
        "command line uses the user's data directory when unset.",
    )
    refresh: bool = Field(
        default=False, description="Send every request, even one the store could answer."
    )
    context_tokens: int = Field(
        default=100_000,
        ge=1000,
        description="Most prompt tokens one request may carry (counted by the server where it "
        "can, else estimated at 4 characters a token); a smaller context window the server "
        "states sizes the parts instead, unless this is set.",
    )
    prompts_dir: Path | None = None
    max_file_bytes: int = Field(
        default=10_000_000, ge=1, description="Largest input file read, checked before reading."
    )

    @field_validator("prices", mode="before")
    @classmethod
    def _prices_from_json(cls, value: Any) -> Any:
        """SUMMARIZER_PRICES is JSON text: each model's price a list of two or three numbers."""
        if isinstance(value, str | bytes):
            try:
                value = json.loads(value) if value.strip() else {}
            except ValueError as error:
                raise PydanticCustomError(
                    "prices_json",
                    "SUMMARIZER_PRICES is not JSON ({error}); write it as "
                    """'{"my-model": [0.5, 1.5]}': US dollars per million input and output """
                    "tokens, and optionally cached input tokens",
                    {"error": getattr(error, "msg", str(error))},
                ) from None
        if not isinstance(value, dict):
            raise PydanticCustomError(
                "prices_shape",
                """SUMMARIZER_PRICES must map model names to prices, as in '{"my-model": [0.5, """
                "1.5]}', not a {kind}",
                {"kind": type(value).__name__},
            )
        for model, price in value.items():
            if not (
                isinstance(price, list | tuple)
                and len(price) in (2, 3)
                and all(_is_price(number) for number in price)
            ):
                raise PydanticCustomError(
                    "price_shape",
                    "the price of {model} must be [input, output] or [input, output, cached "
                    "input], US dollars per million tokens (numbers, 0 or more), not {price}",
                    {"model": repr(model)[:80], "price": json.dumps(price)[:80]},
                )
        return value

    def secrets(self) -> list[str]:
        """What no message, log line or record may show: the key, and the base URL's
        credentials (a password, a token in its query) as a server may repeat them."""
        key = [self.api_key.get_secret_value()] if self.api_key else []
        return [secret for secret in [*key, *url_secrets(self.base_url or "")] if secret]


def _is_price(number: object) -> bool:
    return (
        isinstance(number, int | float)
        and not isinstance(number, bool)
        and math.isfinite(number)
        and number >= 0
    )
