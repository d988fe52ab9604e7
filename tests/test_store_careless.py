"""The store under careless use: a read-only place, a file someone else made, credentials in the
base URL, runs killed with SIGKILL or Ctrl-C.

Everything is real: a SQLite file in the test's folder, folders made unwritable by the kernel
(`chattr +i`, a read-only bind mount in a mount namespace of its own), processes that really die,
the real client over HTTP to loopback servers.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from summarizer import ConfigurationError, Settings, Store, _store, summarize
from summarizer.cli import cli

from .batch_server import BatchServer
from .conftest import REPO
from .fault_server import FaultServer
from .helpers import write_day
from .loopback import LoopbackServer, QuietHandler, send_json

KEY = "sk-careless-store-0123456789"
PRICES = {"house-model": (1.0, 2.0, 0.5)}


def settings(base_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "api_key": KEY,
        "base_url": base_url,
        "model": "house-model",
        "prices": PRICES,
        "max_retry_wait": 0.05,
        "max_attempts": 1,
    }
    return Settings.model_validate(values | overrides)


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    return env | {"PYTHONPATH": str(REPO)} | extra


# --- a store in a place that cannot be written ---------------------------------------------------


@contextlib.contextmanager
def immutable(folder: Path) -> Iterator[None]:
    """`folder` made immutable by the kernel: nothing, root included, can create, rename or delete
    a file in it (the files already there can still be changed, as in a 0555 folder)."""
    made = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i does not work here: {made.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


def a_store_with_one_run(folder: Path, server: FaultServer) -> tuple[Path, Path, str]:
    """A day of 3 stories briefed into `folder`/store.db: its path, the day, the run id."""
    folder.mkdir()
    day = folder.parent / "day"
    day.mkdir()
    write_day(day, stories=3)
    store = folder / "store.db"
    briefing = summarize([day], settings=settings(server.base_url), store=store)
    assert briefing.run_id is not None and len(briefing.stories) == 3
    return store, day, briefing.run_id


def test_a_store_in_a_read_only_folder_is_read_and_a_run_records_nothing_and_says_why(
    tmp_path: Path,
) -> None:
    with FaultServer() as server:
        store, day, run_id = a_store_with_one_run(tmp_path / "locked", server)
        sent, before = len(server.requests), digest(store)
        with immutable(store.parent):
            with Store(store) as opened:
                assert not opened.writable
                assert [(r["id"], r["status"]) for r in opened.runs()] == [(run_id, "ok")]
            listing = run("log", "--store", str(store))
            result = run(
                "brief", str(day), "--store", str(store), "--base-url", server.base_url,
                "--model", "house-model", "-o", str(tmp_path / "b.md"),
            )  # fmt: skip
            left = sorted(p.name for p in store.parent.iterdir())
    assert listing.exit_code == 0, listing.stderr
    assert listing.stdout.splitlines()[1].split()[:4] == [run_id, "ok", "3", "3"]
    assert listing.stderr == ""  # reading writes nothing, so there is nothing to warn of
    assert result.exit_code == 0, result.stderr
    assert len(server.requests) == sent == 3  # every story answered from the store it could read
    assert "3 answered from the store" in result.stderr
    said = " ".join(result.stderr.split())  # the log handler wraps long lines
    assert said.count("cannot write") == 1
    assert f"cannot write (its folder {store.parent} cannot be written (no permission))" in said
    assert "this run uses the answers stored there, but records nothing" in said
    assert left == ["store.db"] and digest(store) == before


def _mount_namespaces_work() -> bool:
    try:
        probe = subprocess.run(["unshare", "-m", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def test_summarizer_log_reads_a_store_on_a_read_only_file_system(tmp_path: Path) -> None:
    if not _mount_namespaces_work():
        pytest.skip("no mount namespace here (unshare -m) for a read-only bind mount")
    with FaultServer() as server:
        store, _, run_id = a_store_with_one_run(tmp_path / "mounted", server)
    before = digest(store)
    folder = str(store.parent)
    # A read-only bind mount of the folder over itself, seen only by this one command.
    script = (
        f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} {folder} || exit 97; "
        f"if touch {folder}/probe 2>/dev/null; then echo WRITABLE; fi; "
        f'exec "$0" -m summarizer log --store {store}'
    )
    shown = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", script, sys.executable],
        capture_output=True, text=True, timeout=60, env=child_env(),
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert "WRITABLE" not in shown.stdout  # the mount really was read-only
    assert shown.stdout.splitlines()[1].split()[:2] == [run_id, "ok"]
    assert digest(store) == before and not (store.parent / "probe").exists()


def test_a_store_that_cannot_be_created_says_why_not_that_it_is_not_a_store(
    tmp_path: Path,
) -> None:
    regular = tmp_path / "notes.txt"
    regular.write_text("a file, not a folder")
    with pytest.raises(ConfigurationError) as inside_a_file:
        Store(regular / "store.db")
    message = str(inside_a_file.value)
    assert message.startswith(f"{regular / 'store.db'}: cannot create the store: ")
    assert "not a folder" in message and "not a summarizer store" not in message
    locked = tmp_path / "locked"
    locked.mkdir()
    with immutable(locked):
        with pytest.raises(ConfigurationError) as in_a_locked_folder:
            Store(locked / "store.db")
        result = run("brief", "seeds", "--base-url", "http://127.0.0.1:9/v1",
                     "--store", str(locked / "store.db"))  # fmt: skip
    assert f"its folder {locked} cannot be written (no permission)" in str(in_a_locked_folder.value)
    assert "move it aside" not in str(in_a_locked_folder.value)  # there is nothing to move
    assert result.exit_code == 1 and len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"Error: {locked / 'store.db'}: cannot create the store: ")


def test_an_empty_store_in_a_read_only_folder_is_refused_as_unwritable(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "store.db").touch()
    with immutable(locked), pytest.raises(ConfigurationError) as error:
        Store(locked / "store.db")
    assert "is empty, and cannot be set up: its folder" in str(error.value)
    assert (locked / "store.db").stat().st_size == 0


# --- the file's mode -------------------------------------------------------------------------------


@contextlib.contextmanager
def umask(mask: int) -> Iterator[None]:
    previous = os.umask(mask)
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


def test_the_store_is_private_whether_created_or_found_empty(tmp_path: Path) -> None:
    with umask(0):  # a umask that takes nothing away
        created = tmp_path / "new" / "store.db"
        with Store(created) as store:
            store.start_run(["x"], {"model": "m"}, "geopolitics")
            assert _mode(created) == 0o600
            assert _mode(Path(f"{created}-wal")) == 0o600  # SQLite gives it the file's mode
        empty = tmp_path / "store.db"
        empty.touch(mode=0o644)
        assert _mode(empty) == 0o644
        with Store(empty) as store:
            store.start_run(["x"], {"model": "m"}, "geopolitics")
            assert _mode(empty) == 0o600
            assert _mode(Path(f"{empty}-wal")) == 0o600 and _mode(Path(f"{empty}-shm")) == 0o600
        # A store with content keeps the mode it was given: one may be shared on purpose.
        os.chmod(created, 0o640)
        Store(created).close()
        assert _mode(created) == 0o640


# --- credentials in the base URL -------------------------------------------------------------------

PASSWORD = "hunter2-secret"
QUERY_SECRET = "qk-0123456789"


def with_credentials(base_url: str) -> str:
    """`http://127.0.0.1:N/v1` with a user and password, and a key and a harmless parameter in
    the query, as some gateways (Azure, proxies) are reached."""
    return (
        base_url.replace("http://", f"http://reader:{PASSWORD}@")
        + f"?api-key={QUERY_SECRET}&api-version=2024-06-01"
    )


def secrets_of_the_url() -> list[bytes]:
    basic = base64.b64encode(f"reader:{PASSWORD}".encode())
    return [PASSWORD.encode(), QUERY_SECRET.encode(), basic, KEY.encode()]


def store_bytes(store: Path) -> bytes:
    return b"".join(p.read_bytes() for p in store.parent.glob(store.name + "*"))


class EchoingServer(LoopbackServer):
    """A careless endpoint: it refuses every request, repeating the path it was asked for (with
    the base URL's query) and the authorization it was sent (Basic, from the URL's user and
    password)."""

    def __init__(self) -> None:
        class Handler(QuietHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                said = (
                    f"denied: you asked {self.path}, you sent {self.headers.get('authorization')}"
                )
                send_json(self, 401, {"error": {"message": said}}, {})

        super().__init__(Handler)


def test_credentials_in_the_base_url_never_reach_the_store(tmp_path: Path) -> None:
    day = tmp_path / "day"
    day.mkdir()
    write_day(day, stories=2)
    store = tmp_path / "store.db"
    with FaultServer() as server:
        url = with_credentials(server.base_url)
        first = summarize([day], settings=settings(url), store=store)
        again = summarize([day], settings=settings(url), store=store)
        sent = len(server.requests)
    # The answers are still found: request_key hashes the URL as given, as it always did.
    assert (len(first.stories), sent, again.usage.cache_hits, again.usage.requests) == (2, 2, 2, 0)
    with EchoingServer() as echoing:
        echoed_url = with_credentials(echoing.base_url)
        refused = summarize([day], settings=settings(echoed_url), store=store)
    assert len(refused.failed_stories) == 2 and not refused.stories

    data = store_bytes(store)
    for secret in secrets_of_the_url():
        assert secret not in data, secret

    def shown(base_url: str) -> str:
        host = base_url.removeprefix("http://")
        return f"http://reader:[redacted]@{host}?api-key=[redacted]&api-version=2024-06-01"

    with Store(store) as opened:
        runs = opened.runs()
        recorded = [opened.run(r["id"]) for r in runs]
        exchanges = opened.exchanges(first.run_id or "")
        failed = opened.exchanges(refused.run_id or "")
        assert opened.pace(f"{url} house-model") is not None  # found by the URL as given
        endpoints = [r[0] for r in opened._db.execute("SELECT endpoint FROM endpoints")]
        keys = [r[0] for r in opened._db.execute("SELECT request_key FROM answers")]
    assert [r["settings"]["base_url"] for r in recorded if r is not None] == [
        shown(echoing.base_url), shown(server.base_url), shown(server.base_url),
    ]  # fmt: skip
    assert all("api_key" not in r["settings"] for r in recorded if r is not None)
    assert sorted(endpoints) == sorted(
        f"{shown(each.base_url)} house-model" for each in (server, echoing)
    )
    assert all(re.fullmatch(r"[0-9a-f]{64}", e["request_key"]) for e in exchanges)
    assert [e["request_key"] for e in exchanges] == [
        _store.request_key(url, e["request"]) for e in exchanges
    ]
    assert sorted(keys) == sorted(e["request_key"] for e in exchanges)
    assert [e["status"] for e in failed] == [401, 401]
    for exchange in failed:
        assert "api-key=[redacted]" in exchange["error"] and "Basic [redacted]" in exchange["error"]


def test_a_caller_passing_secrets_in_settings_gets_them_left_out(tmp_path: Path) -> None:
    url = with_credentials("http://127.0.0.1:9/v1")
    with Store(tmp_path / "store.db") as store:
        run_id = store.start_run(
            ["day"],
            {"api_key": KEY, "proxy_password": PASSWORD, "base_url": url, "max_run_tokens": 9},
            "geopolitics",
        )
        store.record_batch("batch_1", ["day"], {"api_key": KEY, "base_url": url}, "geopolitics")
        recorded = store.run(run_id)
    assert recorded is not None and set(recorded["settings"]) == {"base_url", "max_run_tokens"}
    for secret in secrets_of_the_url():
        assert secret not in store_bytes(tmp_path / "store.db")
    assert _store.without_credentials(url) == _store.without_credentials(
        _store.without_credentials(url)
    )
    assert _store.without_credentials("https://ghp_token1234@host/x?sig=abc&sv=1#token=t") == (
        "https://[redacted]@host/x?sig=[redacted]&sv=1#token=[redacted]"
    )


def test_a_batch_keeps_its_url_without_credentials_and_is_collected_with_them(
    tmp_path: Path,
) -> None:
    day = tmp_path / "day"
    day.mkdir()
    write_day(day, stories=4)
    store = tmp_path / "store.db"
    with BatchServer(polls=1) as server:
        url = with_credentials(server.base_url)
        env = {"OPENAI_BASE_URL": url, "OPENAI_API_KEY": KEY}
        submitted = run("brief", str(day), "--batch", "--no-wait", "--store", str(store), env=env)
        assert submitted.exit_code == 0, submitted.stderr
        batch_id = submitted.stdout.strip()
        collected = run(
            "batch", "collect", batch_id, "--store", str(store), "--batch-poll", "0.01",
            "--json", str(tmp_path / "b.json"), "-o", str(tmp_path / "b.md"), env=env,
        )  # fmt: skip
    assert collected.exit_code == 0, collected.stderr
    assert len(json.loads((tmp_path / "b.json").read_text())["stories"]) == 4
    with sqlite3.connect(store) as db:
        recorded = json.loads(db.execute("SELECT settings FROM batches").fetchone()[0])
    assert (
        recorded["base_url"] == _store.without_credentials(url)
        and "[redacted]" in recorded["base_url"]
    )
    for secret in secrets_of_the_url():
        assert secret not in store_bytes(store)


# --- runs whose process is gone ----------------------------------------------------------------------

OPEN_A_RUN = textwrap.dedent(
    """
    import os, signal, sys
    from summarizer import Store
    store = Store(sys.argv[1])
    run_id = store.start_run(["day"], {"model": "house-model"}, "geopolitics")
    print(run_id, flush=True)
    if sys.argv[2] == "die":
        os.kill(os.getpid(), signal.SIGKILL)
    if sys.stdin.readline().strip() == "finish":
        store.finish_run(run_id, status="ok")
    """
)


def open_a_run(
    store: Path, then: str, processes: contextlib.ExitStack
) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", OPEN_A_RUN, str(store), then],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=child_env(),
    )  # fmt: skip
    processes.enter_context(process)
    processes.callback(process.kill)  # a no-op for one that has ended
    assert process.stdout is not None
    return process, process.stdout.readline().strip()


def statuses(store: Path) -> dict[str, str]:
    with Store(store) as opened:
        return {r["id"]: r["status"] for r in opened.runs()}


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z"
    except OSError:
        return False


def test_a_killed_run_shows_stopped_while_two_live_runs_show_running(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    Store(store).close()
    with contextlib.ExitStack() as processes:  # each is waited for, its pipes closed
        first, first_id = open_a_run(store, "wait", processes)
        second, second_id = open_a_run(store, "wait", processes)
        killed, killed_id = open_a_run(store, "die", processes)
        deadline = time.monotonic() + 10
        while Path("/proc").is_dir() and not _zombie(killed.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        # Dead but not yet reaped by its parent (a zombie): gone all the same.
        assert statuses(store) == {first_id: "running", second_id: "running", killed_id: "stopped"}
        assert killed.wait(10) == -signal.SIGKILL
        listing = run("log", "--store", str(store))
        assert {tuple(line.split()[:2]) for line in listing.stdout.splitlines()[1:]} == {
            (first_id, "running"), (second_id, "running"), (killed_id, "stopped"),
        }  # fmt: skip
        first.communicate("finish\n", timeout=30)  # finishes its run, then exits
        second.communicate("\n", timeout=30)  # exits with its run unfinished
    assert statuses(store) == {first_id: "ok", second_id: "stopped", killed_id: "stopped"}


def test_a_pid_now_another_process_or_a_run_elsewhere_is_not_mistaken(tmp_path: Path) -> None:
    if not Path("/proc/self/stat").exists():
        pytest.skip("no /proc: only the pid can be looked at")
    store = tmp_path / "store.db"
    with Store(store) as opened:
        live = opened.start_run(["day"], {"model": "m"}, "geopolitics")  # this process: alive
        reused = opened.start_run(["day"], {"model": "m"}, "geopolitics")
        elsewhere = opened.start_run(["day"], {"model": "m"}, "geopolitics")
        rebooted = opened.start_run(["day"], {"model": "m"}, "geopolitics")
        process = opened._db.execute("SELECT process FROM runs WHERE id = ?", (live,)).fetchone()[0]
        boot, namespace, start = process.split(" ")
        changes = {
            reused: (os.getpid(), None, f"{boot} {namespace} {int(start) - 1}"),  # an earlier one
            elsewhere: (1, "another-host", None),
            rebooted: (os.getpid(), None, f"0000-previous-boot {namespace} {start}"),
        }
        for run_id, (pid, host, token) in changes.items():
            opened._db.execute(
                "UPDATE runs SET pid = ?, host = coalesce(?, host), process = ? WHERE id = ?",
                (pid, host, token, run_id),
            )
        shown = statuses(store)
    assert shown == {live: "running", reused: "stopped", elsewhere: "running", rebooted: "stopped"}


# --- the counts of a run that did not finish ------------------------------------------------------


def _answered(store: Path) -> int:
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
            sql = "SELECT count(*) FROM exchanges WHERE response IS NOT NULL"
            return int(db.execute(sql).fetchone()[0])
    except sqlite3.Error:
        return 0


def _expected_counts(exchanges: list[dict[str, Any]]) -> tuple[int, int, int, float]:
    paid = [e for e in exchanges if e["response"] is not None and not e["from_cache"]]
    prompt = sum(e["prompt_tokens"] for e in paid)
    completion = sum(e["completion_tokens"] for e in paid)
    input_price, output_price, _ = PRICES["house-model"]
    return len(paid), prompt, completion, (prompt * input_price + completion * output_price) / 1e6


def test_an_interrupted_run_counts_the_exchanges_it_paid_for(tmp_path: Path) -> None:
    day, store = tmp_path / "day", tmp_path / "store.db"
    day.mkdir()
    write_day(day, stories=8)
    command = [
        sys.executable, "-m", "summarizer", "brief", str(day), "--store", str(store),
        "--model", "house-model", "-o", str(tmp_path / "b.md"),
    ]  # fmt: skip
    with FaultServer(latency=0.4) as server:
        env = child_env(
            OPENAI_BASE_URL=server.base_url,
            SUMMARIZER_CONCURRENCY="2",
            SUMMARIZER_PRICES=json.dumps(PRICES),
        )
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        deadline = time.monotonic() + 60
        while _answered(store) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGINT)  # Ctrl-C
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    with Store(store) as opened:
        [interrupted] = opened.runs()
        exchanges = opened.exchanges(interrupted["id"])
    requests, prompt, completion, cost = _expected_counts(exchanges)
    assert interrupted["status"] == "interrupted" and 3 <= requests < 8
    assert (interrupted["requests"], interrupted["prompt_tokens"]) == (requests, prompt)
    assert interrupted["completion_tokens"] == completion and prompt > 0
    assert interrupted["cost_usd"] == pytest.approx(cost) and cost > 0
    listing = run("log", "--store", str(store))
    assert listing.stdout.splitlines()[1].split()[1:4] == ["interrupted", "0", str(requests)]
    assert f"${cost:.4f}" in listing.stdout


def test_a_finished_run_counts_what_its_briefing_says_which_its_exchanges_agree_with(
    tmp_path: Path,
) -> None:
    write_day(tmp_path, stories=3)
    store = tmp_path / "store.db"
    with FaultServer() as server:
        briefing = summarize([tmp_path], settings=settings(server.base_url), store=store)
    with Store(store) as opened:
        [finished] = opened.runs()
        recorded = opened.run(finished["id"])
        assert recorded is not None
        counted = opened._counted(finished["id"], "house-model", recorded["settings"])
    usage = briefing.usage
    assert (finished["requests"], finished["prompt_tokens"]) == (
        usage.requests,
        usage.prompt_tokens,
    )
    assert counted["requests"] == usage.requests == 3
    assert counted["prompt_tokens"] == usage.prompt_tokens
    assert counted["completion_tokens"] == usage.completion_tokens
    assert counted["cost_usd"] == pytest.approx(usage.cost_usd)


def test_a_store_from_before_pids_is_upgraded_and_its_runs_keep_their_status(
    tmp_path: Path,
) -> None:
    """A version-3 store (as the last release wrote it): opened, upgraded, its old running run
    left as recorded (nothing says which process ran it)."""
    path = tmp_path / "store.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        for column in ("pid", "host", "process"):
            db.execute(f"ALTER TABLE runs DROP COLUMN {column}")
        db.execute("DROP TABLE IF EXISTS models")  # added by a later version than 3
        db.execute("PRAGMA user_version = 3")
        db.execute("INSERT INTO runs (id, started, status) VALUES ('old', '2026-01-01', 'running')")
    db.close()  # the context manager commits, but leaves the file open with its WAL
    shutil.copy(path, tmp_path / "copy.db")
    assert statuses(path) == {"old": "running"}
    with Store(tmp_path / "copy.db", read_only=True) as opened:  # upgraded first, then read
        assert opened.runs()[0]["requests"] == 0 and not opened.writable
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == _store.SCHEMA_VERSION
