"""A recording HTTP server on 127.0.0.1 for API stubs (stdlib only).

Subclasses of :class:`LoopbackStub` decide the reply to each request in :meth:`respond`;
every request is recorded, and an exception in a responder is kept for :meth:`check` and
answered with HTTP 400 (which the CLIs do not retry), so a broken script fails fast.
"""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

LOOPBACK = "127.0.0.1"
S = TypeVar("S", bound="LoopbackStub")


@dataclass(frozen=True)
class Request:
    """One HTTP request the stub received."""

    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # keys lower-cased
    raw: str
    body: Any  # parsed JSON, or None

    @property
    def text(self) -> str:
        return self.raw


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    payload: bytes


def json_response(status: int, obj: Any) -> Response:
    return Response(status, "application/json", json.dumps(obj).encode())


def sse_response(events: list[tuple[str | None, Any]]) -> Response:
    """Server-sent events: ``event: NAME`` (when given) and one ``data:`` JSON line each."""
    chunks = []
    for name, data in events:
        head = f"event: {name}\n" if name else ""
        chunks.append(f"{head}data: {json.dumps(data)}\n\n")
    return Response(200, "text/event-stream; charset=utf-8", "".join(chunks).encode())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    stub: LoopbackStub


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            data = b"".join(chunks)
        else:
            length = int(self.headers.get("Content-Length") or 0)
            data = self.rfile.read(length) if length > 0 else b""
        encoding = self.headers.get("Content-Encoding", "").lower()
        try:
            if encoding == "gzip":
                data = gzip.decompress(data)
            elif encoding == "deflate":
                data = zlib.decompress(data)
            elif encoding == "zstd":
                pass  # recorded as it came; the stubs ask for none
        except (OSError, EOFError, zlib.error):
            pass
        return data

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        raw = self._read_body().decode("utf-8", errors="replace")
        body: Any = None
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        request = Request(self.command, parts.path, parse_qs(parts.query),
                          {k.lower(): v for k, v in self.headers.items()}, raw, body)
        stub = self.server.stub
        stub._add(request)
        try:
            response = stub.respond(request)
        except Exception as exc:
            stub._add_error(exc)
            response = json_response(400, {"error": {"message": f"stub failed: {exc!r}"}})
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.payload)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


class LoopbackStub:
    """A threaded stub server on 127.0.0.1 (an ephemeral port); use as a context manager."""

    name = "stub"

    def __init__(self) -> None:
        self.errors: list[BaseException] = []
        self._requests: list[Request] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def respond(self, request: Request) -> Response:  # pragma: no cover - overridden
        return json_response(404, {"error": {"message": f"not found ({self.name} stub)"}})

    # ---- lifecycle

    def start(self: S) -> S:
        server = _Server((LOOPBACK, 0), _Handler)
        server.stub = self
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  daemon=True, name=f"{self.name}-stub")
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self: S) -> S:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "stub not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    # ---- recording

    def _add(self, request: Request) -> None:
        with self._lock:
            self._requests.append(request)

    def _add_error(self, exc: BaseException) -> None:
        with self._lock:
            self.errors.append(exc)

    def check(self) -> None:
        with self._lock:
            errors = list(self.errors)
        if errors:
            raise AssertionError(f"{self.name} stub raised {len(errors)} error(s)") from errors[0]

    @property
    def requests(self) -> list[Request]:
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    def all_text(self) -> str:
        return "\n".join(r.raw for r in self.requests)

    def find(self, marker: str) -> list[Request]:
        return [r for r in self.requests if marker in r.raw]

    def dump(self, requests: list[Request] | None = None) -> str:
        out = []
        for i, r in enumerate(self.requests if requests is None else requests):
            body = json.dumps(r.body, indent=1)[:20000] if r.body is not None else r.raw[:2000]
            out.append(f"--- #{i} {r.method} {r.path}\n{body}")
        return "\n".join(out)
