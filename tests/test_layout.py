"""The package's layout: imports flow one way, from the pipeline down through its stages."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from .conftest import REPO

PACKAGE = REPO / "summarizer"


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The modules of the package that `name` imports at its top level or for type checking:
    what ties it to them whatever runs (imports inside a function are left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = [*tree.body, *(n for t in tree.body if isinstance(t, ast.If) for n in t.body)]
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            found |= {target} | {f"{target}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {module for module in found if module in modules and module != name}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph[node]):
            if (found := visit(target, [*path, node])) is not None:
                return found
        done.add(node)
        return None

    for node in sorted(graph):
        if (found := visit(node, [])) is not None:
            return found
    return None


def _stage(module: str) -> str:
    """A module's stage: its subpackage (`summarizer.extract`), or the module itself."""
    return ".".join(module.split(".")[:2])


def test_no_module_imports_itself_round_a_circle() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    assert _cycle(graph) is None


def test_no_stage_imports_itself_round_a_circle() -> None:
    modules = _modules()
    graph: dict[str, set[str]] = {_stage(name): set() for name in modules}
    for name, path in modules.items():
        graph[_stage(name)] |= {_stage(m) for m in _imports(name, path, modules)} - {_stage(name)}
    assert _cycle(graph) is None


def test_the_profiles_need_nothing_of_extract() -> None:
    # A profile of one's own is built from `summarizer.profiles`' public kit alone.
    modules = _modules()
    for name, path in modules.items():
        if name.startswith("summarizer.profiles"):
            assert not {
                m for m in _imports(name, path, modules) if _stage(m) == "summarizer.extract"
            }


def test_the_openai_clients_are_built_in_one_place() -> None:
    # The key (or a local server's placeholder), the endpoint and the timeout are read once.
    builders = {
        name
        for name, path in _modules().items()
        if re.search(r"\bopenai\.(Async)?OpenAI\(", path.read_text(encoding="utf-8"))
    }
    assert builders == {"summarizer._clients"}


def test_a_client_without_a_key_sends_the_placeholder_and_with_one_the_key() -> None:
    import httpx2

    from summarizer import Settings
    from summarizer._clients import NO_KEY, async_client, sync_client

    local = Settings(base_url="http://127.0.0.1:8080/v1", timeout=7.0)
    hosted = Settings(api_key="sk-test", base_url="https://api.example.com/v1")
    with httpx2.Client() as http:
        assert sync_client(local, http, max_retries=2).api_key == NO_KEY
        assert sync_client(hosted, http, max_retries=2).api_key == "sk-test"
        client = sync_client(local, http, max_retries=2)
        assert (str(client.base_url), client.timeout, client.max_retries) == (
            "http://127.0.0.1:8080/v1/",
            7.0,
            2,
        )
    assert async_client(hosted, httpx2.AsyncClient(), max_retries=0).max_retries == 0
