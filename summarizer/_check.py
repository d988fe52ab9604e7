"""`summarizer check`: whether the endpoint and model can do the job, asked before a day's run.

The server is probed (`extract._probe`: what it is, its context window), then a tiny schema is
asked for in each mode the backend could use, one short request each, through the same openai
client, instructor and request shaping the extraction uses. What answered in the schema works;
a refusal, prose, or JSON that is not the schema's does not. The report names the server, its
window, the modes that work, the tokens a second one answer showed, and the settings `brief`
will use; it is not usable when no mode produced a valid structured answer.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import openai
from instructor.core.exceptions import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel, Field, ValidationError

from ._redact import one_line, redact, server_message
from ._schema import Usage
from ._settings import Backend, ExtractionMode, Settings
from .extract._backends import RequestPlan, request_plan
from .extract._client import chain, make_structured_create, model_client
from .extract._probe import EndpointFacts, probe_endpoint, server_root

__all__ = [
    "CHECK_ANSWER_TOKENS",
    "CheckReport",
    "ModeTrial",
    "RenamedCity",
    "check_endpoint",
    "modes_to_try",
]

CHECK_ANSWER_TOKENS = 100
"""The output limit of each trial: the answer is about 25 tokens; prose stops here."""
_TRIAL_SECONDS = 60.0  # a trial is short; a model that needs longer is reported as timed out
_NO_CONNECTION = "could not connect"


class RenamedCity(BaseModel):
    """A city's change of name, as the text states it."""

    old_name: str = Field(description="The city's name before")
    new_name: str = Field(description="The city's name after")
    year: int = Field(description="The year of the change")


_TEXT = "Edo was renamed Tokyo in 1868."
_MESSAGES = [
    {
        "role": "system",
        "content": "Extract the change of name the text states, as JSON with old_name, new_name "
        "and year.",
    },
    {"role": "user", "content": f"Text: {_TEXT}"},
]


@dataclass(frozen=True)
class ModeTrial:
    """One mode tried with the tiny schema."""

    mode: ExtractionMode
    works: bool
    detail: str
    """One line: "answered in the schema in 0.9 s" or why not ("refused: HTTP 500: ...")."""
    seconds: float
    completion_tokens: int | None = None
    tokens_per_second: float | None = None
    speed_source: str | None = None
    """Where `tokens_per_second` is from: the server's own timings, or tokens over wall time."""
    right: bool | None = None
    """Whether the valid answer also says what the text says (Edo, Tokyo, 1868)."""
    answer: RenamedCity | None = None


@dataclass(frozen=True)
class CheckReport:
    """What `summarizer check` found; `render()` is what it prints."""

    base_url: str
    model: str
    facts: EndpointFacts
    plan: RequestPlan
    trials: tuple[ModeTrial, ...]
    usable: bool
    reason: str | None
    """Why the endpoint cannot do the job ("cannot produce structured output: ..."), or None."""

    @property
    def working_modes(self) -> list[ExtractionMode]:
        return [trial.mode for trial in self.trials if trial.works]

    @property
    def speed(self) -> ModeTrial | None:
        """The trial whose speed is reported: the server's own timings first, then the answer
        with the most tokens."""
        timed = [trial for trial in self.trials if trial.tokens_per_second is not None]
        timed.sort(key=lambda t: (t.speed_source != "server", -(t.completion_tokens or 0)))
        return timed[0] if timed else None

    def as_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (`summarizer check --json`)."""
        facts, plan, speed = self.facts, self.plan, self.speed
        return {
            "base_url": self.base_url,
            "model": self.model,
            "usable": self.usable,
            "reason": self.reason,
            "server": {
                "backend": facts.backend.value,
                "label": facts.label,
                "version": facts.version,
                "evidence": facts.evidence,
                "probed": facts.probed,
                "slots": facts.slots,
                "tool_calls": facts.tool_calls,
                "tokenize": facts.tokenize,
            },
            "context_window": facts.context_window,
            "modes": [
                {
                    "mode": trial.mode.value,
                    "works": trial.works,
                    "detail": trial.detail,
                    "seconds": round(trial.seconds, 3),
                    "completion_tokens": trial.completion_tokens,
                    "right": trial.right,
                }
                for trial in self.trials
            ],
            "tokens_per_second": (
                round(speed.tokens_per_second, 1)
                if speed is not None and speed.tokens_per_second is not None
                else None
            ),
            "tokens_per_second_source": speed.speed_source if speed is not None else None,
            "brief": {
                "backend": plan.backend.value,
                "mode": plan.mode.value,
                "token_limit_parameter": plan.token_limit,
                "context_window": facts.context_window,
                "working_modes": [mode.value for mode in self.working_modes],
            },
        }

    def render(self) -> list[str]:
        """The lines `summarizer check` prints."""
        facts = self.facts
        window = (
            f"{facts.context_window:,} tokens a request"
            if facts.context_window is not None
            else "not stated by the server: a run learns it where an answer stops short of its "
            "budget, and remembers it"
        )
        lines = [
            f"endpoint:  {self.base_url} · model {self.model}",
            f"server:    {facts.label} ({facts.evidence})",
            f"context:   {window}",
        ]
        for trial in self.trials:
            mark = "works" if trial.works else "fails"
            lines.append(f"mode {trial.mode.value + ':':<12} {mark}: {trial.detail}")
        speed = self.speed
        if speed is not None and speed.tokens_per_second is not None:
            source = (
                "the server's own timing"
                if speed.speed_source == "server"
                else "its tokens over the request's time, prompt included"
            )
            lines.append(
                f"speed:     {speed.tokens_per_second:.0f} tokens a second "
                f"({speed.mode.value} answer, {source})"
            )
        lines.append(f"brief:     {self._brief_settings()}")
        if self.reason is not None:
            lines.append(f"not usable: {self.reason}")
        return lines

    def _brief_settings(self) -> str:
        plan = self.plan
        parts = [
            f"backend {plan.backend.value}",
            f"--mode {plan.mode.value}",
            f"the answer capped with {plan.token_limit}",
        ]
        if self.facts.context_window is not None:
            parts.append(f"requests sized to {self.facts.context_window:,} tokens")
        text = ", ".join(parts)
        working = self.working_modes
        if working and plan.mode not in working:
            text += (
                f" — but {plan.mode.value} failed here: set --mode {working[0].value} "
                f"(SUMMARIZER_MODE={working[0].value})"
            )
        return text


def _where(settings: Settings) -> str:
    """The base URL as it may be shown: without the credentials or the query it may carry."""
    if settings.base_url is None:
        return "https://api.openai.com/v1"
    # server_root keeps scheme, host, port and path, less a final /v1, which is put back.
    path = urlsplit(settings.base_url).path.rstrip("/")
    return server_root(settings.base_url) + ("/v1" if path.endswith("/v1") else "")


def modes_to_try(plan: RequestPlan) -> list[ExtractionMode]:
    """The modes the backend could use, the plan's first: strict only where OpenAI's structured
    outputs exist (OpenAI, Azure)."""
    candidates = [ExtractionMode.TOOLS, ExtractionMode.JSON_SCHEMA, ExtractionMode.JSON]
    if plan.backend in (Backend.OPENAI, Backend.AZURE):
        candidates.insert(0, ExtractionMode.STRICT)
    return [plan.mode, *(mode for mode in candidates if mode is not plan.mode)]


async def check_endpoint(settings: Settings) -> CheckReport:
    """Probe the endpoint and try the tiny schema in each mode; see the module's docstring.
    Raises `ConfigurationError` when there is no endpoint at all (no key and no base URL)."""
    facts = await probe_endpoint(settings)
    plan = request_plan(settings, facts=facts)
    trial_settings = settings.model_copy(
        update={
            "max_attempts": 1,  # a refusal is the answer: nothing is retried
            "max_reasks": 0,
            "timeout": min(settings.timeout, _TRIAL_SECONDS),
            "max_run_tokens": None,
            "max_run_cost": None,
        }
    )
    trials: list[ModeTrial] = []
    async with model_client(trial_settings) as client:
        for mode in modes_to_try(plan):
            mode_settings = trial_settings.model_copy(update={"mode": mode})
            mode_plan = request_plan(mode_settings, facts=facts)
            trial = await _try(mode_settings, mode_plan, client)
            if mode is ExtractionMode.TOOLS and not trial.works and facts.tool_calls is False:
                # llama.cpp said why: the model's chat template has no tool calls at all.
                trial = dataclasses.replace(
                    trial, detail=trial.detail + "; GET /props: the chat template cannot call tools"
                )
            trials.append(trial)
    usable = any(trial.works for trial in trials)
    reason = None
    if not usable and not facts.answered and all(t.detail == _NO_CONNECTION for t in trials):
        reason = f"could not connect to the model endpoint at {_where(settings)}"
    elif not usable:
        why = "; ".join(f"{trial.mode.value}: {trial.detail}" for trial in trials)
        reason = one_line(f"cannot produce structured output: {why}", 600)
    return CheckReport(
        base_url=_where(settings),
        model=settings.model,
        facts=facts,
        plan=plan,
        trials=tuple(trials),
        usable=usable,
        reason=reason,
    )


async def _try(settings: Settings, plan: RequestPlan, client: openai.AsyncOpenAI) -> ModeTrial:
    """One request in `plan.mode`, as the extraction sends it."""
    usage = Usage()
    create = make_structured_create(settings, usage, plan, client=client)
    secrets = settings.secrets()
    started = time.monotonic()
    with chain("check") as sent:
        try:
            answer = await create(
                model=settings.model,
                messages=[dict(message) for message in _MESSAGES],
                response_model=RenamedCity,
                max_retries=0,
                max_tokens=CHECK_ANSWER_TOKENS,
            )
        except Exception as error:  # every way a mode can fail is a line of the report
            seconds = time.monotonic() - started
            return ModeTrial(plan.mode, False, _why(error, secrets), seconds)
    seconds = time.monotonic() - started
    tokens = usage.completion_tokens or None
    speed, source = _speed(sent.last_response, tokens, seconds)
    right = (
        "edo" in answer.old_name.lower()
        and "tokyo" in answer.new_name.lower()
        and answer.year == 1868
    )
    said = one_line(redact(answer.model_dump_json(), secrets), 120)
    detail = f"answered in the schema in {seconds:.1f} s: {said}"
    detail += "" if right else " (not what the text says)"
    return ModeTrial(plan.mode, True, detail, seconds, tokens, speed, source, right, answer)


def _speed(
    body: dict[str, Any] | None, tokens: int | None, seconds: float
) -> tuple[float | None, str | None]:
    """Tokens a second: llama.cpp's own `timings.predicted_per_second` when it sent them (the
    generation alone), else the answer's tokens over the request's time (prompt included)."""
    timings = body.get("timings") if isinstance(body, dict) else None
    if isinstance(timings, dict):
        rate = timings.get("predicted_per_second")
        if isinstance(rate, int | float) and not isinstance(rate, bool) and rate > 0:
            return float(rate), "server"
    if tokens and seconds > 0:
        return tokens / seconds, "wall"
    return None, None


def _why(error: BaseException, secrets: list[str]) -> str:
    """One line: why a trial failed, in the server's words where it gave some."""
    cause = _deepest_known(error)
    if isinstance(cause, openai.APIStatusError):
        said = server_message(cause)
        text = f"refused: HTTP {cause.status_code}" + (f": {said}" if said else "")
    elif isinstance(cause, openai.APITimeoutError):
        text = f"no answer within {_TRIAL_SECONDS:g} s"
    elif isinstance(cause, openai.APIConnectionError):
        text = _NO_CONNECTION
    elif isinstance(cause, openai.APIError):
        text = getattr(cause, "reason", None) or str(cause)
    elif isinstance(cause, IncompleteOutputException):
        text = f"the answer was cut off at {CHECK_ANSWER_TOKENS} tokens, not in the schema"
    elif isinstance(cause, InstructorRetryException | ValidationError | ValueError):
        text = "not in the schema: " + _first_problem(cause)
    else:
        text = f"failed: {type(cause).__name__}: {cause}"
    return one_line(redact(text, secrets), 300)


def _deepest_known(error: BaseException) -> BaseException:
    """The cause that says most: an HTTP refusal under instructor's retry wrapper, say."""
    seen: list[BaseException] = []
    cause: BaseException | None = error
    while cause is not None and cause not in seen:
        seen.append(cause)
        cause = cause.__cause__ or cause.__context__
    for candidate in reversed(seen):
        if isinstance(candidate, openai.APIError | IncompleteOutputException):
            return candidate
    return error


def _first_problem(error: BaseException) -> str:
    """What was wrong with an answer: prose where JSON was asked, or the first field that is
    not the schema's."""
    if isinstance(error, InstructorRetryException):
        said = _answer_text(error.last_completion)
        if said is not None and not said.lstrip().startswith(("{", "[")):
            return f"it answered in prose ('{one_line(said, 80)}')"
        if error.failed_attempts:
            error = error.failed_attempts[-1].exception
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ValidationError):
            first = seen.errors()[0]
            where = ".".join(map(str, first.get("loc", ()))) or "the answer"
            return f"{where}: {first.get('msg', '')}"
        seen = seen.__cause__ or seen.__context__
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _answer_text(completion: Any) -> str | None:
    """The text of a completion's first choice: its tool call's arguments, else its content."""
    try:
        message = completion.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    calls = getattr(message, "tool_calls", None) or []
    if calls and isinstance(getattr(calls[0].function, "arguments", None), str):
        return str(calls[0].function.arguments)
    content = getattr(message, "content", None)
    return content if isinstance(content, str) else None
