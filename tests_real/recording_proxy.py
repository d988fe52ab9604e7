"""A transparent HTTP proxy on loopback between the tool and a real server, that keeps what
passed through it: every request, its answer as the server sent it, and when each byte came.

The tool runs as a user runs it (`summarizer brief`, its own process, its own openai client),
pointed at the proxy; the proxy forwards each request to the server and relays the answer as it
comes, a streamed answer chunk by chunk, so nothing the tool sees changes. What it keeps is what
the contract tests assert on (the status of every request, the server's time on each, whether
the tool gave up on a request the server was still answering) and what the cassette of the real
model's exchange is made from.

When the tool closes its connection before the answer is complete, the proxy closes its own to
the server as well: the server sees what it would have seen without the proxy.
"""

from __future__ import annotations

import contextlib
import http.client
import math
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import urlsplit

__all__ = ["Exchange", "RecordingProxy"]

# Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection; the proxy sets its own.
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
_READ_SIZE = 65536


@dataclass
class Exchange:
    """One request through the proxy and what came back, timed on the monotonic clock."""

    method: str
    path: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    sent_at: float
    status: int | None = None
    reason: str = ""
    response_headers: list[tuple[str, str]] = field(default_factory=list)
    response_body: bytes = b""
    first_byte_at: float | None = None
    last_byte_at: float | None = None
    finished_at: float | None = None
    complete: bool = False
    """The server's whole answer reached the tool."""
    client_left_at: float | None = None
    """When the tool closed its connection before the answer was complete (it gave up)."""
    error: str | None = None
    """Why the proxy could not get an answer from the server, if it could not."""

    @property
    def server_seconds(self) -> float:
        """From the request to the answer's last byte (or to when the tool left it): the
        server's time on this request."""
        end = self.finished_at or self.client_left_at or time.monotonic()
        return end - self.sent_at

    def header(self, name: str) -> str | None:
        for key, value in self.response_headers:
            if key.lower() == name.lower():
                return value
        return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the servers themselves do
    disable_nagle_algorithm = True
    server: _ProxyServer

    def log_message(self, format: str, *args: Any) -> None:
        pass  # what passed is in `exchanges`

    def do_GET(self) -> None:
        self._forward()

    def do_POST(self) -> None:
        self._forward()

    def do_PUT(self) -> None:
        self._forward()

    def do_DELETE(self) -> None:
        self._forward()

    def do_HEAD(self) -> None:
        self._forward()

    def do_OPTIONS(self) -> None:
        self._forward()

    def _forward(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = [(k, v) for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP]
        exchange = Exchange(self.command, self.path, headers, body, time.monotonic())
        self.server.record(exchange)
        upstream = http.client.HTTPConnection(*self.server.upstream, timeout=3600)
        watcher = _ClientWatcher(self.connection, exchange, upstream)
        watcher.start()
        try:
            self._relay(exchange, upstream, headers, body)
        finally:
            watcher.stop()
            upstream.close()
            exchange.finished_at = time.monotonic()
            if not exchange.complete and watcher.eof_at is not None:
                exchange.client_left_at = min(exchange.client_left_at or math.inf, watcher.eof_at)
        if not exchange.complete:
            self.close_connection = True

    def _relay(
        self,
        exchange: Exchange,
        upstream: http.client.HTTPConnection,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> None:
        try:
            upstream.putrequest(self.command, self.path, skip_accept_encoding=True)
            for name, value in headers:
                upstream.putheader(name, value)
            upstream.putheader("content-length", str(len(body)))
            upstream.endheaders(body)
            answer = upstream.getresponse()
        except OSError as error:
            if exchange.client_left_at is not None:
                return  # the tool left, and the proxy closed the server's connection after it
            exchange.error = f"{type(error).__name__}: {error}"
            with contextlib.suppress(OSError):
                self.send_error(502, "the proxy could not reach the server")
            return
        exchange.status, exchange.reason = answer.status, answer.reason
        exchange.response_headers = [
            (k, v) for k, v in answer.getheaders() if k.lower() not in _HOP_BY_HOP
        ]
        declared = answer.getheader("content-length")
        try:
            # Only the status line: the server's own headers (its `Server`, say) go as sent.
            self.send_response_only(answer.status, answer.reason)
            for name, value in exchange.response_headers:
                self.send_header(name, value)
            if declared is not None:
                self.send_header("content-length", declared)
            else:
                self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            self._relay_body(exchange, answer, chunked=declared is None)
        except (BrokenPipeError, ConnectionResetError):
            exchange.client_left_at = exchange.client_left_at or time.monotonic()

    def _relay_body(
        self, exchange: Exchange, answer: http.client.HTTPResponse, *, chunked: bool
    ) -> None:
        received = bytearray()
        try:
            while True:
                try:
                    data = answer.read1(_READ_SIZE)
                except (OSError, http.client.HTTPException) as error:
                    if exchange.client_left_at is None:
                        exchange.error = f"{type(error).__name__}: {error}"
                    break
                if not data:
                    break
                now = time.monotonic()
                exchange.first_byte_at = exchange.first_byte_at or now
                exchange.last_byte_at = now
                if chunked:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                else:
                    self.wfile.write(data)
                self.wfile.flush()
                received += data  # what reached the tool, and only that
        finally:
            # Also when the tool has left (a write fails): what it got is what a replay gives.
            exchange.response_body = bytes(received)
        if exchange.error is None and exchange.client_left_at is None:
            # Every byte of the answer was relayed: the tool did not give up on it, whatever it
            # does with the connection from now on.
            exchange.complete = True
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()


class _ClientWatcher(threading.Thread):
    """Notices the tool closing its connection while its answer is still on the way, and closes
    the connection to the server too, as a direct connection would have been closed."""

    def __init__(
        self, client: socket.socket, exchange: Exchange, upstream: http.client.HTTPConnection
    ) -> None:
        super().__init__(daemon=True)
        self._client, self._exchange, self._upstream = client, exchange, upstream
        self._done = threading.Event()
        self.eof_at: float | None = None
        """When the tool's side of the connection was seen closed."""

    def run(self) -> None:
        while not self._done.wait(0.2):
            try:
                readable, _, _ = select.select([self._client], [], [], 0)
                if not readable or self._client.recv(1, socket.MSG_PEEK):
                    continue  # nothing, or the next request already (not while one is open)
            except OSError:
                pass
            self.eof_at = time.monotonic()
            if self._exchange.complete:
                return  # the answer was all there: the tool just closed an idle connection
            self._exchange.client_left_at = self.eof_at
            sock = self._upstream.sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            return

    def stop(self) -> None:
        self._done.set()
        self.join()


class _ProxyServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, upstream: tuple[str, int]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def record(self, exchange: Exchange) -> None:
        with self._lock:
            self.exchanges.append(exchange)


class RecordingProxy:
    """Forwards 127.0.0.1:<free port> to `server_url` (a loopback server) while the `with`
    block runs; `exchanges` holds what passed, in the order the requests came."""

    def __init__(self, server_url: str) -> None:
        parts = urlsplit(server_url)
        if parts.hostname not in ("127.0.0.1", "localhost") or parts.port is None:
            raise ValueError(f"{server_url}: the proxy forwards only to a loopback port")
        self._http = _ProxyServer((parts.hostname, parts.port))
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def exchanges(self) -> list[Exchange]:
        return list(self._http.exchanges)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
