"""Nothing a terminal would obey reaches it: escape sequences, BEL, carriage returns, bidi
overrides and newlines from a server's error body, a model's headline, a file name or a feed title
are removed or shown escaped, never printed raw, whichever command prints them."""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from summarizer import Store
from summarizer.cli import cli

from .authored_server import AuthoredServer, Reply
from .loopback import AUTHORED_HEADER, LoopbackServer, QuietHandler, send_json

# Retitle the window, clear the screen, ring the bell, return to the line start, read backwards.
HOSTILE = "\x1b]0;owned\x07\x1b[2J\x07\r\u202e"
FAKE_LINE = "\n0 stories failed, 0 articles unread"
OBEYED = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
GOOD = "Harbour council approves new quay\n\nThe council approved a new quay on Tuesday.\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def printed(result: Result) -> str:
    return result.stdout + result.stderr


def test_a_servers_error_body_prints_one_clean_line(tmp_path: Path) -> None:
    class Refusing(QuietHandler):
        def do_POST(self: BaseHTTPRequestHandler) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            said = {"error": {"message": f"bad model{HOSTILE}{FAKE_LINE}"}}
            send_json(self, 400, said, {AUTHORED_HEADER: "tests/test_terminal.py"})

    (tmp_path / "a.txt").write_text(GOOD)
    with LoopbackServer(Refusing) as server:
        result = run("brief", str(tmp_path / "a.txt"), "--base-url", server.base_url, "--no-store")
    assert result.exit_code == 1
    assert OBEYED.search(printed(result)) is None
    progress, error = result.stderr.splitlines()
    assert progress.startswith("  [1/1] not briefed: Harbour council approves new quay: ")
    assert error.startswith("Error: no story could be briefed")
    for line in (progress, error):
        assert "rejected the request (HTTP 400): bad model 0 stories failed" in line


def test_a_models_headline_prints_clean_in_progress_and_markdown(tmp_path: Path) -> None:
    answer = {
        "headline": f"Council approves new quay{HOSTILE}{FAKE_LINE}",
        "bottom_line": f"The council approved a quay.{HOSTILE}",
        "parties": [], "actions": [], "demands": [], "positions": [], "timeline": [],
        "disagreements": [],
        "consequences": [
            {
                "description": f"A new quay{HOSTILE} will be built.",
                "domain": "economic", "according_to": "outlet", "status": "announced",
                "citations": [
                    {"article_id": "ID", "quote": "The council approved a new quay", "via": None}
                ],
            }
        ],
    }  # fmt: skip
    (tmp_path / "a.txt").write_text(GOOD)
    stories = run("stories", str(tmp_path), "--json")
    [story] = json.loads(stories.stdout)
    article_id = story["sources"][0]["article_id"]
    text = json.dumps(answer).replace('"ID"', json.dumps(article_id))
    with AuthoredServer() as server:
        server.script(Reply.tool_arguments(text, origin="tests/test_terminal.py"))
        result = run(
            "brief", str(tmp_path), "--base-url", server.base_url, "--no-store",
            "-o", str(tmp_path / "b.md"), "--json", str(tmp_path / "b.json"),
        )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    markdown = (tmp_path / "b.md").read_text()
    for shown in (printed(result), markdown, (tmp_path / "b.json").read_text()):
        assert OBEYED.search(shown) is None
        assert "\\u202e" not in shown and "owned" not in shown
    assert not any(line.startswith("0 stories failed") for line in result.stderr.splitlines())
    assert not any(line.startswith("0 stories failed") for line in markdown.splitlines())


@pytest.mark.parametrize("as_json", [False, True])
def test_file_names_and_feed_titles_in_stories_are_shown_escaped(
    tmp_path: Path, as_json: bool
) -> None:
    odd = tmp_path / "quay\x1b]0;owned\x07\n0 stories.txt"
    odd.write_text(GOOD)
    feed = [{"title": f"Ferry fares cut{HOSTILE}{FAKE_LINE}", "text": "Ferry fares were cut.",
             "outlet": f"Harbour{HOSTILE} Times"}]  # fmt: skip
    (tmp_path / "feed.json").write_text(json.dumps(feed))
    result = run("stories", str(tmp_path), *(["--json"] if as_json else []))
    assert result.exit_code == 0, result.stderr
    assert OBEYED.search(printed(result)) is None
    if as_json:
        sources = [a["path"] for s in json.loads(result.stdout) for a in s["sources"]]
        assert str(odd) in sources  # the JSON holds the real name, escaped as JSON escapes it
    else:
        assert "quay\\x1b]0;owned\\x07\\n0 stories.txt" in result.stdout
        assert "Ferry fares cut" in result.stdout
        assert not any(line.startswith("0 stories") for line in result.stdout.splitlines())


def test_summarizer_log_prints_what_a_server_sent_clean(tmp_path: Path) -> None:
    """What the store recorded verbatim — a server's error, a model's answer — is shown by `log`
    with nothing a terminal obeys, in its table, a run's lines, an exchange and its JSON."""
    path = tmp_path / "store.db"
    with Store(path) as store:
        run_id = store.start_run(["day/"], {"model": f"house{HOSTILE}"}, "geopolitics")
        store.record_exchange(
            run_id=run_id, story_id="s1", key="k1",
            request={"messages": [{"role": "user", "content": f"article{HOSTILE}"}]},
            response={"choices": [{"message": {"content": f"answer{HOSTILE}\x9b31m"}}]},
            status=200, error=None, latency=0.5, attempt=1, reask=0, from_cache=False,
        )  # fmt: skip
        store.record_exchange(
            run_id=run_id, story_id="s1", key="k2", request={}, response=None, status=502,
            error=f"bad gateway{HOSTILE}{FAKE_LINE}", latency=0.5, attempt=2, reask=1,
            from_cache=False,
        )  # fmt: skip
    shown = [
        run("log", "--store", str(path)),
        run("log", "--store", str(path), "--json"),
        run("log", run_id, "--store", str(path)),
        run("log", run_id, "--store", str(path), "--story", "s1"),
        run("log", run_id, "--store", str(path), "--json"),
    ]
    for result in shown:
        assert result.exit_code == 0, result.stderr
        assert OBEYED.search(printed(result)) is None
        assert not any(line.startswith("0 stories") for line in result.stdout.splitlines())
    assert "bad gateway" in shown[2].stdout
    assert "\\u202e" in shown[3].stdout  # the JSON keeps the character, escaped
