"""base.leanjson against json itself: the same values, the same failures, the same text."""
from __future__ import annotations

import json
import math
from typing import Any

import pytest
from conftest import ROOT

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


@pytest.mark.parametrize("value", [
    {"started_ts": 1764236400.123456, "stretch": "1764236400.000000", "reminders": 2,
     "edit_context": {"files": ["src/é.py"], "items": ["a#1"], "chars": 308, "tells": 1},
     "stop_blocked": True, "none": None, "b": -0.0, "a": [1e300, 12345678901234567890]},
    {"z": "\u2028 \x00 \U0001f600", "y": {"x": [], "w": {}}}, [3, "x", 2.5], "plain", 0, 1.5, None,
    {"nan": float("nan"), "inf": [float("inf"), -float("inf")]},
])
@pytest.mark.parametrize("ensure_ascii", [True, False])
@pytest.mark.parametrize("sort_keys", [True, False])
def test_dumps_with_options_writes_what_json_writes(value: Any, ensure_ascii: bool,
                                                    sort_keys: bool) -> None:
    """The session state is written as json.dumps(state, sort_keys=True) writes it."""
    assert leanjson.dumps(value, ensure_ascii=ensure_ascii, sort_keys=sort_keys) == json.dumps(
        value, ensure_ascii=ensure_ascii, sort_keys=sort_keys)


def test_dumps_fails_where_json_fails() -> None:
    circular: list[Any] = []
    circular.append(circular)
    for bad, error in (({"a": object()}, TypeError), (circular, ValueError)):
        with pytest.raises(error) as theirs:
            json.dumps(bad)
        with pytest.raises(error) as ours:
            leanjson.dumps(bad)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError):
        leanjson.dumps({1: "a", "b": 2}, sort_keys=True)


def test_a_damaged_document_is_a_value_error_in_a_fresh_interpreter() -> None:
    """The hooks run without json loaded; _json then cannot build its error (it looks
    json.decoder up in sys.modules) and the damaged file must still be a ValueError."""
    import subprocess
    import sys

    code = ("import sys\n"
            "from sessionlog_git.base import leanjson\n"
            "assert 'json' not in sys.modules\n"
            "for text in " + repr(BROKEN) + ":\n"
            "    try:\n"
            "        leanjson.loads(text)\n"
            "    except ValueError:\n"
            "        continue\n"
            "    raise SystemExit(f'no ValueError for {text!r}')\n"
            "print('ok')\n")
    proc = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT)}, check=False)
    assert proc.stdout == "ok\n", proc.stderr
