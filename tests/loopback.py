"""What the test servers share: a threaded HTTP server on a free loopback port, JSON replies
marked as authored, and a `with` block that starts and stops it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

AUTHORED_HEADER = "x-summarizer-authored"


class QuietHandler(BaseHTTPRequestHandler):
    # Keep-alive, as the real endpoints do: a client sends a run's requests over a few
    # connections, not one connection a request.
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed ACK

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the tests assert on what the server counted, not on its log


def send_json(
    handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any], headers: dict[str, str]
) -> None:
    """Reply with JSON; `headers` should carry AUTHORED_HEADER, naming where the reply came from."""
    data = json.dumps(body).encode()
    try:
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(data)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the client gave up (a timeout) and left


class LoopbackServer:
    """Serves `handler` on 127.0.0.1 at a free port while the `with` block runs."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
