"""The public surface: `summarizer.__all__` sorted, complete, and the Python API working."""

from __future__ import annotations

import ast
import asyncio
import importlib
import pkgutil
import subprocess
import sys

import pytest

import summarizer
from summarizer import Settings, asummarize, load_articles, render_markdown, summarize

from .conftest import REPO, Endpoint, authored


def test_all_is_sorted_and_names_exist() -> None:
    assert summarizer.__all__ == sorted(summarizer.__all__)
    for name in summarizer.__all__:
        assert hasattr(summarizer, name), name


def test_every_public_name_is_imported_from_where_it_lives_when_asked_for() -> None:
    where = summarizer._WHERE  # type: ignore[attr-defined]
    assert sorted(where) == summarizer.__all__
    # What type checkers are shown (the TYPE_CHECKING imports) is what runs.
    tree = ast.parse((REPO / "summarizer" / "__init__.py").read_text(encoding="utf-8"))
    (checking,) = [node for node in tree.body if isinstance(node, ast.If)]
    shown = {
        alias.name: "." + (node.module or "")
        for node in checking.body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert shown == where
    for name, module in where.items():
        assert getattr(importlib.import_module(module, "summarizer"), name) is getattr(
            summarizer, name
        )


def test_the_command_line_starts_without_the_openai_client() -> None:
    # `summarizer --version`, `schema`, `stories` need no model client: it takes a second to
    # import (benchmarks/startup.py).
    code = (
        "import sys, summarizer.cli, summarizer.group, summarizer.read; "
        "print(sorted(m for m in ('openai', 'instructor', 'summarizer._pipeline') "
        "if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_every_private_module_declares_a_sorted_all_reexported_where_public() -> None:
    modules = [
        m.name.removeprefix("summarizer.")
        for m in pkgutil.walk_packages(summarizer.__path__, "summarizer.")
        if m.name.rsplit(".", 1)[-1].startswith("_")
        or m.name.count(".") == 1  # a stage's front door: summarizer.read, summarizer.verify…
    ]
    assert {"read._paths", "extract._client", "verify._verify", "render", "verify"} <= set(modules)
    for name in modules:
        if name == "__main__" or name.endswith(".__init__"):
            continue
        module = importlib.import_module(f"summarizer.{name}")
        exported = getattr(module, "__all__", None)
        assert exported is not None, f"summarizer.{name} has no __all__"
        assert exported == sorted(exported), f"summarizer.{name}.__all__ is not sorted"
        for item in exported:
            assert hasattr(module, item), f"summarizer.{name}.__all__ names missing {item}"


def test_what_a_user_calls_is_exported_and_schema_classes_stay_in_their_profile() -> None:
    for name in ("_errors", "_settings", "_pipeline"):
        module = importlib.import_module(f"summarizer.{name}")
        missing = set(module.__all__) - set(summarizer.__all__)
        assert not missing, f"summarizer.{name} exports {missing} but summarizer does not"
    # To write a profile: the evidence parts and the bases of a story and a briefing.
    assert {"Citation", "Cited", "Extraction", "StoryBase", "Briefing", "Profile"} <= set(
        summarizer.__all__
    )
    # The default profile's top-level models, for `DailyBriefing.model_validate_json(...)`; every
    # other schema class is the profile's (`summarizer.profiles.geopolitics`).
    assert {"DailyBriefing", "Story", "StoryExtraction"} <= set(summarizer.__all__)
    assert "Party" not in summarizer.__all__ and "Demand" not in summarizer.__all__
    for profile in ("geopolitics", "earnings"):
        module = importlib.import_module(f"summarizer.profiles.{profile}")
        assert module.__all__ == sorted(module.__all__, key=lambda n: (n != "PROFILE", n))
        assert all(hasattr(module, item) for item in module.__all__)


def test_package_is_typed() -> None:
    assert (REPO / "summarizer" / "py.typed").exists()


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(REPO / "cassettes")


@pytest.fixture
def default_cassette_name() -> str:
    return "seeds"


@pytest.mark.live_ok
@pytest.mark.vcr
def test_summarize_accepts_articles_and_the_async_twin_gives_the_same(
    llm: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    llm.script(authored("seeds.json"))
    articles = load_articles("seeds")
    assert len(articles) == 5
    via_async = asyncio.run(asummarize(articles, settings=llm.settings))
    assert len(via_async.stories) == 1
    assert "### Demands" in render_markdown(via_async)


def test_summarize_refuses_to_run_inside_an_event_loop() -> None:
    async def inside() -> None:
        summarize([], settings=Settings(base_url="http://localhost:1/v1"))

    with pytest.raises(RuntimeError, match="await asummarize"):
        asyncio.run(inside())
