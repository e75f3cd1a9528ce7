"""A loopback stub of the Gemini API, for driving the real Gemini CLI offline.

With ``-m gemini-2.5-flash`` the CLI's turns are streaming
``POST /v1beta/models/<model>:streamGenerateContent?alt=sse`` (each event one
``GenerateContentResponse`` as ``data:`` JSON). Side calls are answered too:
``:generateContent`` (JSON answers, e.g. the next-speaker check, get ``{"next_speaker": "user"}``)
and ``:countTokens``.

The responder: a request whose last content carries a ``functionResponse`` gets ``"done"``;
otherwise the next scripted reply is popped (a text, or a ``functionCall`` the CLI runs),
falling back to ``"OK."``.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .loopback import LoopbackStub, Request, Response, json_response, sse_response

DEFAULT_TEXT = "OK."
TOOL_RESULT_TEXT = "done"


@dataclass(frozen=True)
class Reply:
    text: str = ""
    call: tuple[str, dict[str, Any]] | None = None


def text_reply(text: str) -> Reply:
    return Reply(text=text)


def shell_reply(command: str) -> Reply:
    """Gemini CLI's shell tool: ``run_shell_command`` with ``{"command": ...}``."""
    return Reply(call=("run_shell_command", {"command": command}))


def _last_parts(body: dict[str, Any]) -> list[dict[str, Any]]:
    contents = body.get("contents")
    if isinstance(contents, list) and contents and isinstance(contents[-1], dict):
        parts = contents[-1].get("parts")
        if isinstance(parts, list):
            return [p for p in parts if isinstance(p, dict)]
    return []


def _response(parts: list[dict[str, Any]], model: str) -> dict[str, Any]:
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP",
                        "index": 0}],
        "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5,
                          "totalTokenCount": 15},
        "modelVersion": model,
    }


class GeminiStub(LoopbackStub):
    name = "gemini"

    def __init__(self) -> None:
        super().__init__()
        self._queue: deque[Reply | Callable[[dict[str, Any]], Reply]] = deque()

    def script(self, *replies: Reply | Callable[[dict[str, Any]], Reply]) -> None:
        """Queue replies for the next model turns; a callable gets the request body."""
        with self._lock:
            self._queue.extend(replies)

    def next_reply(self, body: dict[str, Any]) -> Reply:
        if any("functionResponse" in p for p in _last_parts(body)):
            return text_reply(TOOL_RESULT_TEXT)
        with self._lock:
            scripted = self._queue.popleft() if self._queue else None
        if callable(scripted):
            return scripted(body)
        return scripted if scripted is not None else text_reply(DEFAULT_TEXT)

    def respond(self, request: Request) -> Response:
        path = request.path
        model = path.rsplit("/", 1)[-1].split(":", 1)[0]
        if request.method != "POST" or ":" not in path.rsplit("/", 1)[-1]:
            return json_response(404, {"error": {"code": 404, "message": f"not found: {path}"}})
        method = path.rsplit(":", 1)[1]
        body = request.body if isinstance(request.body, dict) else {}
        if method == "countTokens":
            return json_response(200, {"totalTokens": max(1, len(request.raw) // 4)})
        if method == "generateContent":
            config = body.get("generationConfig") or {}
            if "json" in str(config.get("responseMimeType", "")):
                text = json.dumps({"reasoning": "stub", "next_speaker": "user",
                                   "model_choice": "flash"})
            else:
                text = "Stub"
            return json_response(200, _response([{"text": text}], model))
        if method != "streamGenerateContent":
            return json_response(404, {"error": {"code": 404, "message": f"unknown: {method}"}})
        reply = self.next_reply(body)
        if reply.call is not None:
            name, args = reply.call
            parts: list[dict[str, Any]] = [{"functionCall": {"name": name, "args": args}}]
        else:
            parts = [{"text": reply.text}]
        return sse_response([(None, _response(parts, model))])

    def turns(self) -> list[Request]:
        """The streamed model turns, in order."""
        return [r for r in self.requests if r.path.endswith(":streamGenerateContent")]

    def first_turn(self) -> Request:
        turns = self.turns()
        assert turns, f"no streamGenerateContent request; saw {[r.path for r in self.requests]}"
        return turns[0]
