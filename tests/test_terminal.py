"""Participants' words on a terminal (issue 26): escape sequences in a quote, a label or a
name reached the terminal through ``synth review show`` (screen clear, window title,
hyperlinks). Everything the CLI prints, and its log lines, has control characters removed.
"""

# ruff: noqa: F811

from __future__ import annotations

import json
import re
from pathlib import Path

from test_store import result
from typer.testing import CliRunner

from synth.terminal import safe

CLEAR, TITLE = "\x1b[2J\x1b[H", "\x1b]0;pwned\x07"
LINK = "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\"
HOSTILE = f"{CLEAR}We need{TITLE} welders{LINK}\r\u202eevil\x9b31m\x00\x08"
# What a terminal acts on: C0 controls but tab and newline, DEL, C1 controls, bidi overrides.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def test_safe_removes_every_control_character_and_keeps_the_words() -> None:
    out = safe(HOSTILE)
    assert not CONTROL.search(out)
    assert "We need" in out and "welders" in out and "click" in out
    assert safe("Zoë Müller:\tline one\nline two") == "Zoë Müller:\tline one\nline two"


def test_review_show_list_and_the_log_print_no_escape_sequence(db_url: str, tmp_path: Path,
                                                              monkeypatch) -> None:
    from synth.cli.main import app

    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    data = result({"hire": [0, 1, 2], "care": [3, 4]}, n=6)
    data["statements"][0]["text"] = HOSTILE.replace("\x00", "")  # the importer refuses NUL
    data["statements"][1]["speaker"] = f"Ana{TITLE}"
    data["themes"][0]["label"] = f"label{CLEAR} hire{LINK}"
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data))
    run = CliRunner().invoke
    outputs = [run(app, ["db", "init"]),
               run(app, ["import", str(path), "--convening", "Launch"]),
               run(app, ["review", "list", "-c", "Launch"])]
    assert all(o.exit_code == 0 for o in outputs), [o.output for o in outputs]
    theme = outputs[-1].output.splitlines()[1].split()[1]
    outputs += [run(app, ["review", "show", theme]),
                run(app, ["-v", "review", "rename", theme, f"new{TITLE}name"]),
                run(app, ["review", "log", "-c", "Launch"]),
                run(app, ["review", "show", "999999"])]
    for out in outputs:
        assert not CONTROL.search(out.output), repr(out.output)
    shown = outputs[3].output
    assert "We need" in shown and "welders" in shown and "label[2J[H hire" in shown
