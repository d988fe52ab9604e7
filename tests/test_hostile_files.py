"""Hostile files beside good ones: each costs only itself (in JSON Lines, only its own lines),
gets one line naming it and saying why, and what is read is clean of what a terminal obeys."""

from __future__ import annotations

import gzip
import io
import json
import os
import random
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from summarizer import InputError, SummarizerError, load_articles, quote_in_text
from summarizer.cli import cli
from summarizer.read import read_articles

GOOD = "Harbour council approves new quay\n\nThe council approved a new quay on Tuesday."
STRIKE = {"title": "Port strike ends", "text": "Dock workers returned to work on Thursday."}
MAYOR = {"title": "Mayor resigns", "text": "The mayor resigned on Friday after a vote."}
DEEP = "[" * 1_000_000 + "]" * 1_000_000
HUGE_NUMBER = "9" * 100_001
TOO_DEEP = "JSON nested too deeply to read (lists or objects inside each other)"


def _unlistable(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """Root lists any folder whatever its mode, so an unreadable one is one whose listing fails:
    the operating system's call refuses it, as it would refuse another user."""
    scandir = os.scandir

    def refusing(path: Any = ".") -> Any:
        if os.fspath(path) == str(folder):
            raise PermissionError(13, os.strerror(13), os.fspath(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)


@pytest.fixture
def day(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    day = tmp_path / "day"
    day.mkdir()
    (day / "good.txt").write_text(GOOD)
    (day / "deep.json").write_text(DEEP)
    (day / "number.json").write_text(
        f'[{{"title": "Quay opens", "text": "The quay opened.", "published": {HUGE_NUMBER}}}]'
    )
    lines = [json.dumps(STRIKE).encode(), b'{"title": "Bad\x00line", "text": "x"}']
    lines.append(json.dumps(MAYOR).encode())
    (day / "export.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    (day / "locked").mkdir()
    (day / "locked" / "inside.txt").write_text(GOOD.replace("quay", "bridge"))
    _unlistable(monkeypatch, day / "locked")
    return day


def _skipped(stderr: str) -> dict[str, str]:
    return dict(
        line.removeprefix("skipped ").split(": ", 1)
        for line in stderr.splitlines()
        if line.startswith("skipped ")
    )


def test_stories_briefs_the_good_files_and_lines_and_lists_each_bad_one(day: Path) -> None:
    result = CliRunner().invoke(cli, ["stories", str(day)])
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.stderr
    assert _skipped(result.stderr) == {
        str(day / "deep.json"): TOO_DEEP,
        f"{day / 'export.jsonl'}:2": "binary data (NUL bytes) in this line",
        str(day / "locked"): "folder not read: Permission denied",
        f"{day / 'number.json'}#1": "published is a number of 100,001 digits",
    }
    assert "3 stories from 3 articles" in result.stdout
    for source in (day / "good.txt", f"{day / 'export.jsonl'}:1", f"{day / 'export.jsonl'}:3"):
        assert str(source) in result.stdout


def test_load_articles_raises_an_input_error_naming_the_bad_file(day: Path) -> None:
    with pytest.raises(InputError) as raised:
        load_articles(day)
    assert (raised.value.source, raised.value.reason) == (
        str(day / "locked"),
        "folder not read: Permission denied",
    )
    for name, reason in [
        ("deep.json", TOO_DEEP),
        ("number.json", "published is a number of 100,001 digits"),
        ("export.jsonl", "binary data (NUL bytes) in this line"),
    ]:
        with pytest.raises(SummarizerError, match=re.escape(reason)) as bad:
            load_articles(day / name)
        assert bad.value.args[0].startswith(str(day / name))


def test_the_same_in_worker_processes(day: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import summarizer.read._paths as reading

    sequential = reading.read_articles([day])
    monkeypatch.setattr(reading, "PARALLEL_FROM", 1)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    parallel = reading.read_articles([day])
    assert [a.source for a in parallel[0]] == [a.source for a in sequential[0]]
    assert len(parallel[0]) == 3
    assert [(f.source, f.reason, type(f)) for f in parallel[1]] == [
        (f.source, f.reason, type(f)) for f in sequential[1]
    ]
    assert len(parallel[1]) == 4


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (DEEP, TOO_DEEP),
        ("[" * 5_000 + "]" * 5_000, TOO_DEEP),
        ('{"text": "The quay opened.", "published": ' + HUGE_NUMBER + "}", "published is a number"),
        ('{"text": ' + HUGE_NUMBER + "}", "text is a number of 100,001 digits"),
        ('{"text": "The quay opened.", "title": -' + HUGE_NUMBER + "}", "title is a number"),
        (HUGE_NUMBER, "item is a int, not an object"),
        ('{"text": "The quay opened.", "source": {"name": ' + HUGE_NUMBER + "}}", "name is a"),
    ],
    ids=["deep", "5000-deep", "published", "text", "title", "bare", "nested-name"],
)
def test_a_hostile_json_line_costs_only_itself(tmp_path: Path, line: str, reason: str) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text("\n".join([json.dumps(STRIKE), line, json.dumps(MAYOR)]) + "\n")
    articles, failures = read_articles([feed])
    assert [a.headline for a in articles] == ["Port strike ends", "Mayor resigns"]
    assert [f.source for f in failures] == [f"{feed}:2"]
    assert failures[0].reason.startswith(reason)


def test_a_number_nobody_reads_costs_nothing(tmp_path: Path) -> None:
    feed = tmp_path / "feed.json"
    item = '{"title": "Quay opens", "text": "The quay opened.", "views": ' + HUGE_NUMBER + "}"
    feed.write_text(f"[{item}, {json.dumps(MAYOR)}]")
    assert [a.headline for a in load_articles(feed)] == ["Quay opens", "Mayor resigns"]


def test_a_deep_structure_the_parser_takes_is_not_a_name(tmp_path: Path) -> None:
    deep_title = "[" * 900 + "]" * 900  # below the recursion limit: parsed, then ignored
    feed = tmp_path / "feed.json"
    feed.write_text(f'[{{"title": {deep_title}, "text": "The quay opened on Monday."}}]')
    (article,) = load_articles(feed)
    assert (article.headline, article.headline_from_lead) == ("The quay opened on Monday", True)


def test_a_jsonl_of_mostly_binary_lines_is_refused_whole(tmp_path: Path) -> None:
    feed = tmp_path / "image.jsonl"
    feed.write_bytes(random.Random(3).randbytes(20_000))  # 74 lines, 38 with a NUL
    articles, failures = read_articles([feed])
    assert articles == []
    assert [(f.source, f.reason) for f in failures] == [
        (str(feed), "binary data (NUL bytes), not an article")
    ]


def test_gzipped_jsonl_with_a_nul_line(tmp_path: Path) -> None:
    feed = tmp_path / "export.jsonl.gz"
    lines = [json.dumps(STRIKE).encode(), b"\x00\x00", json.dumps(MAYOR).encode()]
    feed.write_bytes(gzip.compress(b"\n".join(lines)))
    articles, failures = read_articles([feed])
    assert [a.source for a in articles] == [f"{feed}:1", f"{feed}:3"]
    assert [(f.source, f.reason) for f in failures] == [
        (f"{feed}:2", "binary data (NUL bytes) in this line")
    ]


def test_a_line_separator_inside_a_json_string_does_not_split_the_line(tmp_path: Path) -> None:
    item = {"title": "Port strike ends", "text": "Dock workers returned.\u2028The union agreed."}
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps(item, ensure_ascii=False) + "\n" + json.dumps(MAYOR) + "\n")
    articles, failures = read_articles([feed])
    assert failures == []
    assert [a.source for a in articles] == [f"{feed}:1", f"{feed}:2"]
    assert articles[0].body == "Dock workers returned.\n\nThe union agreed."


# --- folders that cannot be listed ---------------------------------------------------------------


def _nested_past_path_max(top: Path) -> Path:
    """Folders inside each other until their path is longer than the system takes (PATH_MAX,
    4,096 bytes on Linux): listing the deepest by its path fails for real, even for root."""
    name = "n" * 250
    descriptor = os.open(top, os.O_RDONLY)
    depth = 0
    try:
        while len(str(top)) + depth * (len(name) + 1) <= 4_200:
            os.mkdir(name, dir_fd=descriptor)
            inner = os.open(name, os.O_RDONLY, dir_fd=descriptor)
            os.close(descriptor)
            descriptor = inner
            depth += 1
        with open(os.open("lost.txt", os.O_WRONLY | os.O_CREAT, dir_fd=descriptor), "w") as file:
            file.write(GOOD)
    finally:
        os.close(descriptor)
    return top.joinpath(*[name] * depth)


def test_a_folder_the_system_cannot_list_is_reported_not_skipped(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text(GOOD)
    (tmp_path / "nest").mkdir()
    deepest = _nested_past_path_max(tmp_path / "nest")
    articles, failures = read_articles([tmp_path])
    assert [a.source for a in articles] == [str(tmp_path / "good.txt")]
    assert [f.reason for f in failures] == ["folder not read: File name too long"]
    # The first folder on the way down whose path is past the limit; lost.txt lies below it.
    assert str(deepest).startswith(failures[0].source)
    assert len(os.fsencode(failures[0].source)) >= 4_096


def test_an_unlistable_folder_named_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.txt").write_text(GOOD)
    _unlistable(monkeypatch, tmp_path)
    result = CliRunner().invoke(cli, ["stories", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"skipped {tmp_path}: folder not read: Permission denied",
        f"Error: no readable article in {tmp_path}",
    ]


def test_a_path_the_system_refuses_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="File name too long"):
        load_articles(tmp_path / ("x" * 300) / "a.txt")


# --- what a terminal obeys, out of every field ----------------------------------------------------

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\x1b[31m"  # retitle the window, clear the screen, go red
BIDI = "\u202e"  # right-to-left override: "txt.exe" shown as "exe.txt"


def _clean(value: str | None) -> None:
    assert value is not None
    for character in ("\x1b", "\x07", "\x9b", "\u202e", "\r"):
        assert character not in value, (character, value)


@pytest.fixture
def hostile_item() -> dict[str, Any]:
    return {
        "title": f"Port{HOSTILE} strike\nends{BIDI}",
        "text": f"Dock workers returned{HOSTILE} to work on Thursday.\x07 The{BIDI} port reopened.",
        "outlet": {"name": "Harbour\x1b[1m Gazette\x9b2J"},
        "url": "https://gazette.example/strike\x1b]8;;https://evil.example\x07",
    }


def test_a_feed_item_comes_out_clean(tmp_path: Path, hostile_item: dict[str, Any]) -> None:
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps(hostile_item) + "\n")
    (article,) = load_articles(feed)
    assert article.headline == "Port strike ends"
    assert article.body == "Dock workers returned to work on Thursday. The port reopened."
    assert article.outlet == "Harbour Gazette"
    assert article.url == "https://gazette.example/strike"
    assert article.source == f"{feed}:1"
    # The model quotes the words it sees; they are found in the cleaned text.
    assert quote_in_text("Dock workers returned to work on Thursday", article.body)
    assert quote_in_text("The port reopened", article.body)


def test_a_feed_title_of_escape_sequences_alone_is_no_title(tmp_path: Path) -> None:
    feed = tmp_path / "feed.json"
    feed.write_text(json.dumps([{"title": HOSTILE, "text": "The quay opened on Monday."}]))
    (article,) = load_articles(feed)
    assert (article.headline, article.headline_from_lead) == ("The quay opened on Monday", True)


@pytest.mark.parametrize("name", ["a.txt", "a.md", "a.html", "-"])
def test_every_format_comes_out_clean(
    tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    head, body = f"Port strike{HOSTILE} ends{BIDI}", "Dock workers\x1b[2K returned to work."
    if name == "-":
        data = f"{head}\n\n{body}\n".encode()
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        path = "-"
    else:
        path = str(tmp_path / name)
        if name.endswith(".html"):
            page = (
                f"<html><head><title>{head}</title></head><body><article><h1>{head}</h1>"
                f"<p>{body} The port authority said ships were moving again by noon.</p>"
                "</article></body></html>"
            )
            Path(path).write_text(page)
        else:
            Path(path).write_text(
                f"# {head}\n\n{body}\n" if name.endswith(".md") else head + "\n\n" + body
            )
    (article,) = load_articles(path)
    assert article.headline == "Port strike ends"
    assert article.body.startswith("Dock workers returned to work.")
    _clean(article.body)
    _clean(article.headline)


def test_a_file_name_with_escape_sequences_keeps_its_path_and_cleans_its_outlet(
    tmp_path: Path,
) -> None:
    path = tmp_path / "Port strike - Harbour\x1b[2J Gazette.txt"
    path.write_text("Dock workers returned to work on Thursday after a deal.")
    (article,) = load_articles(path)
    assert article.source == str(path)  # the real name, to open it again
    assert article.outlet == "Harbour Gazette"
