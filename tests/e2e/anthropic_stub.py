"""A loopback stub of the Anthropic Messages API, for driving real AI CLIs offline.

Stdlib only. The server (:class:`loopback.LoopbackStub`) binds to 127.0.0.1 on an ephemeral
port and never to any other address. Every request is recorded; replies to
``POST /v1/messages`` are decided by a *responder* ``(request_body, index) -> Reply``
supplied by the test.

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

import itertools
import json
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .loopback import LOOPBACK as LOOPBACK
from .loopback import LoopbackStub, Request, Response, json_response

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
class RecordedRequest(Request):
    """One HTTP request the stub received, with Messages API views of its body."""

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


# --------------------------------------------------------------------------- replies


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


def _error(status: int, kind: str, message: str) -> Response:
    return json_response(status, {"type": "error", "error": {"type": kind, "message": message}})


class AnthropicStub(LoopbackStub[RecordedRequest]):
    """A threaded loopback Messages API stub; use as a context manager.

    ``responder`` decides every ``POST /v1/messages`` reply; when None the
    :meth:`default_responder` is used, which consumes the queue filled by :meth:`script`.
    """

    name = "anthropic"
    request_type = RecordedRequest
    server_version = "AnthropicStub/1.0"

    def __init__(
        self,
        responder: Responder | None = None,
        side_text: str = SIDE_REQUEST_TEXT,
        fallback_text: str = DEFAULT_TEXT,
    ) -> None:
        super().__init__()
        self.responder = responder
        self.side_text = side_text
        self.fallback_text = fallback_text
        self._queue: deque[Reply] = deque()
        self._message_count = 0

    # ---- HTTP

    def extra_headers(self) -> dict[str, str]:
        return {"request-id": f"req_stub_{next(_ids)}"}

    def error_response(self, exc: Exception) -> Response:
        # 400 is not retried by the SDK, so a broken script fails fast.
        return _error(400, "invalid_request_error", f"stub responder failed: {exc!r}")

    def respond(self, request: RecordedRequest) -> Response:
        if request.method in ("GET", "HEAD", "DELETE"):
            if request.path in ("/", ""):
                return json_response(200, {"ok": True, "stub": "anthropic"})
            return _error(404, "not_found_error", "Not found (anthropic stub)")
        if request.method != "POST":
            return _error(404, "not_found_error", "Not found (anthropic stub)")
        path = request.path.rstrip("/")
        if path == "/v1/messages/count_tokens":
            return json_response(200, {"input_tokens": _estimate_tokens(request.raw)})
        if path != "/v1/messages":
            return _error(404, "not_found_error", f"Not found (anthropic stub): {path}")
        if not isinstance(request.body, dict):
            return _error(400, "invalid_request_error", "body is not a JSON object")
        reply = self._respond(request)  # an exception here becomes error_response()
        model = str(request.body.get("model") or "claude-stub")
        input_tokens = _estimate_tokens(request.raw)
        if request.body.get("stream"):
            payload = _sse_events(reply, model, input_tokens)
            return Response(200, "text/event-stream; charset=utf-8", payload)
        return json_response(200, _message_json(reply, model, input_tokens))

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

    def paths(self) -> list[str]:
        return [f"{r.method} {r.path}" for r in self.requests]

    def _dump_note(self, request: RecordedRequest) -> str:
        return f" tools={request.tool_names}"

    def _dump_body(self, request: RecordedRequest) -> str:  # untruncated
        return json.dumps(request.body, indent=1) if request.body is not None else request.raw

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.requests)
