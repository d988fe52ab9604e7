"""The Batch API path, against a local server of `/v1/files` and `/v1/batches` that fails and
expires some lines, as the real one may."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarizer import BatchOptions, Settings, Store, summarize
from summarizer.cli import cli

from .batch_server import BatchServer
from .helpers import write_day


def _priced(base_url: str) -> Settings:
    """A house model at $1 and $2 a million tokens, so that costs can be checked."""
    return Settings(
        api_key="k", base_url=base_url, model="house-model", prices={"house-model": (1.0, 2.0)}
    )


def test_a_200_story_day_through_the_batch_path_failed_and_expired_lines_included(
    tmp_path: Path,
) -> None:
    write_day(tmp_path, stories=200)
    with BatchServer(fail_every=17, expire_every=23, polls=2) as server:
        settings = _priced(server.base_url)
        briefing = summarize(
            [tmp_path], settings=settings, batch=BatchOptions(poll_seconds=0.01),
            store=tmp_path / "s.db",
        )  # fmt: skip
        (batch,) = server.batches.values()
    failed, total = batch["request_counts"]["failed"], batch["request_counts"]["total"]
    # One line a story (a few generated articles group together: 200 files, fewer stories).
    assert total == len(briefing.stories) >= 190 and briefing.failed_stories == []
    assert failed == total // 17 + total // 23 - total // (17 * 23) > 10
    assert len(server.live_requests) == failed  # only the lines without an answer went live
    # Half price for what the batch answered: 600 tokens a request, $1 and $2 per million.
    live, batched = failed * (500 + 200) / 1e6, (total - failed) * (500 + 200) / 1e6 / 2
    assert briefing.usage.cost_usd == pytest.approx(live + batched)
    with Store(tmp_path / "s.db") as store:
        exchanges = store.exchanges(briefing.run_id or "")
    assert sum(1 for e in exchanges if e["batch_id"] == batch["id"]) == total - failed


def test_no_wait_prints_the_batch_id_and_collect_finishes_it_later(tmp_path: Path) -> None:
    day = tmp_path / "day"
    day.mkdir()
    write_day(day, stories=5)
    store = str(tmp_path / "store.db")
    with BatchServer(polls=1) as server:
        env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "k"}
        submitted = CliRunner().invoke(
            cli, ["brief", str(day), "--batch", "--no-wait", "--store", store], env=env
        )
        assert submitted.exit_code == 0, submitted.stderr
        batch_id = submitted.stdout.strip()
        assert batch_id == "batch_1" and "summarizer batch collect batch_1" in submitted.stderr
        collected = CliRunner().invoke(
            cli,
            ["batch", "collect", batch_id, "--store", store, "--batch-poll", "0.01",
             "--json", str(tmp_path / "b.json"), "-o", str(tmp_path / "b.md")],
            env=env,
        )  # fmt: skip
    assert collected.exit_code == 0, collected.stderr
    briefing = json.loads((tmp_path / "b.json").read_text())
    assert len(briefing["stories"]) == 5 and server.live_requests == []
    with Store(store) as opened:
        assert opened.batch(batch_id)["status"] == "collected"  # type: ignore[index]
        assert [r["status"] for r in opened.runs()] == ["ok", "batch submitted"]


@pytest.mark.parametrize("reasks", ["batch", "live"])
def test_reasks_go_as_a_second_smaller_batch_or_live(tmp_path: Path, reasks: str) -> None:
    write_day(tmp_path, stories=30)
    with BatchServer(misquote_every=4, fail_every=10, polls=1) as server:
        settings = _priced(server.base_url)
        options = BatchOptions(poll_seconds=0.01, reasks="batch" if reasks == "batch" else "live")
        briefing = summarize([tmp_path], settings=settings, batch=options, store=tmp_path / "s.db")
        batches = list(server.batches.values())
    first = batches[0]["request_counts"]
    stories = first["total"]
    misquoted = sum(1 for n in range(1, stories + 1) if n % 4 == 0 and n % 10 != 0)
    assert briefing.failed_stories == [] and len(briefing.stories) == stories
    assert briefing.usage.reasks == misquoted > 3
    if reasks == "batch":
        # One re-ask batch, holding exactly the misquoted stories; live: only the failed lines.
        assert [b["request_counts"]["total"] for b in batches] == [stories, misquoted]
        assert len(server.live_requests) == first["failed"]
    else:
        assert len(batches) == 1
        assert len(server.live_requests) == first["failed"] + misquoted
    with Store(tmp_path / "s.db") as store:
        exchanges = store.exchanges(briefing.run_id or "")
        reask_rows = [e for e in exchanges if e["reask"] == 1]
        assert len(reask_rows) == misquoted
        in_batch = {e["batch_id"] for e in reask_rows}
        assert in_batch == ({batches[1]["id"]} if reasks == "batch" else {None})
        if reasks == "batch":
            assert store.batch(batches[1]["id"])["status"] == "re-asks collected"  # type: ignore[index]
    if reasks == "batch":
        refused = CliRunner().invoke(
            cli, ["batch", "collect", batches[1]["id"], "--store", str(tmp_path / "s.db")]
        )
        assert refused.exit_code == 1
        assert "holds a run's re-asks: collect the run's first batch" in refused.stderr
    # Half price for every batched answer: 700 token-dollars a million per request.
    live = len(server.live_requests)
    batched = stories - first["failed"] + (misquoted if reasks == "batch" else 0)
    assert briefing.usage.cost_usd == pytest.approx((live + batched / 2) * 700 / 1e6)
