"""base.leanjson against json itself: the same values, the same failures, the same text."""
from __future__ import annotations

import json
import math
from typing import Any

import pytest

from sessionlog_git.base import leanjson

DOCUMENTS = [
    '{"session_id": "abc", "cwd": "/tmp/x", "prompt": "hi \\u00e9 \\ud83d\\ude00"}',
    ' \n{"a": [1, 2.5, -3e4, null, true, false, {"b": {}}], "c": ""}\r\n\t',
    '{"a": 1, "a": 2}', '"just a string"', "[]", "12", '{"big": 123456789012345678901234567890}',
    '{"version": 1, "sha256": "ff", "config": {"projects": [{"name": "x", "paths": ["a/"]}]}}',
]
BROKEN = ["", "   ", "{", "{}x", "[1,]", "{'a': 1}", '\ufeff{}', "1 2", '{"a": "\x01"}', "nul", "{}\n{}"]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_loads_gives_what_json_gives(text: str) -> None:
    assert leanjson.loads(text) == json.loads(text)


def test_loads_reads_the_constants_as_json_does() -> None:
    got = leanjson.loads('[NaN, Infinity, -Infinity]')
    assert math.isnan(got[0]) and got[1:] == [math.inf, -math.inf]


@pytest.mark.parametrize("text", BROKEN)
def test_loads_fails_where_json_fails(text: str) -> None:
    with pytest.raises(ValueError):
        json.loads(text)
    with pytest.raises(ValueError):
        leanjson.loads(text)


@pytest.mark.parametrize("value", [
    {"hookSpecificOutput": {"hookEventName": "UserPromptSubmit",
                            "additionalContext": 'é "quoted" \\ back\nnew line \u2028 \x00 \U0001f600'}},
    {"decision": "block", "reason": "Log first.\n\n- Decision: x"},
    {}, "plain", {"nested": {"deeper": {"deepest": ""}}},
    {"n": 1, "list": [1, "a"], "none": None},  # not only strings: json itself writes it
])
def test_dumps_writes_what_json_writes(value: Any) -> None:
    assert leanjson.dumps(value) == json.dumps(value, ensure_ascii=False)
