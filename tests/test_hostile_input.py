"""Hostile input, generated here: each bad file gets a one-line reason, no traceback, and the
good files are read all the same."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from summarizer import InputError, load_articles
from summarizer.cli import cli
from summarizer.extract._merge import split_to_fit

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10"
GOOD = "Harbour council approves new quay\n\nThe council approved a new quay on Tuesday."


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    day = tmp_path / "day"
    day.mkdir()
    (day / "good.txt").write_text(GOOD)
    (day / "empty.txt").write_bytes(b"")
    (day / "blank.md").write_text(" \n\t \n")
    (day / "image.txt").write_bytes(PNG)
    (day / "nul.txt").write_bytes(b"Some text\x00with a NUL byte in it, and more text after it.")
    (day / "noise.txt").write_bytes(bytes(b for b in random.Random(1).randbytes(4000) if b))
    (day / "huge.txt").write_text("word " * 600)  # 3,000 bytes, over the 2,000-byte limit below
    (day / "loop-a.txt").symlink_to(day / "loop-b.txt")
    (day / "loop-b.txt").symlink_to(day / "loop-a.txt")
    (day / "locked.txt").write_text(GOOD)
    (day / "one-line.txt").write_text("Headline\n\n" + "word " * 200_000)  # 1 MB, no newline
    monkeypatch.setenv("SUMMARIZER_MAX_FILE_BYTES", "1100000")

    # Root reads any file whatever its mode, so an unreadable file is one whose read fails.
    read_bytes = Path.read_bytes

    def locked(self: Path) -> bytes:
        if self.name == "locked.txt":
            raise PermissionError(13, os.strerror(13), str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", locked)
    return day


def test_each_bad_file_has_a_one_line_reason(corpus: Path) -> None:
    (corpus / "huge.txt").write_text("word " * 300_000)  # 1.5 MB, over the 1.1 MB limit
    result = CliRunner().invoke(cli, ["stories", str(corpus)])
    assert result.exit_code == 3
    assert "Traceback" not in result.stderr
    reasons = dict(
        line.removeprefix("skipped ").split(": ", 1) for line in result.stderr.splitlines()
    )
    assert reasons == {
        str(corpus / "blank.md"): "empty file",
        str(corpus / "empty.txt"): "empty file",
        str(
            corpus / "huge.txt"
        ): "larger than the 1,100,000-byte limit (SUMMARIZER_MAX_FILE_BYTES): 1,500,000 bytes",
        str(corpus / "image.txt"): "binary data (NUL bytes), not an article",
        str(corpus / "locked.txt"): "Permission denied",
        str(corpus / "loop-a.txt"): "symbolic link loop",
        str(corpus / "loop-b.txt"): "symbolic link loop",
        str(corpus / "noise.txt"): "binary data or an unknown text encoding",
        str(corpus / "nul.txt"): "binary data (NUL bytes), not an article",
    }
    assert "2 stories from 2 articles" in result.stdout  # good.txt and the one-line megabyte


def test_missing_path_and_folder_with_nothing_readable(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["stories", str(tmp_path / "nope")])
    assert (result.exit_code, result.stderr) == (
        1,
        f"Error: {tmp_path / 'nope'}: no such file or directory\n",
    )
    (tmp_path / "photo.png").write_bytes(PNG)
    result = CliRunner().invoke(cli, ["stories", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: {tmp_path}: no articles in this folder (.txt .md .html .json .jsonl)\n"
    )


def test_a_symlink_loop_named_directly(tmp_path: Path) -> None:
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")
    with pytest.raises(InputError, match=r"a\.txt: symbolic link loop"):
        load_articles(tmp_path / "a.txt")


def test_the_size_limit_is_checked_before_reading(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    read: list[str] = []
    original = Path.read_bytes

    def spy(self: Path) -> bytes:
        read.append(self.name)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    monkeypatch.setenv("SUMMARIZER_MAX_FILE_BYTES", "2000")
    result = CliRunner().invoke(cli, ["stories", str(corpus)])
    assert "huge.txt: larger than the 2,000-byte limit" in result.stderr
    assert "huge.txt" not in read and "one-line.txt" not in read


def test_a_megabyte_on_one_line_is_cut_between_words_to_fit(corpus: Path) -> None:
    (article,) = load_articles(corpus / "one-line.txt")
    assert len(article.body) > 990_000

    def measure(articles: list[object]) -> int:
        return sum(len(a.body) for a in articles) // 4  # type: ignore[attr-defined]

    parts = split_to_fit([article], measure, 20_000)
    assert all(measure(part) <= 20_000 for part in parts)
    assert " ".join(p[0].body for p in parts).split() == article.body.split()
