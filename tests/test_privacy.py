"""Privacy: deleting a recording and everything derived from it; withdrawing a quote.

Store tests run on SQLite (and PostgreSQL when SYNTH_TEST_POSTGRES_URL is set), on real
files: the app's media and job folders, the transcript cache and the embedding cache.
"""

# The store fixtures (engine, db_url, ...) are imported from test_store and requested by
# name, which ruff reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, inspect, select, text
from test_store import head, load, result, statement, theme_id
from typer.testing import CliRunner

from synth import paths
from synth.convening import jobs
from synth.decisions import privacy, review
from synth.errors import InputError, NotFoundError, ReviewError
from synth.export.render import FORMATS, render
from synth.export.results import priority_report
from synth.files import sha256_file
from synth.store import init_db, make_engine, queries, transaction, withdrawn
from synth.store.schema import (
    Membership,
    Speaker,
    StatementVector,
    StoredRecording,
    StoredStatement,
    StoredTheme,
)
from synth.text.embed import text_key


def words(i: int) -> str:
    return f"statement number {i} about the workforce"


# --- a convening with two recordings and the files around it ---------------------------------


@pytest.fixture
def place(engine: Engine, tmp_path: Path) -> dict[str, Any]:
    """Two uploaded transcripts r1 (s00-s09) and r2 (s10-s19) imported, with their files.

    Themes: a = s00-s02 (r1 only, untouched candidate), b = s03 s04 s10 s11 (both),
    c = s05 s06 (r1 only, confirmed), d = s12 s13 (r2 only). s09 is said by Zed, who speaks
    nowhere else. Files: media, two jobs (one with r1 only, one with r1 and r2), cached
    transcripts and cached embeddings of every statement.
    """
    root, cache = tmp_path / "files", tmp_path / "cache"
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "table1.txt").write_text("Ana: table one\n", encoding="utf-8")
    (uploads / "table2.txt").write_text("Ben: table two\n", encoding="utf-8")
    r1, r2 = (sha256_file(uploads / n)[:16] for n in ("table1.txt", "table2.txt"))
    data = result({"a": [0, 1, 2], "b": [3, 4, 10, 11], "c": [5, 6], "d": [12, 13]},
                  recordings={r1: range(10), r2: range(10, 20)}, speakers={9: "Zed"})
    rng = np.random.default_rng(0)
    vectors = {s["id"]: rng.normal(size=4) for s in data["statements"]}
    conv = load(engine, data, vectors=vectors).convening_id
    review.confirm(engine, theme_id(engine, conv, "c"))
    review.assign_speaker(engine, conv, "Zed", None)
    # The app's copies: media by recording id, and two jobs' uploaded inputs.
    (root / "media").mkdir(parents=True)
    for rid in (r1, r2):
        (root / "media" / f"{rid}.txt").write_bytes(b"audio of " + rid.encode())
    j1 = jobs.submit("sqlite:///unused.db", conv, [("table1.txt",
                                                    (uploads / "table1.txt").read_bytes())],
                     start=False)
    j2 = jobs.submit("sqlite:///unused.db", conv, [
        ("table1.txt", (uploads / "table1.txt").read_bytes()),
        ("table2.txt", (uploads / "table2.txt").read_bytes())], start=False)
    j1, j2 = (jobs._write(root, replace(j, status="done", progress=1.0)) for j in (j1, j2))
    # The cache: a transcript per recording and model, and every statement's embedding.
    (cache / "transcripts").mkdir(parents=True)
    for rid in (r1, r2):
        for model in ("base-en-5-none", "tiny.en-en-5-2"):
            (cache / "transcripts" / f"{rid}-{model}.json").write_text("{}")
    with sqlite3.connect(cache / "embeddings-abc.sqlite") as conn:
        conn.execute("CREATE TABLE vectors (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        conn.executemany("INSERT INTO vectors VALUES (?, ?)",
                         [(text_key(words(i)), b"v") for i in range(20)])
    conn.close()
    return {"conv": conv, "r1": r1, "r2": r2, "root": root, "cache": cache, "jobs": (j1, j2)}


@pytest.fixture(autouse=True)
def _files_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_FILES_DIR", str(tmp_path / "files"))


def cached_keys(cache: Path) -> set[str]:
    with sqlite3.connect(cache / "embeddings-abc.sqlite") as conn:
        keys = {k for (k,) in conn.execute("SELECT key FROM vectors")}
    conn.close()
    return keys


def integrity(engine: Engine) -> None:
    if engine.url.get_backend_name() == "sqlite":
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []


def members(engine: Engine, conv: int) -> dict[str, list[str]]:
    with transaction(engine) as s:
        keys = {t.id: t.source_key or str(t.id) for t in queries.themes_of(s, conv)}
        return {keys[t.id]: list(t.statement_ids)
                for t in queries.theme_summaries(s, conv, include_all=True)}


def all_exports(engine: Engine, conv: int) -> dict[str, str]:
    """Every export format of the convening as searchable text (office files unzipped)."""
    report = priority_report(engine, conv)
    out = {}
    for fmt in FORMATS:
        data = render(report, fmt)
        if isinstance(data, bytes) and data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                data = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        out[fmt] = data.decode("utf-8") if isinstance(data, bytes) else data
    return out


# --- deleting a recording ---------------------------------------------------------------------


def test_deleting_a_recording_removes_it_and_everything_derived(engine: Engine,
                                                               place: dict) -> None:
    conv, r1, r2 = place["conv"], place["r1"], place["r2"]
    a, b, c = (theme_id(engine, conv, k) for k in "abc")
    with transaction(engine) as s:
        b_version = queries.get_theme(s, b).version
    out = privacy.delete_recording(engine, conv, r1, who="karen", files_root=place["root"],
                                   cache_dir=place["cache"])
    assert (out.recording_id, out.name, out.statements) == (r1, f"{r1}.ogg", 10)
    assert out.problems == ()
    with transaction(engine) as s:
        assert set(queries.recordings_of(s, conv)) == {r2}
        left = queries.statements_of(s, conv)
        assert sorted(left) == [f"s{i:02d}" for i in range(10, 20)]
        assert all(st.recording_id == r2 for st in left.values())
        assert set(queries.vectors_of(s, conv, [f"s{i:02d}" for i in range(20)])) == set(left)
        assert set(queries.memberships(s, conv)) <= set(left)
        assert "Zed" not in queries.speakers_of(s, conv)  # spoke only in r1
        assert {"Ana", "Ben"} <= set(queries.speakers_of(s, conv))
        themes = {t.id: t for t in queries.themes_of(s, conv)}
        entry = queries.audit_of(s, conv)[-1]
        assert queries.get_theme(s, b).version == b_version + 1
    # a: an untouched candidate left empty is removed; c: confirmed, kept, generated label
    # (made from the deleted words) blanked; b and d keep r2's statements.
    assert out.themes_removed == (a,)
    assert [t.source_key for t in themes.values()] == ["b", "c", "d"]
    assert (themes[c].status, themes[c].label, themes[c].keywords) == (
        "confirmed", privacy.BLANK_LABEL, [])
    assert out.themes_emptied == (c,)
    assert members(engine, conv) == {"b": ["s10", "s11"], "c": [], "d": ["s12", "s13"]}
    assert (entry.action, entry.who, entry.target) == ("delete_recording", "karen",
                                                       f"recording {r1}: 10 statement(s)")
    assert json.dumps([entry.before, entry.after]).count("workforce") == 0
    # The files: media, the uploads (a job left empty goes whole), cache entries.
    root, cache = place["root"], place["cache"]
    assert sorted(p.name for p in (root / "media").iterdir()) == [f"{r2}.txt"]
    j1, j2 = place["jobs"]
    assert not (root / "jobs" / j1.id).exists()
    kept = jobs.load(root, j2.id)
    assert [Path(p).name for p in kept.inputs] == ["table2.txt"]
    assert sorted(p.name for p in (root / "jobs" / j2.id / "inputs").iterdir()) == [
        "table2.txt"]
    assert sorted(p.name for p in (cache / "transcripts").iterdir()) == [
        f"{r2}-base-en-5-none.json", f"{r2}-tiny.en-en-5-2.json"]
    assert cached_keys(cache) == {text_key(words(i)) for i in range(10, 20)}
    integrity(engine)
    # Final: undo stops there, and the recording is gone from every export.
    with pytest.raises(ReviewError, match="delete_recording .* cannot be undone"):
        review.undo(engine, conv)
    review.confirm(engine, b)
    for fmt, body in all_exports(engine, conv).items():
        assert "statement number 3 " not in body and "number 5 " not in body, fmt
        assert words(10) in body or fmt == "email", fmt


def test_delete_by_id_start_keeps_the_rest_of_a_merged_theme_and_names_a_bad_ref(
        engine: Engine, place: dict) -> None:
    conv, r1 = place["conv"], place["r1"]
    a, d = theme_id(engine, conv, "a"), theme_id(engine, conv, "d")
    review.merge(engine, [a, d])  # a now holds s00-s02 and s12 s13; d is merged into a
    with pytest.raises(NotFoundError, match="no recording 'nope' in convening"):
        privacy.delete_recording(engine, conv, "nope")
    with pytest.raises(NotFoundError, match="several recordings are named"):
        with transaction(engine) as s:
            for r in queries.recordings_of(s, conv).values():
                r.name = "same.ogg"
            s.flush()
            privacy.find_recording(s, conv, "same.ogg")
    # By the start of its id, as `synth recordings list` shows it.
    out = privacy.delete_recording(engine, conv, r1[:6])
    assert out.recording_id == r1
    assert members(engine, conv)["a"] == ["s12", "s13"]
    integrity(engine)


def test_delete_is_refused_while_a_job_runs_and_then_changes_nothing(engine: Engine,
                                                                    place: dict) -> None:
    conv, r1 = place["conv"], place["r1"]
    j1 = place["jobs"][0]
    state = paths.job_state(place["root"], j1.id)
    data = json.loads(state.read_text()) | {"status": "running", "pid": None}
    state.write_text(json.dumps(data))
    with pytest.raises(ReviewError, match=f"still processing uploads .*{j1.id}.*wait"):
        privacy.delete_recording(engine, conv, r1, files_root=place["root"])
    with transaction(engine) as s:
        assert r1 in queries.recordings_of(s, conv)
        assert len(queries.statements_of(s, conv)) == 20
    assert (place["root"] / "media" / f"{r1}.txt").exists()


def test_a_failed_delete_changes_nothing(engine: Engine, place: dict, monkeypatch) -> None:
    """One transaction: a failure after the statements went leaves everything as it was."""
    conv, r1 = place["conv"], place["r1"]

    def boom(*_a, **_k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(privacy, "_settle_themes", boom)
    with pytest.raises(RuntimeError):
        privacy.delete_recording(engine, conv, r1, files_root=place["root"],
                                 cache_dir=place["cache"])
    with transaction(engine) as s:
        assert len(queries.statements_of(s, conv)) == 20
        assert r1 in queries.recordings_of(s, conv)
    assert (place["root"] / "media" / f"{r1}.txt").exists()
    assert len(cached_keys(place["cache"])) == 20


# Issue 26: a result whose recording id was "*" deleted every file of the media folder on
# `synth recordings delete`, and "../../victim/secret" a file outside every folder of synth.
CRAFTED_IDS = ["*", "../../victim/secret", "", "r1", "0123456789ABCDEF", "0123456789abcde",
               "0123456789abcdef0", "0123456789abcde?", "[0-9]*", "0123456789abcdef\n"]


@pytest.mark.parametrize("rid", CRAFTED_IDS)
def test_a_result_with_a_crafted_recording_id_is_refused_at_import(engine: Engine,
                                                                  rid: str) -> None:
    data = result({"a": [0, 1]}, n=3)
    data["recordings"][0]["id"] = rid
    for s in data["statements"]:
        s["recording"] = rid
    with pytest.raises(InputError, match=r"recordings\[0\]\.id: .* is not a recording id "
                                         r"\(16 lowercase hex digits"):
        load(engine, data)
    with transaction(engine) as s:
        assert queries.list_convenings(s) == []


@pytest.mark.parametrize("rid", ["*", "../../victim/secret", "?" * 16])
def test_deleting_a_recording_with_a_crafted_id_touches_no_file(engine: Engine, place: dict,
                                                                tmp_path: Path,
                                                                rid: str) -> None:
    """A crafted id already in a database (imported before ids were checked) names no file."""
    conv, root, cache = place["conv"], place["root"], place["cache"]
    victim = tmp_path / "victim" / "secret.txt"
    victim.parent.mkdir()
    victim.write_text("not synth's")
    (root / "jobs" / "x").mkdir(parents=True, exist_ok=True)
    (cache / "transcripts" / "victim-base.json").write_text("{}")
    before = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    with transaction(engine) as s:
        s.add(StoredRecording(convening_id=conv, id=rid, name="evil.ogg", kind="audio"))
    out = privacy.delete_recording(engine, conv, "evil.ogg", files_root=root, cache_dir=cache)
    assert out.recording_id == rid and out.files_removed == ()
    assert any("is not one synth writes; no file was deleted" in p for p in out.problems)
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == before
    assert jobs.media_path(root, rid) is None and paths.media_files(root, rid) == []
    with transaction(engine) as s:
        assert rid not in queries.recordings_of(s, conv)


def test_a_recordings_files_are_found_by_exact_name(engine: Engine, place: dict) -> None:
    """Only ID.EXT in media/ and ID-*.json in the cache go: not a longer name that starts
    with the id, not another recording's files."""
    conv, r1, r2, root, cache = (place[k] for k in ("conv", "r1", "r2", "root", "cache"))
    near = [root / "media" / f"{r1}0.txt", root / "media" / f"x{r1}.txt",
            cache / "transcripts" / f"{r1}0-base.json", cache / "transcripts" / f"{r1}-base.txt"]
    for p in near:
        p.write_text("keep")
    out = privacy.delete_recording(engine, conv, r1, files_root=root, cache_dir=cache)
    assert all(p.exists() for p in near)
    assert (root / "media" / f"{r2}.txt").exists()
    assert not (root / "media" / f"{r1}.txt").exists()
    assert not list((cache / "transcripts").glob(f"{r1}-*.json"))
    assert len(list((cache / "transcripts").glob(f"{r2}-*.json"))) == 2
    assert str(root / "media" / f"{r1}.txt") in out.files_removed


# --- withdrawing a quote ----------------------------------------------------------------------


def test_a_withdrawn_quote_leaves_the_database_the_theme_and_every_export(
        engine: Engine, db_url: str, place: dict) -> None:
    conv = place["conv"]
    b = theme_id(engine, conv, "b")
    review.confirm(engine, b)
    first = priority_report(engine, conv)
    quoted = {p.label: [q.text for q in p.quotes] for p in first.priorities}
    assert quoted["label b"] == [words(10), words(11), words(3)]
    for body in all_exports(engine, conv).values():
        assert words(3) in body or "Subject:" in body

    out = privacy.withdraw(engine, conv, ["s03"], who="karen", cache_dir=place["cache"])
    assert out.statements == ("s03",)
    report = priority_report(engine, conv)
    quotes = {p.label: [q.text for q in p.quotes] for p in report.priorities}
    # s03 is gone from the quotes; the theme's other statement, s04, is the facilitator's
    # (Fay), whose words the one quote rule never quotes
    assert quotes["label b"] == [words(10), words(11)]
    for fmt, body in all_exports(engine, conv).items():
        assert words(3) not in body, fmt
    assert members(engine, conv)["b"] == ["s04", "s10", "s11"]
    with transaction(engine) as s:
        st = s.get(StoredStatement, (conv, "s03"))
        assert (st.text, st.withdrawn, st.withdrawn_hash) == ("", True,
                                                              withdrawn.text_hash(words(3)))
        m = s.get(Membership, (conv, "s03"))
        assert (m.theme_id, m.pinned) == (None, True)
        assert s.get(StatementVector, (conv, "s03")) is None
        entry = queries.audit_of(s, conv)[-1]
    assert (entry.action, entry.who) == ("withdraw", "karen")
    assert words(3) not in json.dumps([entry.target, entry.before, entry.after])
    assert text_key(words(3)) not in cached_keys(place["cache"])
    assert text_key(words(4)) in cached_keys(place["cache"])
    if db_url.startswith("sqlite"):  # not even in free pages or the WAL of the file
        path = Path(db_url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert words(4).encode() in raw
        assert words(3).encode() not in raw
    integrity(engine)
    with pytest.raises(ReviewError, match="withdraw .* cannot be undone"):
        review.undo(engine, conv)
    with pytest.raises(ReviewError, match="statement s03 is already withdrawn"):
        privacy.withdraw(engine, conv, ["s03"])
    with pytest.raises(ReviewError, match="s03 was withdrawn by its speaker"):
        review.move(engine, ["s03"], b)
    with pytest.raises(NotFoundError, match="no statement 's99'"):
        privacy.withdraw(engine, conv, ["s99"])


def test_withdrawing_a_themes_only_statements_removes_or_blanks_it(engine: Engine,
                                                                 place: dict) -> None:
    conv = place["conv"]
    a, c = theme_id(engine, conv, "a"), theme_id(engine, conv, "c")
    out = privacy.withdraw(engine, conv, ["s00", "s01", "s02", "s05", "s06"])
    assert (out.themes_removed, out.themes_emptied) == ((a,), (c,))
    with transaction(engine) as s:
        assert s.get(StoredTheme, a) is None
        t = s.get(StoredTheme, c)
        assert (t.status, t.label) == ("confirmed", privacy.BLANK_LABEL)


def test_a_withdrawal_survives_reimport_of_the_same_statement_and_of_the_same_words(
        engine: Engine, place: dict) -> None:
    conv, r1, r2 = place["conv"], place["r1"], place["r2"]
    privacy.withdraw(engine, conv, ["s03", "s12"])
    # The same result again (a re-run): s03 and s12 come back with their words and themes.
    again = result({"a": [0, 1, 2], "b": [3, 4, 10, 11], "c": [5, 6], "d": [12, 13]},
                   recordings={r1: range(10), r2: range(10, 20)}, speakers={9: "Zed"})
    vectors = {s["id"]: np.ones(4) for s in again["statements"]}
    load(engine, again, conv, vectors=vectors)
    # Another model: the same words under a new id, at another time, in a new theme.
    moved = statement(30, recording=r2, text_=" Statement   number 12, about the WORKFORCE!")
    other = result({"e": [14, 15]}, recordings={r2: range(10, 20)})
    other["statements"].append(moved)
    other["themes"][0]["statement_ids"].append("s30")
    load(engine, other, conv)
    with transaction(engine) as s:
        rows = queries.statements_of(s, conv)
        assert {sid for sid, st in rows.items() if st.withdrawn} == {"s03", "s12", "s30"}
        assert all(rows[sid].text == "" for sid in ("s03", "s12", "s30"))
        assert s.get(StatementVector, (conv, "s03")) is None
        member = queries.memberships(s, conv)
        assert all((member[sid].theme_id, member[sid].pinned) == (None, True)
                   for sid in ("s03", "s12", "s30"))
    found = members(engine, conv)
    assert all(sid not in ids for ids in found.values() for sid in ("s03", "s12", "s30"))
    assert found["e"] == ["s14", "s15"]
    integrity(engine)


# --- the migration --------------------------------------------------------------------------


def test_migration_0003_upgrades_a_0002_database_with_data(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from synth.store.migrate import upgrade
    from synth.store.schema import Base

    e = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(e, "0002")
    with e.begin() as conn:
        assert "withdrawn" not in {c["name"] for c in inspect(conn).get_columns("statements")}
        conn.execute(text("INSERT INTO partnerships (id, industry, region) VALUES (1, 'm', 'r')"))
        conn.execute(text("INSERT INTO convenings (id, partnership_id, date, title, kind) "
                          "VALUES (1, 1, '2026-03-14', 'Launch', 'launch')"))
        conn.execute(text("INSERT INTO recordings (convening_id, id, name, kind, duration) "
                          "VALUES (1, 'r1', 'r1.ogg', 'audio', 60.0)"))
        for i in range(3):
            conn.execute(text(
                "INSERT INTO statements (convening_id, id, recording_id, turn, line, start_s, "
                "end_s, text, speaker, kind, clusterable, position) VALUES (1, :id, 'r1', :i, "
                "NULL, :t, :t, :text, 'Ana', 'need', 1, :i)"),
                {"id": f"s{i}", "i": i, "t": float(i), "text": words(i)})
        conn.execute(text("INSERT INTO themes (id, convening_id, status, label, "
                          "label_generated, keywords, stability, edited, version, updated_at) "
                          "VALUES (1, 1, 'confirmed', 'Welders', 0, '[]', 0.5, 1, 1, "
                          "'2026-03-14 00:00:00')"))
        for i in range(3):
            conn.execute(text("INSERT INTO theme_members (convening_id, statement_id, "
                              "theme_id, pinned) VALUES (1, :sid, 1, 0)"), {"sid": f"s{i}"})
    init_db(e)  # 0002 -> 0003 -> head (0004 adds the statements' word probabilities, ...)
    with e.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head(e)
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    with transaction(e) as s:
        rows = queries.statements_of(s, 1)
        assert [(st.text, st.withdrawn, st.withdrawn_hash) for st in rows.values()] == [
            (words(i), False, None) for i in range(3)]
        assert list(queries.theme_summaries(s, 1)[0].statement_ids) == ["s0", "s1", "s2"]
    privacy.withdraw(e, 1, ["s1"])  # the new columns work on the old rows
    with transaction(e) as s:
        assert list(queries.theme_summaries(s, 1)[0].statement_ids) == ["s0", "s2"]
        assert s.scalar(select(StoredStatement.text).where(StoredStatement.id == "s1")) == ""
    e.dispose()


# --- the CLI --------------------------------------------------------------------------------


def _cli(*args: str, input: str | None = None):
    from synth.cli.main import app

    return CliRunner().invoke(app, list(args), input=input)


def test_cli_lists_deletes_and_withdraws(engine: Engine, db_url: str, place: dict,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYNTH_DATABASE_URL", db_url)
    monkeypatch.setenv("SYNTH_FILES_DIR", str(place["root"]))
    monkeypatch.setenv("SYNTH_CACHE_DIR", str(place["cache"]))
    conv, r1, r2 = str(place["conv"]), place["r1"], place["r2"]
    listed = _cli("recordings", "list", "-c", "Launch")
    assert listed.exit_code == 0, listed.output
    assert [line.split()[0] for line in listed.output.splitlines()] == sorted([r1, r2])
    assert "10 statements" in listed.output

    no = _cli("recordings", "delete", r1, "-c", conv, input="n\n")
    assert no.exit_code == 1 and "nothing deleted." in no.output
    with transaction(engine) as s:
        assert r1 in queries.recordings_of(s, int(conv))

    bad = _cli("recordings", "delete", "nope", "-c", conv, "--yes")
    assert bad.exit_code == 2
    assert bad.output.strip().splitlines()[-1] == (
        f"error: no recording 'nope' in convening {conv}; `synth recordings list` shows them.")

    gone = _cli("recordings", "delete", f"{r1}.ogg", "-c", "Launch", "--yes", "--who", "karen")
    assert gone.exit_code == 0, gone.output
    assert f"deleted recording {r1}.ogg ({r1}): 10 statement(s)" in gone.output
    assert not (place["root"] / "media" / f"{r1}.txt").exists()
    assert not any((place["cache"] / "transcripts").glob(f"{r1}-*"))

    out = _cli("review", "withdraw", "s10", "-c", "Launch", "--yes")
    assert out.exit_code == 0, out.output
    assert "withdrew 1 statement(s): s10" in out.output
    assert text_key(words(10)) not in cached_keys(place["cache"])
    again = _cli("review", "withdraw", "s10", "-c", "Launch", "--yes")
    assert again.exit_code == 2 and "error: statement s10 is already withdrawn." in again.output
    shown = _cli("review", "show", str(theme_id(engine, int(conv), "b")))
    assert words(11) in shown.output and words(10) not in shown.output
    log = _cli("review", "log", "-c", "Launch")
    assert "delete_recording" in log.output and "withdraw" in log.output
    with transaction(engine) as s:
        assert s.get(StoredRecording, (int(conv), r1)) is None
        assert s.get(Speaker, (int(conv), "Zed")) is None
