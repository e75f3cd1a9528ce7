"""A loopback stub of the OpenAI Responses API, for driving the real Codex CLI offline.

The only endpoint Codex 0.169 uses with a custom provider is streaming ``POST /v1/responses``
(server-sent events: ``response.created``, ``response.output_item.added``,
``response.output_text.delta``, ``response.output_item.done``, ``response.completed``).

Turns follow the script (:class:`loopback.ScriptedStub`): a reply is a text or a
``function_call`` the CLI runs; a request whose last input item is its ``function_call_output``
gets ``"done"``.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from .loopback import Reply, Request, Response, ScriptedStub, json_response, sse_response, text_reply

__all__ = ["OpenAIStub", "Reply", "exec_reply", "text_reply"]

_ids = itertools.count(1)


def exec_reply(command: str) -> Reply:
    """Codex's shell tool: ``exec_command`` with ``{"cmd": ..., "login": false}``."""
    return Reply(call=("exec_command", {"cmd": command, "login": False}))


def _last_item(body: dict[str, Any]) -> dict[str, Any]:
    items = body.get("input")
    if isinstance(items, list) and items and isinstance(items[-1], dict):
        return items[-1]
    return {}


def _events(reply: Reply, model: str) -> list[tuple[str | None, Any]]:
    rid = f"resp_stub_{next(_ids)}"
    if reply.call is not None:
        name, arguments = reply.call
        item: dict[str, Any] = {
            "type": "function_call", "id": f"fc_stub_{next(_ids)}", "status": "completed",
            "call_id": f"call_stub_{next(_ids)}", "name": name, "arguments": json.dumps(arguments),
        }
        added = {**item, "arguments": "", "status": "in_progress"}
        deltas: list[tuple[str | None, Any]] = []
    else:
        mid = f"msg_stub_{next(_ids)}"
        item = {
            "type": "message", "id": mid, "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": reply.text, "annotations": []}],
        }
        added = {**item, "content": [], "status": "in_progress"}
        deltas = [("response.output_text.delta", {
            "type": "response.output_text.delta", "item_id": mid, "output_index": 0,
            "content_index": 0, "delta": reply.text,
        })]
    base = {"id": rid, "object": "response", "model": model, "created_at": 0}
    usage = {
        "input_tokens": 10, "input_tokens_details": {"cached_tokens": 0},
        "output_tokens": 5, "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 15,
    }
    return [
        ("response.created", {"type": "response.created",
                              "response": {**base, "status": "in_progress", "output": []}}),
        ("response.output_item.added", {"type": "response.output_item.added", "output_index": 0,
                                        "item": added}),
        *deltas,
        ("response.output_item.done", {"type": "response.output_item.done", "output_index": 0,
                                       "item": item}),
        ("response.completed", {"type": "response.completed",
                                "response": {**base, "status": "completed", "output": [item],
                                             "usage": usage}}),
    ]


class OpenAIStub(ScriptedStub):
    name = "openai"

    def answers_tool_result(self, body: dict[str, Any]) -> bool:
        return _last_item(body).get("type") == "function_call_output"

    def respond(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if request.method == "GET" and path.endswith("/models"):
            return json_response(200, {"object": "list", "data": [], "models": []})
        if request.method != "POST" or path != "/v1/responses":
            return json_response(404, {"error": {"message": f"not found (openai stub): {path}"}})
        if not isinstance(request.body, dict):
            return json_response(400, {"error": {"message": "body is not a JSON object"}})
        reply = self.next_reply(request.body)
        return sse_response(_events(reply, str(request.body.get("model") or "stub")))

    def turns(self) -> list[Request]:
        """The model requests (``POST /v1/responses``), in order."""
        return [r for r in self.requests if r.method == "POST" and r.path.rstrip("/") == "/v1/responses"]

    def first_turn(self) -> Request:
        turns = self.turns()
        assert turns, f"no /v1/responses request; saw {[(r.method, r.path) for r in self.requests]}"
        return turns[0]
