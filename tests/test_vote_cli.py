"""``synth vote ...`` and ``synth export``: the whole flow, every export read back, errors.

Runs on SQLite, and on PostgreSQL too when SYNTH_TEST_POSTGRES_URL is set.
"""

# ruff: noqa: F811

from __future__ import annotations

import csv
import errno
import io
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import typer
from sqlalchemy import Engine
from test_store import load, result, theme_id
from typer.testing import CliRunner

from synth.cli.vote import export_command, vote_app
from synth.decisions import ballots, review, secret_hash

ROSTER = [
    {"name": "Ana", "company": "Acme Welding", "role": "business"},
    {"name": "Ben", "company": "Bolt Fab", "role": "business"},
    {"name": "Cy", "company": "Cobalt Machining", "role": "business"},
    {"name": "Pat", "company": "North College", "role": "public"},
    {"name": "Fay", "company": "Convener", "role": "facilitator"},
]
THEMES = {"hire": [0, 1, 2, 3], "care": [4, 5, 6], "house": [7, 8]}

# The app as synth/cli/main.py mounts it: `synth vote ...` and `synth export`.
app = typer.Typer()
app.add_typer(vote_app, name="vote")
app.command("export")(export_command)
runner = CliRunner()


@pytest.fixture(autouse=True)
def _setup(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    monkeypatch.setitem(secret_hash._SCRYPT, "n", 2**10)  # cheap hashes: tests only


def cli(*args: str) -> Any:
    return runner.invoke(app, list(args))


@pytest.fixture
def conv(engine: Engine) -> dict[str, int]:
    c = load(engine, result(THEMES, n=10, roster=ROSTER)).convening_id
    ids = {k: theme_id(engine, c, k) for k in THEMES}
    for tid in ids.values():
        review.confirm(engine, tid)
    return {"id": c, **ids}


def test_open_codes_vote_results_close(engine: Engine, conv, tmp_path: Path) -> None:
    c = str(conv["id"])
    out = cli("vote", "open", "-c", c, "--dots", "4", "--scores", "--who", "fay")
    assert out.exit_code == 0, out.output
    assert "open; 4 dots, at most 2 on one priority" in out.output
    out = cli("vote", "codes", "-c", "Launch", "--base-url", "https://vote.example.org/b?x=1",
              "--qr-dir", str(tmp_path / "qr"))
    assert out.exit_code == 0, out.output
    lines = [line.split("\t") for line in out.output.splitlines() if "\t" in line]
    assert [n for n, _, _ in lines] == ["Ana", "Ben", "Cy", "Pat"]
    codes = {}
    for name, shown, link in lines:
        assert len(shown) == 14 and shown[4] == shown[9] == "-"
        query = parse_qs(urlsplit(link).query)
        assert query["x"] == ["1"] and query["code"] == [shown.replace("-", "")]
        codes[name] = query["code"][0]
        svg = ET.fromstring((tmp_path / "qr" / f"{name}.svg").read_text())
        assert svg.tag.endswith("svg")
    again = cli("vote", "codes", "-c", c)
    assert again.exit_code == 0 and "already has a code" in again.output

    a, b = conv["hire"], conv["care"]
    ballots.cast_ballot(engine, codes["Ana"], {a: 2, b: 2}, importance={a: 5})
    ballots.cast_ballot(engine, codes["Ben"], {a: 2, conv["house"]: 1})
    ballots.cast_ballot(engine, codes["Pat"], {b: 2})
    ballots.volunteer(engine, codes["Ana"], a, "champion")
    out = cli("vote", "results", "-c", c)
    assert out.exit_code == 0, out.output
    table = out.output.splitlines()
    assert table[0] == "vote open: 3 ballots"
    assert table[2].split() == ["1", "4", "2", "0", "5.0", "-", "label", "hire"]
    assert table[3].split() == ["2", "2", "1", "2", "-", "-", "label", "care"]
    assert "label hire: Ana" in out.output and "label care: champion needed" in out.output
    out = cli("vote", "close", "-c", c)
    assert out.exit_code == 0 and "closed" in out.output
    out = cli("vote", "status", "-c", c)
    assert "codes issued: 4; ballots cast: 3" in out.output


def test_codes_write_printable_cards_as_the_app_does(engine: Engine, conv, tmp_path: Path) -> None:
    from html.parser import HTMLParser

    out = cli("vote", "codes", "-c", str(conv["id"]), "--base-url", "https://vote.example.org/",
              "--cards", str(tmp_path / "cards" / "voters.html"))
    assert out.exit_code == 0, out.output
    lines = [line.split("\t") for line in out.output.splitlines() if "\t" in line]
    assert "wrote 4 voter cards to" in out.output
    page = (tmp_path / "cards" / "voters.html").read_text(encoding="utf-8")
    HTMLParser().feed(page)  # well-formed enough to parse
    assert "Voter cards: Launch" in page
    assert page.count("<svg") == len(lines) == 4
    for name, code, link in lines:
        assert name in page and code in page and link.replace("&", "&amp;") in page


def test_printed_codes_pasted_into_a_spreadsheet_run_no_formula(engine: Engine) -> None:
    """Issue 26: ``synth vote codes`` prints name, code and link tab-separated, to paste or
    redirect into a spreadsheet; a roster name is made inert as in every export."""
    roster = [{"name": '=HYPERLINK("http://evil","x")', "company": None, "role": "business"},
              {"name": "@Greg", "company": None, "role": "business"},
              {"name": "Ana", "company": None, "role": "business"}]
    c = load(engine, result({"hire": [0, 1]}, n=3, roster=roster)).convening_id
    out = cli("vote", "codes", "-c", str(c))
    assert out.exit_code == 0, out.output
    names = [line.split("\t")[0] for line in out.output.splitlines() if "\t" in line]
    assert names == ["'=HYPERLINK(\"http://evil\",\"x\")", "'@Greg", "Ana"]


def test_codes_link_to_the_public_address_the_app_uses(engine: Engine, conv,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Without --base-url the links start with SYNTH_PUBLIC_URL (the app's setting too), else
    with this machine's app address."""
    def links(*args: str) -> list[str]:
        out = cli("vote", "codes", "-c", str(conv["id"]), *args)
        assert out.exit_code == 0, out.output
        return [line.split("\t")[2] for line in out.output.splitlines() if "\t" in line]

    monkeypatch.setenv("SYNTH_PUBLIC_URL", "https://vote.example.org/room")
    first = links()
    assert len(first) == 4  # the business leaders and the public partner: all who may vote
    assert all(x.startswith("https://vote.example.org/room?code=") for x in first)
    monkeypatch.delenv("SYNTH_PUBLIC_URL")
    (link,) = links("--name", "Ana")
    assert link.startswith("http://localhost:8501/?code=")


def _voted(engine: Engine, conv: dict[str, int]) -> None:
    codes = dict(ballots.issue_codes(engine, conv["id"]))
    ballots.open_vote(engine, conv["id"])
    ballots.cast_ballot(engine, codes["Ana"], {conv["hire"]: 2, conv["care"]: 1})
    ballots.cast_ballot(engine, codes["Ben"], {conv["hire"]: 1})
    ballots.volunteer(engine, codes["Ben"], conv["hire"], "champion")


def test_every_export_is_written_and_reads_back(engine: Engine, conv, tmp_path: Path) -> None:
    import docx
    import openpyxl

    _voted(engine, conv)
    files = {}
    for fmt in ("csv", "xlsx", "docx", "md", "email", "json"):
        path = tmp_path / f"priorities.{fmt}"
        out = cli("export", "-c", str(conv["id"]), "--format", fmt, "--out", str(path))
        assert out.exit_code == 0, out.output
        files[fmt] = path
    rows = list(csv.DictReader(io.StringIO(files["csv"].read_text("utf-8-sig"))))
    assert [(r["rank"], r["priority"], r["dots"], r["voters"]) for r in rows] == [
        ("1", "label hire", "3", "2"), ("2", "label care", "1", "1"), ("3", "label house", "0",
                                                                      "0")]
    assert rows[0]["champions"] == "Ben (Bolt Fab)"
    assert "\u201cstatement number 0 about the workforce\u201d \u2014 Ana" in rows[0]["quotes"]
    wb = openpyxl.load_workbook(files["xlsx"])
    assert wb.sheetnames == ["priorities", "quotes", "votes", "champions"]
    assert [c.value for c in wb["priorities"][2]][:6] == [1, None, "label hire", "yes", 3, 2]
    assert [c.value for c in wb["champions"][2]] == [1, "label hire", "champion", "Ben",
                                                     "Bolt Fab"]
    text = "\n".join(p.text for p in docx.Document(str(files["docx"])).paragraphs)
    assert "1. label hire (generated label)" in text and "Champions: Ben (Bolt Fab)" in text
    assert "3 dots from 2 voters" in text
    assert "## 1\\. label hire" in files["md"].read_text() or \
        "## 1. label hire" in files["md"].read_text()
    assert "1. label hire (3 dots)\n   Champion: Ben (Bolt Fab)" in files["email"].read_text()
    data = json.loads(files["json"].read_text())
    assert data["attendance"] == {"business": 3, "public": 1, "facilitator": 1}
    assert [p["label"] for p in data["priorities"]] == ["label hire", "label care",
                                                        "label house"]
    assert data["votes"] == []  # anonymous


def test_a_full_disk_gives_one_line_and_changes_nothing(engine: Engine, conv, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    _voted(engine, conv)
    before = ballots.results(engine, conv["id"]), ballots.vote_info(engine, conv["id"])
    folder = tmp_path / "out"
    good = folder / "priorities.xlsx"
    assert cli("export", "-c", str(conv["id"]), "-f", "xlsx", "-o", str(good)).exit_code == 0
    old = good.read_bytes()

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    def half_then_full(self: Path, data: str, *args: Any, **kwargs: Any) -> int:
        with open(self, "w", encoding="utf-8") as f:
            f.write(data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)  # binary formats sync before the rename
    monkeypatch.setattr(Path, "write_text", half_then_full)  # text formats
    for fmt, path in (("xlsx", good), ("md", folder / "new.md")):
        out = cli("export", "-c", str(conv["id"]), "-f", fmt, "-o", str(path))
        assert out.exit_code == 6
        assert out.output.strip().splitlines() == [
            f"error: cannot write {path}: No space left on device. Nothing was changed; free "
            "some space or choose another --out."]
    assert good.read_bytes() == old
    assert sorted(p.name for p in folder.iterdir()) == ["priorities.xlsx"]  # no temp files
    assert (ballots.results(engine, conv["id"]), ballots.vote_info(engine, conv["id"])) == before


def test_user_errors_are_one_line(engine: Engine, conv, tmp_path: Path) -> None:
    c = str(conv["id"])
    cases = [
        (("vote", "open", "-c", c, "--public", "everyone"), "'everyone' is not one of"),
        (("vote", "open", "-c", c, "--dots", "0"), "dots per voter must be at least 1"),
        (("vote", "close", "-c", c), "has not opened yet"),
        (("vote", "codes", "-c", c, "--base-url", "ftp://x"), "must start with http"),
        (("vote", "codes", "-c", c, "--name", "Zed"), "not on this partnership's roster: Zed"),
        (("vote", "results", "-c", "Nowhere"), "no convening titled 'Nowhere'"),
        (("export", "-c", c, "-f", "pdf", "-o", str(tmp_path / "x.pdf")),
         "unknown export format 'pdf'"),
    ]
    for args, message in cases:
        out = cli(*args)
        assert out.exit_code != 0, args
        assert out.output.startswith("error: ") and message in out.output, out.output
        assert "Traceback" not in out.output
    assert ballots.vote_info(engine, conv["id"]).codes_issued == 0
    assert not (tmp_path / "x.pdf").exists()
