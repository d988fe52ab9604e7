"""The `summarizer` command. Results go to stdout or files; progress and diagnostics to stderr.

Exit codes: 0 success; 1 error (nothing written); 2 bad usage; 3 briefing written, but a story
failed or an article could not be read; 130 interrupted (nothing written).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click
from pydantic import ValidationError
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from ._choices import BUILTIN_PROFILES, Backend, ExtractionMode
from ._control import clean_line, clean_text, shown_name
from ._errors import BatchPending, SummarizerError
from ._files import check_writable, read_json, same_output, write_outputs
from ._redact import redact, url_secrets
from ._replay import (
    RECORDED_SERVER_URL,
    recorded_answers_are_authored,
    recorded_origin,
    replay_base_url,
    replaying,
)

if TYPE_CHECKING:
    from ._pipeline import RunStatus
    from ._schema import Briefing, FailedStory, StoryBase
    from ._settings import Settings
    from ._store import Store
    from .extract import BatchOptions
    from .group import StoryGroup

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_PARTIAL", "main"]

EXIT_OK, EXIT_ERROR, EXIT_PARTIAL, EXIT_INTERRUPTED = 0, 1, 3, 130

_stderr = Console(stderr=True, highlight=False, soft_wrap=True)


def _fail(message: str) -> NoReturn:
    # Messages quote servers, articles and file names: one line, nothing a terminal would obey.
    click.echo(f"Error: {clean_line(redact(message, _SECRETS))}", err=True)
    sys.exit(EXIT_ERROR)


def _row(text: str) -> str:
    """One printed row: nothing a terminal obeys, no line break, its padding kept."""
    return re.sub(r"[\t\n]", " ", clean_text(text))


def _shown(path: object) -> str:
    return shown_name(str(path))


_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _json_text(value: Any, **options: Any) -> str:
    """JSON for a terminal or a pipe: json.dumps escapes C0 controls itself; DEL, C1 controls,
    line separators and bidi controls are escaped too (`\\u202e`), so the JSON still holds
    them and no terminal acts on them."""
    text = json.dumps(value, indent=2, ensure_ascii=False, **options)
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


def _settings_or_fail(**overrides: Any) -> Settings:
    """Settings from the environment, with the options given on the command line."""
    from ._settings import Settings

    try:
        return Settings(**{name: value for name, value in overrides.items() if value is not None})
    except ValidationError as error:
        first = error.errors()[0]
        name = ".".join(map(str, first["loc"]))
        variable = _ALIASED.get(name, f"SUMMARIZER_{name.upper()}")
        _fail(f"setting {name} ({variable}): {first['msg']}")


_ALIASED = {"api_key": "OPENAI_API_KEY", "base_url": "OPENAI_BASE_URL"}


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"


class _Redact(logging.Filter):
    """Takes secrets out of every log line: the configured key, and anything shaped like a key.

    Libraries log what servers answer, and a careless server repeats the credentials it got.
    """

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = clean_text(redact(record.getMessage(), self._secrets)), None
        return True


_SECRETS: list[str] = []  # what `_fail` and every log line leave out: see _configure_logging


def _configure_logging(verbosity: int, base_url: str | None = None) -> None:
    """Log to stderr at `verbosity`, with the key and the base URL's credentials left out of
    every line and every `Error:` message."""
    url = base_url or os.environ.get("OPENAI_BASE_URL") or ""
    secrets = [os.environ.get("OPENAI_API_KEY", ""), *url_secrets(url)]
    _SECRETS[:] = [secret for secret in secrets if secret]
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    handler = RichHandler(console=_stderr, show_time=False, show_path=False, markup=False)
    handler.addFilter(_Redact(_SECRETS))
    logging.basicConfig(level=logging.WARNING, handlers=[handler], format="%(message)s", force=True)
    logging.getLogger("summarizer").setLevel(level)
    # instructor logs every failed attempt at ERROR; we report failures ourselves, once.
    logging.getLogger("instructor").setLevel(logging.DEBUG if verbosity >= 2 else logging.CRITICAL)


def _load_briefing(path: Path, profile_expected: tuple[str, Path] | None = None) -> Briefing[Any]:
    """A briefing's JSON, read with the models of the profile it names (which must be the
    `profile_expected` by the named file, if given)."""
    from .profiles import load_profile

    try:
        data = read_json(path)
    except SummarizerError as error:
        _fail(str(error))
    name = data.get("profile", "geopolitics") if isinstance(data, dict) else "geopolitics"
    if profile_expected is not None and name != profile_expected[0]:
        _fail(
            f"{_shown(path)}: a briefing of profile {name!r}, but {_shown(profile_expected[1])} "
            "scores profile "
            f"{profile_expected[0]!r}"
        )
    try:
        profile = load_profile(str(name))
    except SummarizerError as error:
        _fail(f"{_shown(path)}: {error}")
    try:
        return profile.briefing.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(map(str, first["loc"])) or "the file"
        _fail(f"{_shown(path)}: not a briefing's JSON ({where}: {first['msg']})")


def _replay_settings(settings: Settings, cassette: Path) -> Settings:
    """Nothing is contacted: no key is loaded, and every request is answered from the cassette.
    An authored cassette is replayed at a host that cannot resolve, its requests shaped for the
    backend the settings point at; a real server's at the address it was recorded at, where the
    run goes as it went live (the server probed, its tokens counted, its answers streamed)."""
    from .extract import detect_backend

    base_url = replay_base_url(cassette)
    if settings.backend is Backend.AUTO and base_url != RECORDED_SERVER_URL:
        settings = settings.model_copy(update={"backend": detect_backend(settings.base_url)})
    return settings.model_copy(update={"api_key": None, "base_url": base_url})


def _parse_date(_: click.Context, __: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


@click.group(
    context_settings={"help_option_names": ["-h", "--help"]},
    epilog="""
\b
Examples:
  summarizer brief today/ -o briefing.md --json briefing.json
  summarizer stories today/
  summarizer schema > briefing.schema.json

Run 'summarizer COMMAND --help' for a command's options.
""",
)
@click.version_option(package_name="summarizer")
def cli() -> None:
    """Turn a day's news articles into a structured, source-grounded briefing."""


# On `brief` and on `stories`, which group the same way.
_EMBEDDINGS_MODEL_OPTION = click.option(
    "--embeddings-model",
    metavar="MODEL",
    help="Link the same event across languages with this embedding model at the base URL "
    "[env SUMMARIZER_EMBEDDINGS_MODEL].",
)

BRIEF_EXAMPLES = """
\b
Examples:
  summarizer brief today/ -o briefing.md
  summarizer brief 'today/*.md' --json briefing.json -o briefing.md
  summarizer brief today/ --base-url http://localhost:11434/v1 --model llama3.1
  summarizer brief today/ --model gpt-5-mini --reasoning-effort low
  summarizer brief today/ --language ja --embeddings-model text-embedding-3-small
  cat article.txt | summarizer brief -
  summarizer brief seeds/ --replay cassettes/seeds.yaml -o briefing.md
  summarizer brief today/ --since yesterday/briefing.json -o briefing.md

\b
Environment:
  OPENAI_API_KEY    key for OpenAI (or any endpoint that wants one)
  OPENAI_BASE_URL   an OpenAI-compatible server (Ollama, vLLM, LM Studio)
  SUMMARIZER_MODEL  model name (default gpt-4o-mini)
  SUMMARIZER_MODE   auto | tools | strict | json_schema | json
  SUMMARIZER_BACKEND  the server behind the base URL (default: detected)

\b
Exit codes: 0 ok, 1 error or no story briefed (nothing written), 2 bad usage,
3 written but a story or article failed, 130 interrupted.
"""


@cli.command(epilog=BRIEF_EXAMPLES)
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Write the Markdown briefing here (default: stdout; '-' for stdout).",
)
@click.option(
    "--json",
    "json_output",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Also write the briefing as JSON here ('-' for stdout).",
)
@click.option(
    "--profile",
    metavar="NAME",
    help=f"The kind of briefing: {', '.join(BUILTIN_PROFILES)}, or mypkg.module:PROFILE "
    "[env SUMMARIZER_PROFILE; default geopolitics].",
)
@click.option("--model", help="Model name [env SUMMARIZER_MODEL].")
@click.option("--base-url", help="OpenAI-compatible endpoint [env OPENAI_BASE_URL].")
@click.option(
    "--mode",
    type=click.Choice([m.value for m in ExtractionMode]),
    help="auto: chosen for the backend and model (default); tools: tool calling; strict: "
    "OpenAI structured outputs; json_schema: response_format JSON schema (local servers); "
    "json: JSON mode [env SUMMARIZER_MODE].",
)
@click.option(
    "--backend",
    type=click.Choice([b.value for b in Backend]),
    help="The server behind --base-url, when its address does not tell "
    "[env SUMMARIZER_BACKEND; default: detected].",
)
@click.option(
    "--reasoning-effort",
    metavar="LEVEL",
    help="reasoning_effort for reasoning models: minimal, low, medium, high "
    "[env SUMMARIZER_REASONING_EFFORT].",
)
@click.option(
    "--language",
    metavar="CODE",
    help="Write the briefing in this language (en, zh, ja, ...; default en); quotes stay in "
    "their article's language, with a translation beside [env SUMMARIZER_LANGUAGE].",
)
@_EMBEDDINGS_MODEL_OPTION
@click.option(
    "--date",
    callback=_parse_date,
    metavar="YYYY-MM-DD",
    help="The briefing's date (default: the day most articles were published).",
)
@click.option(
    "--prompts",
    "prompts_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Use the prompt templates in this folder instead of the shipped ones.",
)
@click.option(
    "--replay",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="CASSETTE",
    help="Answer every model request from this recorded exchange; no network, no key.",
)
@click.option(
    "--since",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="BRIEFING.json",
    help="Mark what is new, changed or resolved since this earlier briefing (its --json).",
)
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PATH",
    help="The store that records runs and answers repeated requests "
    "[env SUMMARIZER_STORE; default: in your data folder].",
)
@click.option("--no-store", is_flag=True, help="Neither record this run nor use stored answers.")
@click.option("--refresh", is_flag=True, help="Send every request, even those the store holds.")
@click.option(
    "--batch",
    "use_batch",
    is_flag=True,
    help="Send every story's first request through the Batch API (half price, within a day); "
    "lines without an answer are sent live.",
)
@click.option(
    "--batch-reasks",
    type=click.Choice(["batch", "live"]),
    default="batch",
    show_default=True,
    help="With --batch: send re-asks (answers that failed verification) as a second, smaller "
    "batch, or live at once.",
)
@click.option(
    "--no-wait", is_flag=True, help="With --batch: print the batch id and exit; collect it later."
)
@click.option(
    "--batch-poll", default=30.0, show_default=True, metavar="SECONDS", help="How often to ask."
)
@click.option("-v", "--verbose", count=True, help="More diagnostics on stderr (-vv for debug).")
def brief(
    paths: tuple[str, ...],
    output: Path | None,
    json_output: Path | None,
    profile: str | None,
    model: str | None,
    base_url: str | None,
    mode: str | None,
    backend: str | None,
    reasoning_effort: str | None,
    language: str | None,
    embeddings_model: str | None,
    date: dt.date | None,
    prompts_dir: Path | None,
    replay: Path | None,
    since: Path | None,
    store_path: Path | None,
    no_store: bool,
    refresh: bool,
    use_batch: bool,
    batch_reasks: str,
    no_wait: bool,
    batch_poll: float,
    verbose: int,
) -> None:
    """Brief the articles in PATHS: files, folders, globs, or '-' for stdin.

    Every run and every exchange with the model is recorded in a store (see 'summarizer log');
    a story whose request the store has answered before, and verified, costs no call.
    """
    from ._pipeline import RunStatus
    from ._schema import StoryBase
    from .extract import BatchOptions
    from .profiles import load_profile

    _configure_logging(verbose, base_url)
    earlier = _load_briefing(since) if since is not None else None
    overrides: dict[str, Any] = {
        key: value
        for key, value in {
            "profile": profile,
            "model": model,
            "base_url": base_url,
            "mode": mode,
            "backend": backend,
            "reasoning_effort": reasoning_effort,
            "language": language,
            "embeddings_model": embeddings_model,
            "prompts_dir": prompts_dir,
            "refresh": refresh or None,
        }.items()
        if value is not None
    }
    settings = _settings_or_fail(**overrides)
    try:
        chosen = load_profile(settings.profile)
    except SummarizerError as error:
        _fail(str(error))
    # Whatever stops --since stops the run before it is paid for.
    if earlier is not None and chosen.compare is None:
        _fail(f"profile {chosen.name!r} cannot compare two briefings")
    if earlier is not None and earlier.profile != chosen.name:
        _fail(f"{since}: made with profile {earlier.profile!r}, not {chosen.name!r}")
    if replay is not None:
        settings = _replay_settings(settings, replay)
    # A run is paid for before it is written: find an output that cannot be written first.
    _check_outputs(output, json_output)

    # A replay answers from its cassette alone: it neither reads nor writes the store.
    store = None if no_store or replay is not None else _open_store(store_path, settings)

    status = RunStatus()
    bar = _progress_bar(status) if _stderr.is_terminal else None

    def progress(group: StoryGroup, result: StoryBase | FailedStory) -> None:
        # Headlines and reasons come from articles and models: escaped, never read as markup.
        count = f"[{status.done}/{status.stories}] "
        if bar is not None:
            bar[0].update(bar[1], total=status.stories, completed=status.done)
        if isinstance(result, StoryBase):
            headline = escape(clean_line(str(getattr(result, "headline", group.headline))))
            spent = result.usage
            how = (
                "from the store"
                if spent.cache_hits and not spent.requests
                else f"${spent.cost_usd:.4f}"
                if spent.cost_usd is not None
                else f"{_count(spent.requests, 'request')}"
            )
            articles = _count(len(group.articles), "article")
            speed = spent.output_tokens_per_second
            pace = f"; {speed:.0f} tokens a second" if speed is not None else ""
            _stderr.print(f"  {count}briefed: {headline} ({articles}; {how}{pace})")
        else:
            headline, reason = escape(clean_line(group.headline)), escape(clean_line(result.reason))
            _stderr.print(f"  {count}[bold red]not briefed[/]: {headline}: {reason}")

    batch = None
    if use_batch or no_wait:
        if replay is not None:
            _fail("--batch and --replay do not go together: a replay sends nothing")
        batch = BatchOptions(
            wait=not no_wait,
            poll_seconds=batch_poll,
            on_status=_batch_line,
            reasks="live" if batch_reasks == "live" else "batch",
        )
    try:
        with bar[0] if bar is not None else contextlib.nullcontext():
            briefing = _run(paths, settings, date, progress, store, replay, status, batch)
    except BatchPending as pending:
        batch_id = clean_line(pending.batch_id)
        click.echo(batch_id)
        collect = f"summarizer batch collect {batch_id} -o briefing.md"
        _stderr.print(escape(f"batch {batch_id} submitted; collect it with: {collect}"))
        sys.exit(EXIT_OK)
    except SummarizerError as error:
        _fail(str(error))
    except KeyboardInterrupt:
        click.echo("Error: interrupted; no file was written", err=True)
        sys.exit(EXIT_INTERRUPTED)
    try:
        _write_briefing(briefing, paths, output, json_output, earlier, since)
    except SystemExit as finished:
        if store is not None and briefing.run_id is not None:
            code = int(finished.code or 0)
            status_word = {EXIT_OK: "ok", EXIT_PARTIAL: "partial"}.get(code, "failed")
            store.set_exit_code(briefing.run_id, code, status_word)
        raise


class _RunColumn(ProgressColumn):
    """Requests in flight, retries, tokens and cost so far, read from the run as it goes."""

    def __init__(self, status: RunStatus) -> None:
        super().__init__()
        self.status = status

    def render(self, task: Task) -> Text:
        usage = self.status.usage
        cost = f" · ${usage.cost_usd:.4f}" if usage.cost_usd is not None else ""
        cached = f" · {usage.cache_hits} from the store" if usage.cache_hits else ""
        speed = usage.output_tokens_per_second
        pace = f" · {speed:.0f} tokens/s" if speed is not None else ""
        return Text(
            f"{self.status.in_flight} in flight · {usage.retries} retries · "
            f"{usage.total_tokens:,} tokens{pace}{cost}{cached}"
        )


def _progress_bar(status: RunStatus) -> tuple[Progress, TaskID]:
    """Stories done of the total, what is in flight, and an ETA: on a terminal only."""
    bar = Progress(
        SpinnerColumn(),
        TextColumn("stories"),
        BarColumn(),
        MofNCompleteColumn(),
        _RunColumn(status),
        TimeRemainingColumn(),
        console=_stderr,
        transient=True,
    )
    return bar, bar.add_task("brief", total=None)


def _run(
    paths: tuple[str, ...],
    settings: Settings,
    date: dt.date | None,
    progress: Any,
    store: Store | None,
    replay: Path | None,
    status: RunStatus,
    batch: BatchOptions | None = None,
) -> Briefing[Any]:
    from ._pipeline import summarize
    from ._schema import ReplayInfo

    if replay is not None:
        with replaying(replay):
            briefing = summarize(
                list(paths), settings=settings, date=date, on_story=progress, status=status
            )
        briefing.replay = ReplayInfo(
            cassette=str(replay),
            authored=recorded_answers_are_authored(replay),
            origin=recorded_origin(replay),
        )
        return briefing
    return summarize(
        list(paths),
        settings=settings,
        date=date,
        on_story=progress,
        store=store,
        status=status,
        batch=batch,
    )


def _batch_line(batch: Any) -> None:
    counts = getattr(batch, "request_counts", None)
    done = f", {counts.completed}/{counts.total} done" if counts is not None else ""
    _stderr.print(escape(clean_line(f"  batch {batch.id}: {batch.status}{done}")))


@cli.group("batch")
def batch_group() -> None:
    """Batches submitted with 'brief --batch --no-wait'."""


@batch_group.command("collect")
@click.argument("batch_id")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Write the Markdown briefing here (default: stdout).")  # fmt: skip
@click.option("--json", "json_output", type=click.Path(dir_okay=False, allow_dash=True,
              path_type=Path), help="Also write the briefing as JSON here.")  # fmt: skip
@click.option("--store", "store_path", type=click.Path(dir_okay=False, path_type=Path),
              metavar="PATH", help="The store the batch was recorded in.")  # fmt: skip
@click.option("--batch-poll", default=30.0, show_default=True, metavar="SECONDS")
@click.option("--batch-reasks", type=click.Choice(["batch", "live"]), default="batch",
              show_default=True, help="Send re-asks as a second batch, or live.")  # fmt: skip
def batch_collect(
    batch_id: str,
    output: Path | None,
    json_output: Path | None,
    store_path: Path | None,
    batch_poll: float,
    batch_reasks: str,
) -> None:
    """Wait for a batch, then brief its stories as 'brief' would have.

    \b
    Example:
      summarizer brief today/ --batch --no-wait      # prints the batch id
      summarizer batch collect batch_abc123 -o briefing.md
    """
    from ._pipeline import RunStatus, summarize
    from ._settings import Settings
    from .extract import BatchOptions

    _configure_logging(0)
    store = _open_store(store_path, Settings())
    recorded = store.batch(batch_id)
    if recorded is None:
        _fail(f"{store.path}: no batch {batch_id!r} (submitted with another --store?)")
    if recorded["status"].startswith("re-asks"):
        _fail(f"batch {batch_id} holds a run's re-asks: collect the run's first batch instead")
    _check_outputs(output, json_output)
    kept = {k: v for k, v in recorded["settings"].items() if k not in ("store", "api_key")}
    try:
        settings = Settings.model_validate(kept)
    except ValidationError as error:
        _fail(
            f"batch {batch_id}: its recorded settings no longer load ({error.errors()[0]['msg']})"
        )
    options = BatchOptions(
        collect=batch_id,
        poll_seconds=batch_poll,
        on_status=_batch_line,
        reasks="live" if batch_reasks == "live" else "batch",
    )
    status = RunStatus()
    try:
        briefing = summarize(
            recorded["inputs"], settings=settings, store=store, status=status, batch=options
        )
    except SummarizerError as error:
        _fail(str(error))
    try:
        _write_briefing(briefing, tuple(recorded["inputs"]), output, json_output, None, None)
    except SystemExit as finished:
        if briefing.run_id is not None:
            code = int(finished.code or 0)
            store.set_exit_code(briefing.run_id, code, {0: "ok", 3: "partial"}.get(code, "failed"))
        raise


def _check_outputs(output: Path | None, json_output: Path | None) -> None:
    """Refuse, before any paid work, outputs that cannot be written or that would overwrite
    each other (`-o X --json X` would keep only one of the two)."""
    if output is not None and json_output is not None and same_output(output, json_output):
        where = "standard output" if str(output) == "-" else _shown(output)
        raise click.UsageError(f"-o and --json both name {where}: give each its own place")
    for target in (output, json_output):
        if target is None:
            continue
        try:
            check_writable(target)
        except OSError as error:
            _fail(f"{_shown(target)}: cannot write ({error.strerror})")


def _open_store(given: Path | None, settings: Settings) -> Store:
    """The run's store, opened before any call, so that a bad one stops a run that costs nothing."""
    from ._store import Store, default_store_path

    try:
        return Store(given or settings.store or default_store_path())
    except SummarizerError as error:
        _fail(str(error))


def _write_briefing(
    briefing: Briefing[Any],
    paths: tuple[str, ...],
    output: Path | None,
    json_output: Path | None,
    earlier: Briefing[Any] | None,
    since: Path | None,
) -> None:

    from .profiles import compare_briefings
    from .render import render_json, render_markdown

    if not briefing.stories and not briefing.failed_stories:
        _fail("no readable article in " + ", ".join(paths))
    if not briefing.stories:
        failed = len(briefing.failed_stories)
        _fail(
            f"no story could be briefed ({_count(failed, 'story', 'stories')} failed: "
            f"{briefing.failed_stories[0].reason}); nothing was written"
        )
    if earlier is not None:
        try:
            briefing.changes = compare_briefings(earlier, briefing, source=str(since))
        except SummarizerError as error:
            _fail(str(error))

    outputs: list[tuple[str | Path, str]] = []
    if json_output is not None:
        outputs.append((json_output, render_json(briefing)))
    # The Markdown goes to stdout unless it has a place of its own, or the JSON took stdout.
    markdown_to = output if output is not None else None if str(json_output) == "-" else "-"
    if markdown_to is not None:
        outputs.append((markdown_to, render_markdown(briefing)))
    try:
        write_outputs(outputs, sys.stdout)
    except OSError as error:  # write_outputs names the path it was given
        _fail(
            f"{_shown(error.filename)}: cannot write ({error.strerror}); "
            "no output file was replaced"
        )

    written = ", ".join(_shown(p) for p, _ in outputs if str(p) != "-")
    usage = briefing.usage
    repairs = [
        f"{_count(usage.quotes_repaired, 'quote')} set to the article's exact words"
        if usage.quotes_repaired
        else "",
        _count(usage.reasks, "re-ask") if usage.reasks else "",
    ]
    _stderr.print(
        escape(
            f"{_count(len(briefing.stories), 'story', 'stories')} briefed, "
            f"{len(briefing.failed_stories)} failed, "
            f"{_count(len(briefing.unread_articles), 'article')} unread; "
            f"{usage.total_tokens:,} tokens"
            + (f", ${usage.cost_usd:.4f}" if usage.cost_usd is not None else "")
            + (f"; {usage.cache_hits} answered from the store" if usage.cache_hits else "")
            + "".join(f"; {part}" for part in repairs if part)
            + (f"; wrote {written}" if written else "")
            + (f"; run {briefing.run_id}" if briefing.run_id else "")
        )
    )
    sys.exit(EXIT_PARTIAL if briefing.failed_stories or briefing.unread_articles else EXIT_OK)


STORIES_EXAMPLES = """
\b
Examples:
  summarizer stories today/
  summarizer stories today/ seeds/ --json > stories.json
  summarizer stories today/ --embeddings-model text-embedding-3-small   # across languages
"""


@cli.command(epilog=STORIES_EXAMPLES)
@click.argument("paths", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the stories as JSON.")
@_EMBEDDINGS_MODEL_OPTION
def stories(paths: tuple[str, ...], as_json: bool, embeddings_model: str | None) -> None:
    """Group the articles in PATHS into stories, without calling a model.

    Shows each story's articles, most-covered first, and which are duplicates (republished or
    rewritten copies) of which. Unreadable files are listed on stderr (exit code 3).
    """
    from .group import EmbeddingStream, day_groups
    from .read import read_articles

    _configure_logging(0)
    settings = _settings_or_fail(embeddings_model=embeddings_model)
    # Sent while the day is read, once it shows a second language, as `brief` does.
    stream = None
    if settings.embeddings_model is not None:
        stream = EmbeddingStream(settings, only_if_multilingual=True)
    try:
        articles, failures = read_articles(
            list(paths),
            max_file_bytes=settings.max_file_bytes,
            on_article=stream.add if stream is not None else None,
        )
        for failure in failures:
            click.echo(f"skipped {clean_line(str(failure))}", err=True)
        if not articles:
            _fail("no readable article in " + ", ".join(paths))
        # Embeddings asked for by name, and nothing else to show: their failure is the error.
        groups = day_groups(articles, stream, strict=True)
    except SummarizerError as error:
        _fail(str(error))
    finally:
        if stream is not None:
            stream.close()
    if as_json:
        click.echo(_json_text([g.outline() for g in groups]))
    else:
        copies = sum(len(g.duplicates) for g in groups)
        click.echo(
            f"{_count(len(groups), 'story', 'stories')} from {_count(len(articles), 'article')}"
            f" ({_count(copies, 'duplicate')})\n"
        )
        for number, group in enumerate(groups, start=1):
            click.echo(f"{number}. {clean_line(group.headline)}")
            click.echo(
                f"   {_count(len(group.articles), 'article')}, {len(group.independent)} independent"
            )
            for article in group.articles:
                date = article.published.isoformat() if article.published else "undated   "
                outlet = clean_line(article.outlet or "outlet not stated")[:24]
                copy = group.duplicates.get(article.id)
                language = article.language or "--"
                source = _shown(article.source)
                line = f"   {article.id}  {date}  {language:<3} {outlet:<24}  {source}"
                repeated = group.repeats.get(article.id)
                note = (
                    f"  (duplicate of {copy})"
                    if copy
                    else f"  (repeats {repeated} with words of its own)"
                    if repeated
                    else ""
                )
                click.echo(line + note)
            click.echo()
    if failures:
        sys.exit(EXIT_PARTIAL)


EVAL_EXAMPLES = """
\b
Examples:
  summarizer eval briefing.json evals/seeds.gold.json
  summarizer eval --models gpt-4o-mini,gpt-4.1-mini --gold evals/seeds.gold.json seeds/
  summarizer eval --models gpt-4o-mini,house-model --gold evals/seeds.gold.json seeds/ \\
      --replay cassettes/eval-models.yaml

\b
Columns: recall of the gold's core and detail items, found by the item's own words (kw)
and by the quotes it cites (qt); must-not claims made; tokens; cost.
"""


def _report_table(reports: list[Any]) -> str:
    header = (
        f"{'model':24} {'core kw':>7} {'core qt':>7} {'detail kw':>9} {'detail qt':>9} "
        f"{'must-not':>8} {'tokens':>8} {'cost':>9}"
    )
    lines = [header, "-" * len(header)]
    for report in reports:
        if isinstance(report, str):
            lines.append(report)
            continue
        cost = "n/a" if report.cost_usd is None else f"${report.cost_usd:.4f}"
        lines.append(
            f"{report.model[:24]:24} {report.recall(core=True, by='keywords'):7.0%} "
            f"{report.recall(core=True, by='quotes'):7.0%} "
            f"{report.recall(core=False, by='keywords'):9.0%} "
            f"{report.recall(core=False, by='quotes'):9.0%} "
            f"{len(report.must_not_made):8d} {report.total_tokens:8,} {cost:>9}"
        )
    return "\n".join(lines) + "\n"


@cli.command("eval", epilog=EVAL_EXAMPLES)
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--gold",
    "gold_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The gold file (with --models; otherwise the second argument).",
)
@click.option(
    "--models",
    help="Brief PATHS with each of these models (comma-separated) and score each briefing.",
)
@click.option(
    "--replay",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="CASSETTE",
    help="With --models: answer every request from this recorded exchange.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
def eval_command(
    paths: tuple[str, ...],
    gold_path: Path | None,
    models: str | None,
    replay: Path | None,
    as_json: bool,
) -> None:
    """Score a briefing against a gold file: BRIEFING.json GOLD.json.

    With --models, brief PATHS once per model and print one row per model, so that models can
    be compared on your own stories. The gold format is schemas/gold.schema.json.
    """
    from ._eval import load_gold, score_briefing
    from ._pipeline import summarize
    from ._settings import Settings

    _configure_logging(0)
    if models is None:
        if len(paths) != 2 or gold_path is not None:
            raise click.UsageError("give BRIEFING.json GOLD.json, or --models with --gold")
        briefing_path, gold_file = Path(paths[0]), Path(paths[1])
        try:
            gold = load_gold(gold_file)
        except SummarizerError as error:
            _fail(str(error))
        briefing = _load_briefing(briefing_path, (gold.profile, gold_file))
        reports: list[Any] = [
            score_briefing(
                briefing, gold, briefing_name=str(briefing_path), gold_name=str(gold_file)
            )
        ]
    else:
        if gold_path is None:
            raise click.UsageError("--models needs --gold GOLD.json")
        try:
            gold = load_gold(gold_path)
        except SummarizerError as error:
            _fail(str(error))
        reports = []
        if replay is not None and recorded_answers_are_authored(replay):
            click.echo(
                f"Note: {replay} holds answers written by people as test fixtures, not by a model",
                err=True,
            )
        for model in [m.strip() for m in models.split(",") if m.strip()]:
            settings = Settings(model=model, profile=gold.profile)
            if replay is not None:
                settings = _replay_settings(settings, replay)
            started = time.monotonic()
            try:
                with replaying(replay) if replay is not None else contextlib.nullcontext():
                    briefing = summarize(list(paths), settings=settings)
            except SummarizerError as error:
                _fail(str(error))
            if not briefing.stories:
                reason = briefing.failed_stories[0].reason if briefing.failed_stories else "none"
                seconds = time.monotonic() - started
                spent = f"{briefing.usage.total_tokens:,} tokens, {seconds:.0f} s"
                reports.append(_row(f"{model[:24]:24} not briefed ({spent}): {reason}"))
                continue
            reports.append(
                score_briefing(briefing, gold, briefing_name=model, gold_name=str(gold_path))
            )
    if as_json:
        click.echo(
            _json_text([r if isinstance(r, str) else r.model_dump(mode="json") for r in reports])
        )
    else:
        click.echo(clean_text(_report_table(reports)), nl=False)
        for report in reports:
            if not isinstance(report, str):
                for section in report.sections:
                    for label in section.missed:
                        missed = f"  {report.model}: missed core {section.section}: {label}"
                        click.echo(_row(missed), err=True)
                for claim in report.must_not_made:
                    made = f"  {report.model}: made a must-not claim: {claim}"
                    click.echo(_row(made), err=True)


LOG_EXAMPLES = """
\b
Examples:
  summarizer log                         # the latest runs
  summarizer log 20261129-0918           # a run's stories and requests (any unique prefix)
  summarizer log 20261129-0918 --story 05bf6f55     # one story's exchanges in full
  summarizer log --json | jq '.[0].cost_usd'
"""


@cli.command("log", epilog=LOG_EXAMPLES)
@click.argument("run_id", required=False)
@click.option("--story", "story_id", metavar="ID", help="Show this story's exchanges in full.")
@click.option(
    "--store",
    "store_path",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="PATH",
    help="The store [env SUMMARIZER_STORE; default: in your data folder].",
)
@click.option("-n", "--limit", default=20, show_default=True, help="How many runs to list.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def log_command(
    run_id: str | None, story_id: str | None, store_path: Path | None, limit: int, as_json: bool
) -> None:
    """What the runs recorded: the runs, a run's stories and requests, or one exchange."""
    from ._settings import Settings
    from ._store import default_store_path

    path = store_path or Settings().store or default_store_path()
    if not path.exists():
        _fail(f"{_shown(path)}: no store yet (a 'summarizer brief' run creates it)")
    _configure_logging(0)
    with _open_store(path, Settings()) as store:
        if run_id is None:
            runs = store.runs(limit)
            if as_json:
                click.echo(_json_text(runs))
                return
            click.echo(f"{'run':22} {'status':9} {'stories':>7} {'requests':>8} {'cached':>6} "
                       f"{'cost':>9} {'seconds':>7}  profile / model")  # fmt: skip
            for run in runs:
                cost = "n/a" if run["cost_usd"] is None else f"${run['cost_usd']:.4f}"
                seconds = "" if run["duration"] is None else f"{run['duration']:.1f}"
                click.echo(
                    _row(
                        f"{run['id']:22} {run['status']:9} {run['stories'] or 0:7} "
                        f"{run['requests'] or 0:8} {run['cache_hits'] or 0:6} {cost:>9} "
                        f"{seconds:>7}  {run['profile']} / {run['model']}"
                    )
                )
            return
        found = store.run(run_id)
        if found is None:
            _fail(f"{_shown(path)}: no run {run_id!r} (see 'summarizer log')")
        run = found
        exchanges = store.exchanges(run["id"], story_id)
        if story_id is not None and not exchanges:
            _fail(f"run {run['id']}: no exchanges for story {story_id!r}")
        if as_json:
            shown = {"run": run, "exchanges": exchanges} if story_id is None else exchanges
            click.echo(_json_text(shown, default=str))
            return
        if story_id is not None:
            for exchange in exchanges:
                click.echo(f"--- exchange {exchange['id']} ({_exchange_summary(exchange)})")
                click.echo(_json_text(exchange["request"]))
                click.echo("--- answer")
                click.echo(_json_text(exchange["response"]))
                if exchange["verification_errors"]:
                    click.echo("--- sent back because")
                    click.echo(clean_text(exchange["verification_errors"]))
            return
        briefing = run.get("briefing") or {}
        click.echo(_row(f"run {run['id']}: {run['status']}, exit {run['exit_code']}, "
                   f"{run['profile']} / {run['model']}, started {run['started']}"))  # fmt: skip
        for story in briefing.get("stories", []):
            spent = story.get("usage") or {}
            requests = _count(spent.get("requests", 0), "request")
            click.echo(_row(f"  story {story['id']}: {story.get('headline', '')}  "
                       f"({requests}, {spent.get('cache_hits', 0)} from the store)"))  # fmt: skip
        for failed in briefing.get("failed_stories", []):
            click.echo(_row(f"  story {failed['id']}: not briefed: {failed['reason']}"))
        for exchange in exchanges:
            click.echo(
                f"    {exchange['story_id']}  #{exchange['id']}  {_exchange_summary(exchange)}"
            )


def _exchange_summary(exchange: dict[str, Any]) -> str:
    return clean_line(_exchange_parts(exchange))


def _exchange_parts(exchange: dict[str, Any]) -> str:
    if exchange["from_cache"]:
        return "answered from the store"
    parts = [f"HTTP {exchange['status']}" if exchange["status"] else "no answer"]
    if exchange["reask"]:
        parts.append(f"re-ask {exchange['reask']}")
    if exchange["attempt"] and exchange["attempt"] > 1:
        parts.append(f"{exchange['attempt']} attempts")
    if exchange["prompt_tokens"] is not None:
        parts.append(f"{exchange['prompt_tokens']}+{exchange['completion_tokens']} tokens")
    parts.append(f"{exchange['latency']:.2f}s")
    verified = {1: "verified", 0: "sent back"}.get(exchange["verified"])
    if verified:
        parts.append(verified)
    if exchange["error"]:
        parts.append(exchange["error"])
    return ", ".join(parts)


CHECK_EXAMPLES = """
\b
Examples:
  summarizer check --base-url http://localhost:8080/v1          # llama.cpp's llama-server
  summarizer check --base-url http://localhost:11434/v1 --model llama3.1
  summarizer check --model gpt-4o-mini                          # OpenAI, with OPENAI_API_KEY
  summarizer check --base-url http://localhost:8000/v1 --json

\b
Exit codes: 0 the model can brief; 1 it cannot (the reason on stderr), or the endpoint is
unreachable.
"""


@cli.command(epilog=CHECK_EXAMPLES)
@click.option("--model", help="Model name [env SUMMARIZER_MODEL].")
@click.option("--base-url", help="OpenAI-compatible endpoint [env OPENAI_BASE_URL].")
@click.option(
    "--backend",
    type=click.Choice([b.value for b in Backend]),
    help="The server behind --base-url, if it cannot be told by asking it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check(model: str | None, base_url: str | None, backend: str | None, as_json: bool) -> None:
    """Check that an endpoint and model can brief, before a day is sent to it.

    Asks the server what it is and how large a request it takes, tries a tiny schema in each
    mode the server could use, and prints the server, the context window, the modes that work,
    the tokens a second, and the settings 'brief' will use. Costs a few short requests.
    """
    import asyncio  # only here: the other commands need no event loop of their own

    from ._check import check_endpoint

    _configure_logging(0, base_url)
    settings = _settings_or_fail(model=model, base_url=base_url, backend=backend)
    try:
        report = asyncio.run(check_endpoint(settings))
    except SummarizerError as error:
        _fail(str(error))
    if as_json:
        click.echo(_json_text(report.as_json()))
    else:
        for line in report.render():
            click.echo(_row(line))
    if not report.usable:
        _fail(report.reason or "the model cannot produce structured output")


@cli.command()
@click.option(
    "--extraction",
    is_flag=True,
    help="The schema the model fills (one story) instead of the briefing's.",
)
@click.option("--profile", default="geopolitics", metavar="NAME", help="The briefing profile.")
def schema(extraction: bool, profile: str) -> None:
    """Print the JSON Schema of the briefing (the JSON that `brief --json` writes).

    \b
    Examples:
      summarizer schema > briefing.schema.json
      summarizer schema --extraction
      summarizer schema --profile earnings
    """
    from ._json_schema import profile_schema, schema_text

    try:
        click.echo(schema_text(profile_schema(profile, extraction=extraction)), nl=False)
    except SummarizerError as error:
        _fail(str(error))


@cli.command("gold-schema")
def gold_schema() -> None:
    """Print the JSON Schema of a gold file for `summarizer eval` (schemas/gold.schema.json)."""
    from ._json_schema import json_schema_text

    click.echo(json_schema_text("gold.schema.json"), nl=False)


def main() -> None:
    cli(prog_name="summarizer")


if __name__ == "__main__":
    main()
