"""A real server's exchange, as the proxy kept it, written as a cassette: vcrpy's own cassette
with the project's options (`summarizer._replay.vcr_options`: the readable YAML, the request
scrubber that keeps only content-type and accept and drops the loopback port, the response
scrubber that drops secrets and churn), so it replays with `summarizer brief --replay` and in
the offline suite like every other cassette.

Every model answer carries `x-summarizer-origin` (which model, which server and version, which
machine, which day), and the cassette's metadata says the same at more length: these answers are
a real model's output, not written by us.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import vcr
from vcr.cassette import Cassette
from vcr.request import Request

from summarizer._replay import ORIGIN_HEADER, configure_vcr, vcr_options

from .recording_proxy import Exchange

__all__ = ["write_cassette"]


def _is_model_answer(exchange: Exchange) -> bool:
    return exchange.method == "POST" and exchange.path.endswith("/chat/completions")


def _without_local_paths(body: bytes, local_paths: dict[str, str]) -> bytes:
    """`body` with each local path (the GGUF's, which the servers repeat as the model's name in
    every answer and chunk) replaced by its stand-in: no machine's folders in a cassette."""
    for path, shown in local_paths.items():
        for form in (path, path.replace("/", "\\/")):  # as JSON may escape a slash
            body = body.replace(form.encode(), shown.encode())
    return body


def _response(exchange: Exchange, origin: str, local_paths: dict[str, str]) -> dict[str, Any]:
    headers: dict[str, list[str]] = {}
    for name, value in exchange.response_headers:
        headers.setdefault(name, []).append(value)
    if _is_model_answer(exchange):
        headers[ORIGIN_HEADER] = [origin]
    return {
        "status": {"code": exchange.status, "message": exchange.reason},
        "headers": headers,
        "body": {"string": _without_local_paths(exchange.response_body, local_paths)},
    }


def write_cassette(
    path: Path,
    exchanges: list[Exchange],
    *,
    origin: str,
    metadata: dict[str, Any],
    local_paths: dict[str, str] | None = None,
) -> int:
    """Write the answered `exchanges` to the cassette at `path` (replacing it); return how many.
    `local_paths` maps paths on this machine that answers repeat to what the cassette shows.

    An answer the tool stopped reading (a loop: `stopped_a_loop`) is kept as far as it came,
    which a replay reads to the same place and stops at. A request the server never answered
    (the proxy could not reach it) has nothing to replay and is left out; the contract tests
    fail on it anyway.
    """
    recorder = vcr.VCR(**vcr_options())
    configure_vcr(recorder)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    config = recorder.get_merged_config(path=str(path), record_mode="all")
    for unused in ("path_transformer", "func_path_generator", "record_on_exception"):
        config.pop(unused, None)
    cassette = Cassette(**config)
    kept = 0
    for exchange in exchanges:
        partial = exchange.client_left_at is not None and exchange.status == 200
        if exchange.status is None or not (exchange.complete or partial):
            continue
        # The proxy saw the path alone; the URL is the loopback one the scrubber takes the port
        # off, as a cassette recorded in the offline suite has it.
        uri = f"http://127.0.0.1:1{exchange.path}"
        request = Request(
            exchange.method, uri, exchange.request_body or None, dict(exchange.request_headers)
        )
        cassette.append(request, _response(exchange, origin, local_paths or {}))
        kept += 1
    for key, value in metadata.items():
        cassette.get_metadata(key, value)
    cassette._save(force=True)
    return kept
