"""A loopback stub of the Gemini API, for driving the real Gemini CLI offline.

With ``-m gemini-2.5-flash`` the CLI's turns are streaming
``POST /v1beta/models/<model>:streamGenerateContent?alt=sse`` (each event one
``GenerateContentResponse`` as ``data:`` JSON). Side calls are answered too:
``:generateContent`` (JSON answers, e.g. the next-speaker check, get ``{"next_speaker": "user"}``)
and ``:countTokens``.

Turns follow the script (:class:`loopback.ScriptedStub`): a reply is a text or a
``functionCall`` the CLI runs; a request whose last content carries its ``functionResponse``
gets ``"done"``.
"""

from __future__ import annotations

import json
from typing import Any

from .loopback import Reply, Request, Response, ScriptedStub, json_response, sse_response, text_reply

__all__ = ["GeminiStub", "Reply", "shell_reply", "text_reply"]


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


class GeminiStub(ScriptedStub):
    name = "gemini"

    def answers_tool_result(self, body: dict[str, Any]) -> bool:
        return any("functionResponse" in p for p in _last_parts(body))

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
