"""A recording HTTP server on 127.0.0.1 for API stubs (stdlib only).

Subclasses of :class:`LoopbackStub` decide the reply to each request in :meth:`respond`;
every request is recorded, and an exception in a responder is kept for :meth:`check` and
answered with :meth:`LoopbackStub.error_response` (HTTP 400, which the CLIs do not retry), so
a broken script fails fast. A subclass may record a richer :class:`Request` subclass
(``request_type``), add headers to every response (:meth:`LoopbackStub.extra_headers`) and
name itself in the ``Server`` header (``server_version``).
"""

from __future__ import annotations

import gzip
import json
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Generic, TypeAlias, TypeVar
from urllib.parse import parse_qs, urlsplit

LOOPBACK = "127.0.0.1"
DEFAULT_TEXT = "OK."
TOOL_RESULT_TEXT = "done"
S = TypeVar("S", bound="LoopbackStub[Any]")
R = TypeVar("R", bound="Request")


@dataclass(frozen=True)
class Request:
    """One HTTP request the stub received."""

    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # keys lower-cased
    raw: str  # decoded body text ("" when there was none)
    body: Any  # parsed JSON body, or None when absent / not JSON

    @property
    def text(self) -> str:
        """The whole body as text: what to search markers in."""
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
    stub: LoopbackStub[Any]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return  # keep test output clean

    def version_string(self) -> str:
        name = self.server.stub.server_version
        return f"{name} {self.sys_version}" if name else super().version_string()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:  # trailers until an empty line
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()  # CRLF after each chunk
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
            pass  # record the bytes as they came
        return data

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        # Read any body, whatever the verb, so a kept-alive connection stays in sync.
        raw = self._read_body().decode("utf-8", errors="replace")
        body: Any = None
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        stub = self.server.stub
        request = stub.request_type(self.command, parts.path, parse_qs(parts.query),
                          {k.lower(): v for k, v in self.headers.items()}, raw, body)
        stub._add(request)
        try:
            response = stub.respond(request)
        except Exception as exc:  # surfaced to the test through stub.errors / stub.check()
            stub._add_error(exc)
            response = stub.error_response(exc)
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.payload)))
        for key, value in stub.extra_headers().items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(response.payload)
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


class LoopbackStub(Generic[R]):
    """A threaded stub server on 127.0.0.1 (an ephemeral port); use as a context manager.

    ``R`` is the type of the recorded requests: ``request_type`` (:class:`Request` or a
    subclass with extra properties).
    """

    name = "stub"
    request_type: type[R]
    server_version: str | None = None  # the Server header's product; None: http.server's

    def __init__(self) -> None:
        self.errors: list[BaseException] = []
        self._requests: list[R] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def respond(self, request: R) -> Response:  # pragma: no cover - overridden
        return json_response(404, {"error": {"message": f"not found ({self.name} stub)"}})

    def error_response(self, exc: Exception) -> Response:
        """The answer when :meth:`respond` raised (400: not retried, so a script fails fast)."""
        return json_response(400, {"error": {"message": f"stub failed: {exc!r}"}})

    def extra_headers(self) -> dict[str, str]:
        """Headers added to every response."""
        return {}

    # ---- lifecycle

    def start(self: S) -> S:
        if self._server is not None:
            raise RuntimeError("stub already started")
        server = _Server((LOOPBACK, 0), _Handler)
        server.stub = self
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                                  daemon=True, name=f"{self.name}-stub-{server.server_address[1]}")
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self: S) -> S:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("stub not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    # ---- recording

    def _add(self, request: R) -> None:
        with self._lock:
            self._requests.append(request)

    def _add_error(self, exc: BaseException) -> None:
        with self._lock:
            self.errors.append(exc)

    def check(self) -> None:
        """Raise the first exception a responder raised, if any."""
        with self._lock:
            errors = list(self.errors)
        if errors:
            raise AssertionError(
                f"{self.name} stub responder raised {len(errors)} error(s)"
            ) from errors[0]

    @property
    def requests(self) -> list[R]:
        """A snapshot of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        """Forget recorded requests (a script queue is kept)."""
        with self._lock:
            self._requests.clear()

    def all_text(self) -> str:
        """Every recorded request body, concatenated (separated by newlines)."""
        return "\n".join(r.raw for r in self.requests)

    def find(self, marker: str) -> list[R]:
        """Requests whose body text contains ``marker``."""
        return [r for r in self.requests if marker in r.raw]

    def dump(self, requests: Iterable[R] | None = None) -> str:
        """A readable dump of requests for debugging failed assertions."""
        out = []
        for i, r in enumerate(self.requests if requests is None else requests):
            out.append(f"--- #{i} {r.method} {r.path}{self._dump_note(r)}\n{self._dump_body(r)}")
        return "\n".join(out)

    def _dump_note(self, request: R) -> str:
        return ""

    def _dump_body(self, request: R) -> str:
        if request.body is not None:
            return json.dumps(request.body, indent=1)[:20000]
        return request.raw[:2000]



# --------------------------------------------------------------------------- scripted turns


@dataclass(frozen=True)
class Reply:
    """One scripted model turn: a text, or one function call the CLI runs."""

    text: str = ""
    call: tuple[str, dict[str, Any]] | None = None  # (function name, arguments)


def text_reply(text: str) -> Reply:
    return Reply(text=text)


Scripted: TypeAlias = "Reply | Callable[[dict[str, Any]], Reply]"


class ScriptedStub(LoopbackStub[Request]):
    """A stub whose model turns follow a script (see :meth:`next_reply`)."""

    request_type = Request

    def __init__(self) -> None:
        super().__init__()
        self._queue: deque[Scripted] = deque()

    def script(self, *replies: Scripted) -> None:
        """Queue replies for the next model turns; a callable gets the request body."""
        with self._lock:
            self._queue.extend(replies)

    def answers_tool_result(self, body: dict[str, Any]) -> bool:  # pragma: no cover
        """True when the request carries the result of the tool call the stub asked for."""
        raise NotImplementedError

    def turns(self) -> list[Request]:  # pragma: no cover - overridden
        """The model turns (requests that consume the script), in order."""
        raise NotImplementedError

    def first_turn(self) -> Request:  # pragma: no cover - overridden
        raise NotImplementedError

    def next_reply(self, body: dict[str, Any]) -> Reply:
        """A tool result gets ``"done"``; else the next scripted reply, falling back to "OK."."""
        if self.answers_tool_result(body):
            return text_reply(TOOL_RESULT_TEXT)
        with self._lock:
            scripted = self._queue.popleft() if self._queue else None
        if callable(scripted):
            return scripted(body)
        return scripted if scripted is not None else text_reply(DEFAULT_TEXT)
