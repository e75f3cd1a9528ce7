"""A loopback stub of the Anthropic Messages API, for driving real AI CLIs offline.

Stdlib only. The server binds to 127.0.0.1 on an ephemeral port and never to any other
address. Every request is recorded; replies to ``POST /v1/messages`` are decided by a
*responder* ``(request_body, index) -> Reply`` supplied by the test.

Typical use::

    with AnthropicStub() as stub:
        stub.script(bash_reply("echo hi > created.txt"), text_reply("all done"))
        run_claude(cli, project, "go", base_url=stub.base_url, home=home)
        assert "MARKER" in stub.first_main_request().text

The default responder (see :meth:`AnthropicStub.default_responder`):

* a request without ``tools`` (title / summary side requests) gets a short text answer;
* a compaction request (the CLI asks for an ``<analysis>`` and a ``<summary>`` block) gets a
  short summary in those tags (without them the CLI retries the request once);
* a request whose last user message carries a ``tool_result`` gets ``"done"``;
* otherwise the next scripted reply is popped from the queue, falling back to text.
"""

from __future__ import annotations

import gzip
import itertools
import json
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "AnthropicStub",
    "RecordedRequest",
    "Reply",
    "Responder",
    "ToolUse",
    "bash_reply",
    "is_compaction_request",
    "last_user_has_tool_result",
    "last_user_text",
    "text_reply",
    "tool_reply",
]

LOOPBACK = "127.0.0.1"
DEFAULT_TEXT = "OK."
SIDE_REQUEST_TEXT = "Stub session"
TOOL_RESULT_TEXT = "done"
COMPACT_SUMMARY_TEXT = (
    "<analysis>Stub analysis.</analysis>\n<summary>Stub summary of the conversation.</summary>"
)


@dataclass(frozen=True)
class ToolUse:
    """One ``tool_use`` content block the stub asks the client to execute."""

    name: str
    input: Mapping[str, Any]
    id: str | None = None  # generated when None


@dataclass(frozen=True)
class Reply:
    """What the stub answers to one Messages request: optional text, then tool calls."""

    text: str = ""
    tool_uses: tuple[ToolUse, ...] = ()

    @property
    def stop_reason(self) -> str:
        return "tool_use" if self.tool_uses else "end_turn"


Responder = Callable[[dict[str, Any], int], Reply]


def text_reply(text: str) -> Reply:
    """A plain assistant text answer (ends the turn)."""
    return Reply(text=text)


def tool_reply(name: str, tool_input: Mapping[str, Any], *, text: str = "") -> Reply:
    """An assistant turn that calls tool ``name`` with ``tool_input``."""
    return Reply(text=text, tool_uses=(ToolUse(name=name, input=dict(tool_input)),))


def bash_reply(command: str, *, description: str = "Run a command", text: str = "") -> Reply:
    """An assistant turn that runs ``command`` with Claude Code's ``Bash`` tool."""
    return tool_reply("Bash", {"command": command, "description": description}, text=text)


@dataclass(frozen=True)
class RecordedRequest:
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

    @property
    def is_messages(self) -> bool:
        return self.method == "POST" and self.path.rstrip("/") == "/v1/messages"

    @property
    def has_tools(self) -> bool:
        return isinstance(self.body, dict) and bool(self.body.get("tools"))

    @property
    def is_compaction(self) -> bool:
        return isinstance(self.body, dict) and is_compaction_request(self.body)

    @property
    def tool_names(self) -> list[str]:
        if not isinstance(self.body, dict):
            return []
        tools = self.body.get("tools") or []
        return [str(t.get("name")) for t in tools if isinstance(t, dict)]


# --------------------------------------------------------------------------- body helpers


def _messages(body: Mapping[str, Any]) -> list[Any]:
    messages = body.get("messages")
    return messages if isinstance(messages, list) else []


def last_user_has_tool_result(body: Mapping[str, Any]) -> bool:
    """True when the last user message of a Messages request carries a ``tool_result``."""
    for message in reversed(_messages(body)):
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        if not isinstance(content, list):
            return False
        return any(isinstance(b, dict) and b.get("type") == "tool_result" for b in content)
    return False


def last_user_text(body: Mapping[str, Any]) -> str:
    """The text of the last user message (text blocks joined), or ""."""
    for message in reversed(_messages(body)):
        if not isinstance(message, dict) or message.get("role") != "user":
            continue
        content = message.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return "\n".join(
                str(b.get("text", ""))
                for b in content
                if isinstance(b, dict) and b.get("type") == "text"
            )
        return ""
    return ""


def is_compaction_request(body: Mapping[str, Any]) -> bool:
    """True for the CLI's conversation-summary request (``/compact`` or auto-compaction)."""
    text = last_user_text(body)
    return "<summary>" in text and "<analysis>" in text


def _estimate_tokens(raw: str) -> int:
    return max(1, len(raw) // 4)


# --------------------------------------------------------------------------- the server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = False
    stub: AnthropicStub


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "AnthropicStub/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        return  # keep test output clean

    # ---- reading

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # trailers until an empty line
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
        except (OSError, EOFError, zlib.error):
            pass  # record the bytes as they came
        return data

    def _record(self) -> RecordedRequest:
        parts = urlsplit(self.path)
        # Read any body, whatever the verb, so a kept-alive connection stays in sync.
        data = self._read_body()
        raw = data.decode("utf-8", errors="replace")
        body: Any = None
        if raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        request = RecordedRequest(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            raw=raw,
            body=body,
        )
        self.server.stub._add(request)
        return request

    # ---- writing

    def _send(self, status: int, content_type: str, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("request-id", f"req_stub_{next(_ids)}")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
        self.wfile.flush()

    def _send_json(self, status: int, obj: Any) -> None:
        self._send(status, "application/json", json.dumps(obj).encode())

    def _send_error_json(self, status: int, kind: str, message: str) -> None:
        self._send_json(status, {"type": "error", "error": {"type": kind, "message": message}})

    # ---- verbs

    def do_GET(self) -> None:
        self._record()
        if urlsplit(self.path).path in ("/", ""):
            self._send_json(200, {"ok": True, "stub": "anthropic"})
        else:
            self._send_error_json(404, "not_found_error", "Not found (anthropic stub)")

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        request = self._record()
        path = request.path.rstrip("/")
        if path == "/v1/messages/count_tokens":
            self._send_json(200, {"input_tokens": _estimate_tokens(request.raw)})
            return
        if path != "/v1/messages":
            self._send_error_json(404, "not_found_error", f"Not found (anthropic stub): {path}")
            return
        if not isinstance(request.body, dict):
            self._send_error_json(400, "invalid_request_error", "body is not a JSON object")
            return
        try:
            reply = self.server.stub._respond(request)
        except Exception as exc:  # surfaced to the test through stub.errors / stub.check()
            self.server.stub._add_error(exc)
            # 400 is not retried by the SDK, so a broken script fails fast.
            self._send_error_json(400, "invalid_request_error", f"stub responder failed: {exc!r}")
            return
        model = str(request.body.get("model") or "claude-stub")
        input_tokens = _estimate_tokens(request.raw)
        if request.body.get("stream"):
            payload = _sse_events(reply, model, input_tokens)
            self._send(200, "text/event-stream; charset=utf-8", payload)
        else:
            self._send_json(200, _message_json(reply, model, input_tokens))

    def do_PUT(self) -> None:
        self._record()
        self._send_error_json(404, "not_found_error", "Not found (anthropic stub)")

    do_PATCH = do_PUT
    do_DELETE = do_GET


_ids = itertools.count(1)


def _content_blocks(reply: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if reply.text or not reply.tool_uses:
        blocks.append({"type": "text", "text": reply.text})
    for use in reply.tool_uses:
        blocks.append(
            {
                "type": "tool_use",
                "id": use.id or f"toolu_stub_{next(_ids):06d}",
                "name": use.name,
                "input": dict(use.input),
            }
        )
    return blocks


def _usage(input_tokens: int, output_tokens: int) -> dict[str, int]:
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
    }


def _message_json(reply: Reply, model: str, input_tokens: int) -> dict[str, Any]:
    blocks = _content_blocks(reply)
    return {
        "id": f"msg_stub_{next(_ids):06d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": reply.stop_reason,
        "stop_sequence": None,
        "usage": _usage(input_tokens, _estimate_tokens(json.dumps(blocks))),
    }


def _sse_events(reply: Reply, model: str, input_tokens: int) -> bytes:
    message = _message_json(reply, model, input_tokens)
    blocks: list[dict[str, Any]] = message["content"]
    events: list[tuple[str, dict[str, Any]]] = [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    **message,
                    "content": [],
                    "stop_reason": None,
                    "usage": _usage(input_tokens, 1),
                },
            },
        )
    ]
    for index, block in enumerate(blocks):
        start: dict[str, Any]
        delta: dict[str, Any]
        if block["type"] == "text":
            start = {"type": "text", "text": ""}
            delta = {"type": "text_delta", "text": block["text"]}
        else:
            start = {**block, "input": {}}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        events.append(
            (
                "content_block_start",
                {"type": "content_block_start", "index": index, "content_block": start},
            )
        )
        events.append(
            ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
        )
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    events.append(
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
                "usage": {"output_tokens": message["usage"]["output_tokens"]},
            },
        )
    )
    events.append(("message_stop", {"type": "message_stop"}))
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events).encode()


# --------------------------------------------------------------------------- public class


@dataclass
class AnthropicStub:
    """A threaded loopback Messages API stub; use as a context manager.

    ``responder`` decides every ``POST /v1/messages`` reply; when None the
    :meth:`default_responder` is used, which consumes the queue filled by :meth:`script`.
    """

    responder: Responder | None = None
    side_text: str = SIDE_REQUEST_TEXT
    fallback_text: str = DEFAULT_TEXT
    errors: list[BaseException] = field(default_factory=list, init=False)
    _requests: list[RecordedRequest] = field(default_factory=list, init=False, repr=False)
    _queue: deque[Reply] = field(default_factory=deque, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _message_count: int = field(default=0, init=False, repr=False)
    _server: _Server | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)

    # ---- lifecycle

    def start(self) -> AnthropicStub:
        if self._server is not None:
            raise RuntimeError("stub already started")
        server = _Server((LOOPBACK, 0), _Handler)
        server.stub = self
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.name = f"anthropic-stub-{server.server_address[1]}"
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

    def __enter__(self) -> AnthropicStub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("stub not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """Value for ``ANTHROPIC_BASE_URL``."""
        return f"http://{LOOPBACK}:{self.port}"

    # ---- scripting

    def script(self, *replies: Reply) -> None:
        """Queue replies for the main agent turns (consumed by the default responder)."""
        with self._lock:
            self._queue.extend(replies)

    @property
    def pending(self) -> list[Reply]:
        """Scripted replies not consumed yet."""
        with self._lock:
            return list(self._queue)

    def default_responder(self, body: dict[str, Any], index: int) -> Reply:
        """No tools → side text; compaction → summary; tool result → "done"; else the script."""
        if not body.get("tools"):
            return text_reply(self.side_text)
        if is_compaction_request(body):
            return text_reply(COMPACT_SUMMARY_TEXT)
        if last_user_has_tool_result(body):
            return text_reply(TOOL_RESULT_TEXT)
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return text_reply(self.fallback_text)

    def _respond(self, request: RecordedRequest) -> Reply:
        with self._lock:
            index = self._message_count
            self._message_count += 1
        responder = self.responder or self.default_responder
        reply = responder(request.body, index)
        if not isinstance(reply, Reply):
            raise TypeError(f"responder returned {type(reply).__name__}, expected Reply")
        return reply

    # ---- recording

    def _add(self, request: RecordedRequest) -> None:
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
            raise AssertionError(f"stub responder raised {len(errors)} error(s)") from errors[0]

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received so far, in arrival order."""
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        """Forget recorded requests (the script queue is kept)."""
        with self._lock:
            self._requests.clear()

    def messages_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.is_messages]

    def main_requests(self) -> list[RecordedRequest]:
        """Messages requests that offer tools: turns of the main agent (or a subagent)."""
        return [r for r in self.messages_requests() if r.has_tools]

    def first_main_request(self) -> RecordedRequest:
        main = self.main_requests()
        if not main:
            seen = [(r.method, r.path, r.has_tools) for r in self.requests]
            raise AssertionError(f"no Messages request with tools was received; saw {seen}")
        return main[0]

    def all_text(self) -> str:
        """Every recorded request body, concatenated (separated by newlines)."""
        return "\n".join(r.raw for r in self.requests)

    def find(self, marker: str) -> list[RecordedRequest]:
        """Requests whose body text contains ``marker``."""
        return [r for r in self.requests if marker in r.raw]

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]

    def dump(self, requests: Iterable[RecordedRequest] | None = None) -> str:
        """A readable dump of requests for debugging failed assertions."""
        out: list[str] = []
        for i, r in enumerate(self.requests if requests is None else requests):
            body = json.dumps(r.body, indent=1) if r.body is not None else r.raw
            out.append(f"--- #{i} {r.method} {r.path} tools={r.tool_names}\n{body}")
        return "\n".join(out)

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.requests)
