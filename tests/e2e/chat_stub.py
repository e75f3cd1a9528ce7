"""A loopback stub of the OpenAI Chat Completions API, for Copilot CLI, Qwen Code and OpenCode.

All three talk to a custom OpenAI-compatible provider through streaming
``POST /v1/chat/completions`` (chunks of ``choices[0].delta``, then ``data: [DONE]``), with
standard ``tool_calls``. A reply is a text or one tool call the CLI runs.

The tool-result case is "a ``tool`` message after the last ``assistant`` message" (Copilot
and Qwen append hook text after the tool result, so it is not always the last message); it
gets ``"done"``. Model turns are the requests that offer tools: OpenCode first asks for a
session title without tools, and that request must not consume the script.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from .loopback import Reply, Request, Response, ScriptedStub, json_response

__all__ = ["ChatStub", "Reply", "bash_reply", "copilot_bash_reply", "qwen_shell_reply"]

_ids = itertools.count(1)
PATH = "/v1/chat/completions"


def bash_reply(command: str) -> Reply:
    """OpenCode's shell tool: ``bash`` with ``{"command", "description"}``."""
    return Reply(call=("bash", {"command": command, "description": "Run a command"}))


def copilot_bash_reply(command: str) -> Reply:
    """Copilot CLI's shell tool: ``bash`` with ``{command, description}`` (both required)."""
    return Reply(call=("bash", {"command": command, "description": "Run a command"}))


def qwen_shell_reply(command: str) -> Reply:
    """Qwen Code's shell tool: ``run_shell_command`` with ``{command, description}``."""
    return Reply(call=("run_shell_command", {"command": command, "description": "Run a command"}))


def _chunks(reply: Reply, model: str) -> list[dict[str, Any]]:
    cid = f"chatcmpl-stub-{next(_ids)}"
    base = {"id": cid, "object": "chat.completion.chunk", "created": 0, "model": model}
    if reply.call is not None:
        name, arguments = reply.call
        delta: dict[str, Any] = {"role": "assistant", "content": None, "tool_calls": [{
            "index": 0, "id": f"call_stub_{next(_ids)}", "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)},
        }]}
        finish = "tool_calls"
    else:
        delta = {"role": "assistant", "content": reply.text}
        finish = "stop"
    usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    return [
        {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}], "usage": usage},
    ]


def _completion(reply: Reply, model: str) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
    finish = "stop"
    if reply.call is not None:
        name, arguments = reply.call
        message["tool_calls"] = [{"id": f"call_stub_{next(_ids)}", "type": "function",
                                  "function": {"name": name, "arguments": json.dumps(arguments)}}]
        finish = "tool_calls"
    return {"id": f"chatcmpl-stub-{next(_ids)}", "object": "chat.completion", "created": 0,
            "model": model, "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}


def _stream(chunks: list[dict[str, Any]]) -> Response:
    text = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    return Response(200, "text/event-stream; charset=utf-8", text.encode())


class ChatStub(ScriptedStub):
    name = "chat"

    def answers_tool_result(self, body: dict[str, Any]) -> bool:
        messages = body.get("messages")
        if not isinstance(messages, list):
            return False
        roles = [m.get("role") if isinstance(m, dict) else None for m in messages]
        last_assistant = max((i for i, r in enumerate(roles) if r == "assistant"), default=-1)
        return "tool" in roles[last_assistant + 1:]

    def respond(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if request.method == "GET" and path.endswith("/models"):
            return json_response(200, {"object": "list", "data": [
                {"id": "gpt-4o", "object": "model", "created": 0, "owned_by": "stub"},
                {"id": "stub-model", "object": "model", "created": 0, "owned_by": "stub"}]})
        if request.method != "POST" or path != PATH:
            return json_response(404, {"error": {"message": f"not found (chat stub): {path}"}})
        body = request.body
        if not isinstance(body, dict):
            return json_response(400, {"error": {"message": "body is not a JSON object"}})
        model = str(body.get("model") or "stub")
        # A request without tools (a title, a side request) does not consume the script.
        reply = self.next_reply(body) if body.get("tools") else Reply(text="Auth tokens")
        if body.get("stream"):
            return _stream(_chunks(reply, model))
        return json_response(200, _completion(reply, model))

    def turns(self) -> list[Request]:
        """The model turns: chat-completion requests that offer tools, in order."""
        return [r for r in self.requests if r.method == "POST" and r.path.rstrip("/") == PATH
                and isinstance(r.body, dict) and r.body.get("tools")]

    def first_turn(self) -> Request:
        turns = self.turns()
        assert turns, f"no {PATH} request with tools; saw {[(r.method, r.path) for r in self.requests]}"
        return turns[0]
