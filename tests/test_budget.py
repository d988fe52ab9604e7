"""Run budgets: the run stops calling before it would pass its token or cost limit, briefs what
it has, and says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from summarizer import ConfigurationError, summarize
from summarizer.cli import cli

from .fault_server import FaultServer
from .helpers import fault_settings, write_day


def test_token_limit_stops_calling_and_says_why(tmp_path: Path) -> None:
    write_day(tmp_path, stories=6)
    with FaultServer() as server:  # every answer is valid and reports 600 tokens
        unlimited = summarize([tmp_path], settings=fault_settings(server, max_output_tokens=256))
        first_request_bound = len(server.requests)  # 6 stories, 6 requests
        limit = 3 * 3_000  # room for about three requests of ~2,300 projected tokens each
        limited = summarize(
            [tmp_path], settings=fault_settings(server, max_output_tokens=256, max_run_tokens=limit)
        )
    assert first_request_bound == 6 and len(unlimited.stories) == 6
    assert 1 <= len(limited.stories) < 6
    assert len(limited.stories) + len(limited.failed_stories) == 6
    assert limited.usage.total_tokens <= limit
    assert len(server.requests) == 6 + limited.usage.requests  # refused calls were never sent
    for failed in limited.failed_stories:
        assert failed.reason.startswith(
            f"not sent: the run's token limit ({limit:,}) would be passed"
        )


def test_cost_is_counted_from_the_price_table_and_users_can_add_prices(tmp_path: Path) -> None:
    write_day(tmp_path, stories=2)
    with FaultServer() as server:
        priced = summarize(
            [tmp_path],
            settings=fault_settings(
                server, model="house-model", prices={"house-model": (1.0, 2.0)}
            ),
        )
        unpriced = summarize([tmp_path], settings=fault_settings(server, model="house-model"))
    assert priced.usage.requests == 2
    assert priced.usage.cost_usd == pytest.approx((2 * 500 * 1.0 + 2 * 100 * 2.0) / 1e6)
    assert unpriced.usage.cost_usd is None


def test_cost_limit_for_a_model_without_a_price_is_a_clear_error(tmp_path: Path) -> None:
    write_day(tmp_path, stories=1)
    with pytest.raises(
        ConfigurationError, match="a cost limit needs the price of model 'house-model'"
    ):
        summarize(
            [tmp_path], base_url="http://127.0.0.1:9/v1", model="house-model", max_run_cost=1.0
        )
    result = CliRunner().invoke(
        cli,
        ["brief", str(tmp_path), "--base-url", "http://127.0.0.1:9/v1", "--model", "house-model"],
        env={"SUMMARIZER_MAX_RUN_COST": "1"},
    )
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: a cost limit needs the price of model 'house-model'")


def test_cost_limit_stops_calling(tmp_path: Path) -> None:
    write_day(tmp_path, stories=4)
    with FaultServer() as server:
        briefing = summarize(
            [tmp_path],
            settings=fault_settings(
                server,
                model="house-model",
                prices={"house-model": (100.0, 100.0)},
                max_output_tokens=256,
                max_run_cost=0.38,
                concurrency=1,
            ),
        )
    assert (len(briefing.stories), len(briefing.failed_stories)) == (3, 1)
    assert briefing.usage.cost_usd is not None and briefing.usage.cost_usd <= 0.38
    assert briefing.failed_stories[0].reason.startswith("not sent: the run's cost limit ($0.38)")


def test_cached_prompt_tokens_are_priced_at_the_discounted_rate() -> None:
    from summarizer._schema import Usage
    from summarizer.extract._budget import Budget

    budget = Budget(Usage(), "gpt-4o-mini")
    # 1,000,000 prompt tokens of which 400,000 cached, 100,000 completion tokens:
    # 600k x $0.15 + 400k x $0.075 + 100k x $0.60 per million
    assert budget.cost(1_000_000, 100_000, 400_000) == pytest.approx(0.09 + 0.03 + 0.06)
    assert Budget(Usage(), "m", prices={"m": (1.0, 2.0)}).cost(1_000_000, 0, 500_000) == 1.0
