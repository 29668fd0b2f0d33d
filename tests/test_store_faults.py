"""Faults: malformed results, a process killed mid-import, concurrent writers, a busy store."""

# The store fixtures (engine, db_url, ...) are imported from test_store and requested by
# name, which ruff reads as redefinitions.
# ruff: noqa: F811

from __future__ import annotations

import copy
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine
from test_store import load, result, state, theme_id

from synth.decisions import review
from synth.errors import InputError, StoreError
from synth.store import make_engine, queries, transaction
from synth.store.result import load_result
from synth.store.schema import Run, StoredConvening

# --- malformed results ------------------------------------------------------------------------


def _drop(key: str) -> Callable[[dict], None]:
    return lambda d: d.pop(key)


def _set(path: tuple, value: Any) -> Callable[[dict], None]:
    def edit(d: dict) -> None:
        obj = d
        for p in path[:-1]:
            obj = obj[p]
        obj[path[-1]] = value
    return edit


MALFORMED: dict[str, tuple[Callable[[dict], None], str]] = {
    "no statements": (_drop("statements"), "'statements' is missing"),
    "no themes": (_drop("themes"), "'themes' is missing"),
    "no recordings": (_drop("recordings"), "'recordings' is missing"),
    "statements not a list": (_set(("statements",), {"a": 1}), "expected a list"),
    "statement without id": (lambda d: d["statements"][2].pop("id"), "statements[2]: 'id'"),
    "start is text": (_set(("statements", 3, "start"), "ten"), "statements[3].start"),
    "end before start": (_set(("statements", 3, "end"), -1.0), "before it starts"),
    "turn is a bool": (_set(("statements", 0, "turn"), True), "statements[0].turn"),
    "unknown kind": (_set(("statements", 1, "kind"), "wish"), "unknown kind"),
    "unknown recording": (_set(("statements", 1, "recording"), "zz"), "'zz'"),
    "duplicate statement": (_set(("statements", 1, "id"), "s00"), "appears twice"),
    "unknown statement in theme": (_set(("themes", 0, "statement_ids"), ["s00", "ghost"]),
                                   "'ghost', which is not in 'statements'"),
    "statement in two themes": (_set(("themes", 1, "statement_ids"), ["s00"]), "two themes"),
    "statement ids not strings": (_set(("themes", 0, "statement_ids"), [1, 2]), "strings"),
    "theme label missing": (lambda d: d["themes"][0].pop("label"), "themes[0]: 'label'"),
    "bad role": (_set(("participants", 0, "role"), "boss"), "unknown role 'boss'"),
    "empty object": (lambda d: d.clear(), "'recordings' is missing"),
    # Found by tests/test_fuzz.py: each of these used to reach the database and fail there
    # (IntegrityError, OverflowError) or be stored as a time no export can write.
    "start is NaN": (_set(("statements", 3, "start"), float("nan")), "statements[3].start"),
    "end is infinite": (_set(("statements", 3, "end"), float("inf")), "statements[3].end"),
    "turn too large": (_set(("statements", 0, "turn"), 2**64), "whole number from 0"),
    "speaker too long": (_set(("statements", 0, "speaker"), "x" * 201), "too long"),
    "NUL in text": (_set(("statements", 0, "text"), "a\x00b"), "NUL character"),
    "talk time infinite": (_set(("talk_time_by_role", "business"), float("inf")),
                           "'talk_time_by_role' must map roles to numbers"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_results_are_refused_and_change_nothing(engine: Engine, case: str) -> None:
    good = result({"t1": [0, 1, 2], "t2": [3, 4]}, n=6)
    conv = load(engine, good).convening_id
    before = state(engine, conv)
    bad = copy.deepcopy(good)
    edit, message = MALFORMED[case]
    edit(bad)
    with pytest.raises(InputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load(engine, bad, conv)
    with pytest.raises(InputError):
        load(engine, bad, "Another convening")
    assert state(engine, conv) == before
    with transaction(engine) as s:
        assert queries.count(s, Run, conv) == 1
        assert len(queries.list_convenings(s)) == 1


def test_result_files_that_are_not_results(tmp_path) -> None:
    missing, garbage, array = (tmp_path / n for n in ("missing.json", "bad.json", "list.json"))
    garbage.write_bytes(b"\x00{not json")
    array.write_text("[1, 2]")
    for path, message in ((missing, "no such result file"), (garbage, "not a JSON result"),
                          (array, "a result is a JSON object")):
        with pytest.raises(InputError, match=message):
            load_result(path)


def test_vectors_for_unknown_statements_are_refused(engine: Engine) -> None:
    with pytest.raises(InputError, match="ghost"):
        load(engine, result({"t": [0, 1]}, n=3), vectors={"ghost": [1.0, 0.0]})


# --- a process killed in the middle of an import ----------------------------------------------


CHILD = """
import sys
from synth.store import import_result, make_engine
from synth.store.result import load_result

def pause(done, message):
    if message == sys.argv[3]:
        print("PAUSED", flush=True)
        sys.stdin.readline()  # never answered: the parent kills us here, mid-transaction

import_result(make_engine(sys.argv[1]), load_result(sys.argv[2]), convening=int(sys.argv[4]),
              progress=pause)
print("FINISHED", flush=True)
"""


# Killed while statements are being written, and after the new themes are written but
# before their members are: the moment a half-written theme set would show.
@pytest.mark.parametrize("stage", ["statements", "theme members"])
def test_sigkill_during_import_leaves_the_store_as_it_was(engine: Engine, db_url: str,
                                                          tmp_path, stage: str) -> None:
    conv = load(engine, result({"t1": [0, 1, 2], "t2": [3, 4]}, n=6)).convening_id
    review.confirm(engine, theme_id(engine, conv, "t1"))
    before = state(engine, conv)
    n = 1000  # large enough that statements are flushed to the database in several batches
    big = result({f"t{k}": range(k * 30, k * 30 + 30) for k in range(n // 30)}, n=n,
                 recordings={"r1": range(n // 2), "r2": range(n // 2, n)})
    path = tmp_path / "big.json"
    path.write_text(json.dumps(big))
    child = subprocess.Popen([sys.executable, "-c", CHILD, db_url, str(path), stage, str(conv)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "PAUSED"
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL

    fresh = make_engine(db_url)
    if fresh.dialect.name == "sqlite":
        with fresh.connect() as c:
            assert c.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert c.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    assert state(fresh, conv) == before  # no half-written statements or theme sets
    with transaction(fresh) as s:
        assert queries.count(s, Run, conv) == 1
        assert len(queries.statements_of(s, conv)) == 6
    review.rename(fresh, theme_id(fresh, conv, "t1"), "Welders")  # the store still works
    fresh.dispose()


# --- two processes editing at once ------------------------------------------------------------


def _writer(url: str, who: str, moves: list[str], target: int, renames: int,
            barrier: Any, out: Any) -> None:
    """Move statements into the shared theme one by one, and rename it with ``expected``."""
    from synth.decisions import review
    from synth.errors import ConflictError
    from synth.store import make_engine, queries, transaction

    engine = make_engine(url)
    conflicts = 0
    barrier.wait()
    for sid in moves:
        review.move(engine, [sid], target, who=who)
    for i in range(renames):
        while True:  # read, then write against what was read: the optimistic protocol
            with transaction(engine) as s:
                seen = queries.get_theme(s, target).version
            try:
                review.rename(engine, target, f"{who} {i}", who=who, expected={target: seen})
                break
            except ConflictError:
                conflicts += 1
    out.put((who, conflicts))
    engine.dispose()


def test_two_processes_editing_at_once_lose_nothing(engine: Engine, db_url: str) -> None:
    n = 8
    conv = load(engine, result({"target": [0], "a": range(1, 1 + n), "b": range(20, 20 + n)},
                               n=40)).convening_id
    target = theme_id(engine, conv, "target")
    ctx = mp.get_context("spawn")  # no engine or connection crosses into the children
    barrier, out = ctx.Barrier(2), ctx.Queue()
    jobs = [ctx.Process(target=_writer, args=(db_url, who, [f"s{i:02d}" for i in nums], target,
                                              n, barrier, out))
            for who, nums in (("one", range(1, 1 + n)), ("two", range(20, 20 + n)))]
    for j in jobs:
        j.start()
    for j in jobs:
        j.join(timeout=120)
    assert [j.exitcode for j in jobs] == [0, 0]
    results = dict(out.get(timeout=5) for _ in jobs)

    with transaction(engine) as s:
        members = {sid for sid, m in queries.memberships(s, conv).items() if m.theme_id == target}
        theme = queries.get_theme(s, target)
        log = queries.audit_of(s, conv)
    assert members == {"s00"} | {f"s{i:02d}" for i in [*range(1, 1 + n), *range(20, 20 + n)]}
    assert sum(1 for a in log if a.action == "move") == 2 * n
    assert sum(1 for a in log if a.action == "rename") == 2 * n
    assert theme.version == 1 + 4 * n  # every move and rename counted, none overwritten
    assert set(results) == {"one", "two"}


# --- a busy store -----------------------------------------------------------------------------


def test_a_store_busy_for_too_long_gives_a_clear_error(engine: Engine, db_url: str) -> None:
    conv = load(engine, result({"t": [0, 1]}, n=3)).convening_id
    t = theme_id(engine, conv, "t")
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with transaction(engine) as s:
            queries.get_convening(s, conv, lock=True)
            held.set()
            release.wait(timeout=30)

    holder = threading.Thread(target=hold)
    holder.start()
    impatient = make_engine(db_url, busy_timeout_s=0.2)
    try:
        assert held.wait(timeout=30)
        with pytest.raises(StoreError, match="busy"):
            review.confirm(impatient, t)
    finally:
        release.set()
        holder.join()
    review.confirm(impatient, t)  # once the other writer is done, the edit goes through
    with transaction(engine) as s:
        assert queries.get_theme(s, t).status == "confirmed"
        assert s.get(StoredConvening, conv) is not None
    impatient.dispose()
