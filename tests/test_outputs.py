"""Where the briefing goes: files replaced whole or not at all, devices and pipes written
through and left as they were, and no output silently lost to another.

Each run is a real `summarizer` process replaying the seeds' cassette, writing real files,
devices, FIFOs and links."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

import pytest

from .conftest import REPO

SEEDS = ["brief", "seeds/", "--replay", "cassettes/seeds.yaml"]


# Each run gets a /dev of its own (a tmpfs in a private mount namespace, gone with the process):
# a regression that renamed over /dev/null would break that copy, not the machine.
PRIVATE_DEV = (
    "mount -t tmpfs -o mode=755 tmpfs /dev"
    " && mknod -m 666 /dev/null c 1 3 && mknod -m 666 /dev/full c 1 7"
    " && mknod -m 666 /dev/zero c 1 5 && mknod -m 666 /dev/urandom c 1 9"
    " && ln -s /proc/self/fd /dev/fd && ln -s /proc/self/fd/0 /dev/stdin"
    " && ln -s /proc/self/fd/1 /dev/stdout && ln -s /proc/self/fd/2 /dev/stderr"
)


def summarizer(
    *args: str | Path,
    stdout: int | IO[Any] = subprocess.PIPE,
    setup: str = "true",
    after: str = "",
) -> subprocess.CompletedProcess[str]:
    """`summarizer ARGS` with a private /dev; `setup` runs before it, `after` after it (their
    output is the process's), and the exit code is the summarizer's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "SUMMARIZER_"))}
    script = (
        f'{PRIVATE_DEV} && {setup} && {{ "$0" -m summarizer "$@"; code=$?; {after} exit $code; }}'
    )
    return subprocess.run(
        ["unshare", "--mount", "sh", "-c", script, sys.executable, *map(str, args)],
        stdout=stdout, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env, timeout=120,
    )  # fmt: skip


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The seeds' briefing as plain files: what each output below must hold."""
    folder = tmp_path_factory.mktemp("expected")
    done = summarizer(*SEEDS, "-o", folder / "b.md", "--json", folder / "b.json")
    assert done.returncode == 0, done.stderr
    return {"md": (folder / "b.md").read_text(), "json": (folder / "b.json").read_text()}


def test_dev_null_stays_a_device_while_the_json_is_written(
    tmp_path: Path, expected: dict[str, str]
) -> None:
    done = summarizer(
        *SEEDS, "-o", "/dev/null", "--json", tmp_path / "b.json", after="stat -c %F /dev/null;"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "character special file\n"
    assert (tmp_path / "b.json").read_text() == expected["json"]


def test_dev_stdout_and_dev_stderr_are_written_through(expected: dict[str, str]) -> None:
    done = summarizer(*SEEDS, "-o", "/dev/stdout", "--json", "/dev/stderr")
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected["md"]
    progress, json_text, summary = done.stderr.partition(expected["json"])
    assert json_text == expected["json"]
    assert progress.startswith("  [1/1] briefed: ")
    assert summary.startswith("1 story briefed, 0 failed")


def test_dev_stdout_appends_to_what_the_shell_opened(
    tmp_path: Path, expected: dict[str, str]
) -> None:
    log = tmp_path / "log.md"
    log.write_text("earlier entry\n")
    with log.open("a") as appended:  # the shell's `>> log.md`
        done = summarizer(*SEEDS, "-o", "/dev/stdout", stdout=appended)
    assert done.returncode == 0, done.stderr
    assert log.read_text() == "earlier entry\n" + expected["md"]


def test_a_fifo_is_written_through_and_stays_a_fifo(
    tmp_path: Path, expected: dict[str, str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[str] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()), daemon=True)
    reader.start()
    done = summarizer(*SEEDS, "-o", fifo)
    reader.join(timeout=30)
    assert done.returncode == 0, done.stderr
    assert received == [expected["md"]]
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symbolic_link_is_followed_and_kept(tmp_path: Path, expected: dict[str, str]) -> None:
    real = tmp_path / "archive" / "2025-11-18.md"
    real.parent.mkdir()
    real.write_text("yesterday\n")
    real.chmod(0o640)
    link = tmp_path / "latest.md"
    link.symlink_to(real)
    done = summarizer(*SEEDS, "-o", link)
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and link.resolve() == real
    assert real.read_text() == expected["md"]
    assert stat.S_IMODE(real.stat().st_mode) == 0o640
    assert [p.name for p in real.parent.iterdir()] == [real.name]  # no temporary file left


def test_a_link_to_standard_output_stays_a_link(tmp_path: Path, expected: dict[str, str]) -> None:
    link = tmp_path / "out.md"
    link.symlink_to("/proc/self/fd/1")
    done = summarizer(*SEEDS, "-o", link)
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected["md"]
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"


def test_dash_is_standard_output_not_a_file_named_dash(
    tmp_path: Path, expected: dict[str, str]
) -> None:
    assert not (REPO / "-").exists()
    done = summarizer(*SEEDS, "-o", "-", "--json", tmp_path / "b.json")
    assert done.returncode == 0, done.stderr
    assert done.stdout == expected["md"]
    assert (tmp_path / "b.json").read_text() == expected["json"]
    assert not (REPO / "-").exists()


@pytest.mark.parametrize("alias", ["same", "link", "dash"])
def test_two_outputs_in_one_place_are_refused_before_the_run(tmp_path: Path, alias: str) -> None:
    target = tmp_path / "b.md"
    other: str | Path = target
    if alias == "link":
        other = tmp_path / "alias.md"
        other.symlink_to(target)
    if alias == "dash":
        target = other = Path("-")
    done = summarizer(*SEEDS, "-o", target, "--json", other)
    assert done.returncode == 2
    assert "-o and --json both name" in done.stderr
    assert "briefed" not in done.stderr
    assert not (tmp_path / "b.md").exists()


def test_dev_full_fails_the_run_and_replaces_no_file(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text("yesterday's JSON\n")
    done = summarizer(
        *SEEDS, "-o", "/dev/full", "--json", tmp_path / "b.json", after="stat -c %F /dev/full;"
    )
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "Error: /dev/full: cannot write (No space left on device); no output file was replaced"
    )
    assert done.stdout == "character special file\n"
    assert (tmp_path / "b.json").read_text() == "yesterday's JSON\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json"]


def test_when_one_output_does_not_fit_neither_is_replaced(
    tmp_path: Path, expected: dict[str, str]
) -> None:
    """A real full disk: a tmpfs with room for yesterday's two files, today's JSON and half of
    today's Markdown."""
    page = 4096
    pages = [-(-len(expected[kind].encode()) // page) for kind in ("json", "md")]
    assert pages[1] >= 2, "the Markdown must be larger than a page for half of it to fit"
    disk = tmp_path / "disk"
    disk.mkdir()
    done = summarizer(
        *SEEDS, "-o", disk / "b.md", "--json", disk / "b.json",
        setup=f"mount -t tmpfs -o size={page * (2 + pages[0] + pages[1] // 2)} tmpfs {disk}"
        f" && printf 'yesterday md\\n' > {disk}/b.md && printf 'yesterday json\\n' > {disk}/b.json",
        after=f"cat {disk}/b.md {disk}/b.json; ls -A {disk};",
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"Error: {disk}/b.md: cannot write (No space left on device); no output file was replaced"
    )
    assert done.stdout == "yesterday md\nyesterday json\nb.json\nb.md\n"
