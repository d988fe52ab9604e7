"""The store: nothing paid for twice, every exchange on record, a killed run resumes.

Runs go through the real client to the fault server (with no faults) on loopback; the store is a
real SQLite file in the test's folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from summarizer import ConfigurationError, Settings, Store, summarize
from summarizer.cli import cli

from .authored_server import AuthoredServer, Reply
from .conftest import REPO, authored
from .fault_server import FaultServer
from .helpers import write_day

KEY = "sk-store-test-0123456789abcdef"


def settings(server: FaultServer, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "api_key": KEY,
        "base_url": server.base_url,
        "model": "house-model",
        "prices": {"house-model": (1.0, 2.0, 0.5)},
        "max_retry_wait": 0.05,
    }
    return Settings.model_validate(values | overrides)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_an_unchanged_rerun_sends_nothing_and_one_new_article_one_request(tmp_path: Path) -> None:
    day, store = tmp_path / "day", tmp_path / "store.db"
    day.mkdir()
    write_day(day, stories=6)
    with FaultServer() as server:
        first = summarize([day], settings=settings(server), store=store)
        cold = len(server.requests)
        again = summarize([day], settings=settings(server), store=store)
        rerun = len(server.requests) - cold
        (day / "extra.txt").write_text(
            "Quarry reopens after flood\n\nThe Brannock quarry reopened on Monday after the spring "
            "flood, its owner Orla Vance said, and forty workers returned to the pits."
        )
        added = summarize([day], settings=settings(server), store=store)
        one_more = len(server.requests) - cold - rerun

    assert (cold, rerun, one_more) == (6, 0, 1)
    assert again.usage.cache_hits == 6 and again.usage.requests == 0
    assert again.usage.cost_usd is None or again.usage.cost_usd == 0
    strip = {"usage", "run_id"}
    assert [s.model_dump(exclude={"usage"}) for s in again.stories] == [
        s.model_dump(exclude={"usage"}) for s in first.stories
    ]
    assert again.model_dump(exclude=strip | {"stories"}) == first.model_dump(
        exclude=strip | {"stories"}
    )
    assert len(added.stories) == 7 and added.usage.cache_hits == 6


def test_cost_per_story_and_per_run_and_cached_hits_at_zero(tmp_path: Path) -> None:
    write_day(tmp_path, stories=2)
    with FaultServer() as server:
        first = summarize([tmp_path], settings=settings(server), store=tmp_path / "s.db")
        second = summarize([tmp_path], settings=settings(server), store=tmp_path / "s.db")
    costs = [s.usage.cost_usd for s in first.stories]
    assert all(c is not None and c > 0 for c in costs)
    assert first.usage.cost_usd == pytest.approx(sum(c for c in costs if c is not None))
    assert [s.usage.cost_usd for s in second.stories] == [0.0, 0.0]  # nothing was spent
    assert second.usage.cost_usd == 0.0
    assert [s.usage.cache_hits for s in second.stories] == [1, 1]


def test_refresh_sends_every_request_again(tmp_path: Path) -> None:
    write_day(tmp_path, stories=2)
    with FaultServer() as server:
        summarize([tmp_path], settings=settings(server), store=tmp_path / "s.db")
        summarize([tmp_path], settings=settings(server, refresh=True), store=tmp_path / "s.db")
    assert len(server.requests) == 4


def test_a_reasked_story_is_remembered_by_its_first_request(tmp_path: Path) -> None:
    jiji = REPO / "seeds" / "003_a369c571f9c43189.txt"
    with AuthoredServer() as server:
        server.script(
            Reply.tool_arguments('{"headline": "cut', origin="tests/test_store.py, truncated"),
            authored("jiji.json"),
        )
        store = tmp_path / "s.db"
        first = summarize([jiji], api_key=KEY, base_url=server.base_url, store=store)
        again = summarize([jiji], api_key=KEY, base_url=server.base_url, store=store)
    assert first.stories[0].reasks == 1 and len(server.requests) == 2  # nothing more was asked
    assert again.usage.cache_hits == 1 and again.stories[0].headline == first.stories[0].headline
    with Store(store) as opened:
        earlier = opened.runs(2)[1]["id"]
        exchanges = opened.exchanges(earlier)
    assert [(e["reask"], e["verified"]) for e in exchanges] == [(0, 0), (1, 1)]
    assert "validation error for StoryExtraction" in exchanges[0]["verification_errors"]


def test_the_record_holds_runs_and_exchanges_and_never_the_key(tmp_path: Path) -> None:
    write_day(tmp_path, stories=2)
    store_path = tmp_path / "store.db"
    with FaultServer(echo_key_in_errors=True, failure_rate=1.0, faults=["401"]) as server:
        summarize([tmp_path], settings=settings(server), store=store_path)  # the server echoes it
    with FaultServer() as server:
        briefing = summarize([tmp_path], settings=settings(server), store=store_path)
    assert os.stat(store_path).st_mode & 0o777 == 0o600
    files = [p for p in tmp_path.iterdir() if p.name.startswith("store.db")]
    for path in files:
        data = path.read_bytes()
        assert KEY.encode() not in data and b"Bearer" not in data, path
    with Store(store_path) as store:
        runs = store.runs()
        assert [r["status"] for r in runs] == ["ok", "failed"]
        latest = store.run(briefing.run_id or "")
        assert latest is not None and latest["briefing"]["run_id"] == briefing.run_id
        assert "api_key" not in latest["settings"] and latest["settings"]["model"] == "house-model"
        exchanges = store.exchanges(latest["id"])
        failed = store.exchanges(runs[1]["id"])
    assert len(exchanges) == 2 and all(e["status"] == 200 and e["verified"] == 1 for e in exchanges)
    assert exchanges[0]["request"]["model"] == "house-model" and exchanges[0]["latency"] >= 0
    assert exchanges[0]["prompt_tokens"] > 0 and exchanges[0]["attempt"] == 1
    assert [e["status"] for e in failed] == [401, 401]
    assert all("[redacted]" in e["error"] for e in failed)


def test_summarizer_log_lists_runs_and_shows_a_run_and_an_exchange(tmp_path: Path) -> None:
    (tmp_path / "day").mkdir()
    write_day(tmp_path / "day", stories=2)
    store = str(tmp_path / "store.db")
    with FaultServer() as server:
        result = run(
            "brief", str(tmp_path / "day"), "--base-url", server.base_url, "--model", "house-model",
            "--store", store, "-o", str(tmp_path / "b.md"), "--json", str(tmp_path / "b.json"),
        )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    briefing = json.loads((tmp_path / "b.json").read_text())
    run_id = briefing["run_id"]
    assert f"summarizer log {run_id}" in (tmp_path / "b.md").read_text()
    listing = run("log", "--store", store)
    assert listing.stdout.splitlines()[1].startswith(f"{run_id} ok              2        2")
    shown = run("log", run_id[:15], "--store", store)
    story = briefing["stories"][0]["id"]
    assert f"story {story}:" in shown.stdout and "HTTP 200" in shown.stdout
    exchange = run("log", run_id, "--story", story, "--store", store)
    assert '"model": "house-model"' in exchange.stdout and "--- answer" in exchange.stdout
    as_json = json.loads(run("log", run_id, "--store", store, "--json").stdout)
    assert as_json["run"]["exit_code"] == 0 and len(as_json["exchanges"]) == 2
    missing = run("log", "nope", "--store", store)
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: ")


def _answers(store: Path) -> int:
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT count(*) FROM answers").fetchone()[0])
    except sqlite3.Error:
        return 0


def test_a_run_killed_half_way_resumes_with_only_the_remaining_stories(tmp_path: Path) -> None:
    day, store = tmp_path / "day", tmp_path / "store.db"
    day.mkdir()
    write_day(day, stories=8)
    command = [
        sys.executable, "-m", "summarizer", "brief", str(day), "--store", str(store),
        "--model", "house-model", "-o", str(tmp_path / "b.md"),
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    with FaultServer(latency=0.4) as server:
        env |= {"OPENAI_BASE_URL": server.base_url, "SUMMARIZER_CONCURRENCY": "2"}
        process = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while _answers(store) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        done = _answers(store)
        sent_before = len(server.requests)
        resumed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert 4 <= done < 8
    assert resumed.returncode == 0, resumed.stderr
    assert len(server.requests) - sent_before == 8 - done
    assert f"{done} answered from the store" in resumed.stderr
    with Store(store) as opened:
        runs = opened.runs()
    assert [r["status"] for r in runs] == ["ok", "stopped"]  # the killed one: its process is gone
    assert runs[1]["requests"] >= done  # what it was answered before it died, from its exchanges


def test_a_store_that_is_not_ours_is_refused_and_left_alone(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not a database, but it is someone's file" * 100)
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE recipes (name TEXT)")
    for path in (corrupt, foreign):
        before = hashlib.sha256(path.read_bytes()).hexdigest()
        with pytest.raises(ConfigurationError) as error:
            Store(path)
        assert str(error.value).startswith(f"{path}: ")
        assert "move it aside" in str(error.value)
        result = run("brief", "seeds", "--base-url", "http://127.0.0.1:9/v1", "--store", str(path))
        assert result.exit_code == 1 and result.stderr.startswith(f"Error: {path}: ")
        assert len(result.stderr.splitlines()) == 1
        assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_store_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "store.db"
    Store(path).close()
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(ConfigurationError, match="written by a newer summarizer"):
        Store(path)


def test_a_store_that_cannot_be_written_lets_the_run_go_on_and_says_so_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_day(tmp_path, stories=3)
    store = Store(tmp_path / "store.db")
    pages = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own 'database or disk is full'
    with FaultServer() as server, caplog.at_level(logging.WARNING, logger="summarizer"):
        briefing = summarize([tmp_path], settings=settings(server), store=store)
    assert len(briefing.stories) == 3 and briefing.usage.requests == 3
    warnings = [r.getMessage() for r in caplog.records if "cannot write" in r.getMessage()]
    assert len(warnings) == 1 and "database or disk is full" in warnings[0]
    assert "going on without caching" in warnings[0] or "without caching" in warnings[0]


def test_two_runs_at_once_share_a_store(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        write_day(tmp_path / name, stories=3, seed=ord(name))
    results: dict[str, int] = {}
    with FaultServer(latency=0.02) as server:

        def one(name: str) -> None:
            briefing = summarize(
                [tmp_path / name], settings=settings(server), store=tmp_path / "s.db"
            )
            results[name] = len(briefing.stories)

        threads = [threading.Thread(target=one, args=(n,)) for n in "ab"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert results == {"a": 3, "b": 3}
    with Store(tmp_path / "s.db") as store:
        assert len(store.runs()) == 2
        assert store._db.execute("SELECT count(*) FROM answers").fetchone()[0] == 6


def test_a_replay_neither_reads_nor_writes_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parent.parent)
    store = tmp_path / "store.db"
    result = run("brief", "seeds", "--replay", "cassettes/seeds.yaml", "--store", str(store))
    assert result.exit_code == 0 and not store.exists()
