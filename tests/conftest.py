"""Offline by default: every model request is answered from `cassettes/`, with the network blocked.

Re-recording (see README): `pytest --record-mode=rewrite`. With OPENAI_API_KEY set, tests marked
`live_ok` record against the live endpoint; every other recording — and all of them without a
key — is answered by `tests/authored_server.py` from replies we wrote, marked as authored.
`--update-goldens` rewrites the golden files in `tests/golden/` from the current output.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from summarizer import Settings
from summarizer._replay import configure_vcr, vcr_options

from .authored_server import AuthoredServer, Reply

REPO = Path(__file__).resolve().parent.parent
AUTHORED = Path(__file__).resolve().parent / "authored"
GOLDEN = Path(__file__).resolve().parent / "golden"

# The unpacked language model (summarizer/_language.py) goes to a cache of the run's own, not the
# developer's; commands run in fresh processes share it.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="summarizer-test-cache-")

# Read once, before the autouse fixture below clears the environment for every test.
_LIVE_KEY = os.environ.get("OPENAI_API_KEY")
_LIVE_BASE_URL = os.environ.get("OPENAI_BASE_URL")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens", action="store_true", help="Rewrite tests/golden/ from current output."
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "live_ok: may be re-recorded against a live endpoint")


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    configure_vcr(vcr)


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return vcr_options()


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    # cassettes/<test module>/<test>.yaml; the seeds' exchange is cassettes/seeds.yaml.
    return str(REPO / "cassettes" / request.module.__name__.split(".")[-1])


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the developer's key, endpoint, model choice or store: the command line's
    default store is in the test's own data folder."""
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "SUMMARIZER_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in the repository: sources in a briefing are named as given, relative, so golden
    files and labels fit any clone."""
    monkeypatch.chdir(REPO)


@pytest.fixture(autouse=True)
def _every_recorded_interaction_played(
    request: pytest.FixtureRequest, record_mode: str
) -> Iterator[None]:
    """A cassette with answers the test never asked for is stale, and fails the test."""
    if request.node.get_closest_marker("vcr") is None or record_mode != "none":
        yield
        return
    cassette = request.getfixturevalue("vcr")
    yield
    assert cassette.all_played, (
        f"{cassette._path}: {len(cassette.data) - cassette.play_count} recorded interaction(s) "
        "were never requested; re-record it with --record-mode=rewrite"
    )


@dataclass
class Endpoint:
    """Where a test's model requests go, and the settings that point there."""

    settings: Settings
    server: AuthoredServer | None = None

    def script(self, *replies: Reply) -> None:
        """The authored replies, in order; used only when recording against our server."""
        if self.server is not None:
            self.server.script(*replies)


@pytest.fixture
def llm(request: pytest.FixtureRequest, record_mode: str) -> Iterator[Endpoint]:
    replaying = request.node.get_closest_marker("vcr") is None or record_mode == "none"
    if replaying:
        yield Endpoint(Settings(api_key="test-key", base_url="https://api.openai.com/v1"))
        return
    if _LIVE_KEY and request.node.get_closest_marker("live_ok"):
        yield Endpoint(Settings(api_key=_LIVE_KEY, base_url=_LIVE_BASE_URL))
        return
    with AuthoredServer() as server:
        # One story at a time while recording: concurrent requests would land in the cassette in
        # arrival order, and an unchanged test would re-record as a different file.
        # Requests are shaped as for OpenAI, as they are when replayed (see above).
        settings = Settings(
            api_key="test-key", base_url=server.base_url, backend="openai", concurrency=1
        )
        yield Endpoint(settings, server=server)
        assert server.unused_replies == 0, "the test scripted replies it never asked for"


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """Compare text with tests/golden/<name>; rewrite the file under --update-goldens."""
    update = request.config.getoption("--update-goldens")

    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        if update:
            path.write_text(actual, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"{path} does not exist; create it with --update-goldens")
        assert actual == path.read_text(encoding="utf-8"), f"{path} differs (--update-goldens)"

    return check


def authored(name: str, when: str | None = None) -> Reply:
    """The authored reply stored in tests/authored/<name>, for a request containing `when`."""
    text = (AUTHORED / name).read_text(encoding="utf-8")
    return Reply.tool_arguments(text, origin=f"tests/authored/{name}", when=when)
