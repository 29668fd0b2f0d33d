"""Benchmark: many voters casting ballots at the same moment from separate processes.

    .venv/bin/python pipelines/vote_benchmark.py [--voters 200] [--workers 16]
        [--url postgresql+psycopg://...] [--target-s 10]

Sets up one convening (five confirmed priorities, ``--voters`` business leaders with codes),
opens the vote, then starts ``--workers`` processes that each take a share of the voters and
wait on one barrier; once all are ready they are released together and cast their voters'
ballots one after another through :func:`synth.decisions.ballots.cast_ballot` (code check with
scrypt, then one locked write). Afterwards the database is read back: every voter must have exactly
one ballot with the dots that were sent (lost and duplicated ballots, target 0).

Prints the scrypt cost of one code check on this machine, p50/p95/max latency per ballot, and
the wall time from release to the last ballot. The code check is the bulk of the work and is
CPU-bound: on N cores the wall time cannot drop below voters x check time / N.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("vote_benchmark")
PRIORITIES = 5
REC = "0000000000000001"  # a recording id as synth writes them (16 hex digits)


def convening_result(voters: int) -> dict[str, Any]:
    """A small result: five themes of four statements, and a roster of ``voters`` leaders."""
    names = [f"Leader {i:04d}" for i in range(voters)]
    statements, themes = [], []
    for t in range(PRIORITIES):
        ids = []
        for k in range(4):
            i = t * 4 + k
            ids.append(f"s{i:02d}")
            statements.append({"id": f"s{i:02d}", "text": f"statement {i} about priority {t}",
                               "speaker": names[i % voters], "start": 10.0 * i,
                               "end": 10.0 * i + 5, "recording": REC, "line": None, "turn": i,
                               "kind": "need", "clusterable": True, "theme": None})
        themes.append({"id": f"t{t}", "rank": t + 1, "label": f"Priority {t}",
                       "label_generated": False, "keywords": [], "statement_ids": ids,
                       "statement_count": 4, "speakers": [], "breadth": 0, "companies": [],
                       "talk_share": 0.0, "stability": 1.0, "kinds": {}, "quotes": []})
    return {"schema": 1,
            "recordings": [{"id": REC, "name": "r1.ogg", "kind": "audio", "duration": 600.0,
                            "sha256": "", "language": "en", "model": "base", "turns": 1,
                            "removed": []}],
            "participants": [{"name": n, "company": f"Company {n[-4:]}", "role": "business"}
                             for n in names],
            "talk_time_by_role": {"business": 1.0}, "statements": statements, "themes": themes}


def setup(url: str, voters: int) -> tuple[int, list[int], list[tuple[str, str]]]:
    """A convening with its priorities confirmed, codes issued and the vote open."""
    from synth.decisions import ballots, review
    from synth.store import ConveningSpec, import_result, init_db, make_engine, queries, transaction
    from synth.store.result import parse_result

    engine = make_engine(url)
    init_db(engine)
    title = f"vote benchmark {dt.datetime.now():%Y-%m-%d %H:%M:%S.%f}"
    conv = import_result(engine, parse_result(convening_result(voters)), convening=ConveningSpec(
        title, industry="benchmarking", region=f"run {os.getpid()}")).convening_id
    with transaction(engine) as s:
        themes = [t.id for t in queries.themes_of(s, conv)]
    for tid in themes:
        review.confirm(engine, tid, who="benchmark")
    t0 = time.perf_counter()
    codes = ballots.issue_codes(engine, conv)
    log.info("issued %d codes in %.1f s", len(codes), time.perf_counter() - t0)
    ballots.open_vote(engine, conv, ballots.BallotRules(dots_per_voter=3, max_per_priority=2),
                      who="benchmark")
    engine.dispose()
    return conv, themes, codes


def dots_for(i: int, themes: list[int]) -> dict[int, int]:
    """Voter ``i``'s ballot: 2 dots on one priority, 1 on the next, so each ballot differs."""
    return {themes[i % len(themes)]: 2, themes[(i + 1) % len(themes)]: 1}


def worker(url: str, jobs: list[tuple[int, str]], themes: list[int], barrier: Any,
           out: Any) -> None:
    """Cast the ballots of ``jobs`` (voter index, code) once every worker is ready."""
    from synth.decisions import ballots
    from synth.errors import SynthError
    from synth.store import make_engine

    engine = make_engine(url)
    with engine.connect():
        pass  # connect before the barrier: connection set-up is not what is measured
    barrier.wait()
    timings = []
    for i, code in jobs:
        t0 = time.perf_counter()
        try:
            ballots.cast_ballot(engine, code, dots_for(i, themes), source=f"worker{os.getpid()}")
            error = None
        except SynthError as exc:
            error = f"{type(exc).__name__}: {exc}"
        timings.append((i, t0, time.perf_counter(), error))
    out.put(timings)
    engine.dispose()


def check_cost(samples: int = 10) -> float:
    """Seconds one code check (scrypt at the shipped parameters) takes here."""
    from synth.decisions.voter_codes import hash_code, verify_code

    stored = hash_code("ABCDEFGHJKMN")
    t0 = time.perf_counter()
    for _ in range(samples):
        verify_code("ABCDEFGHJKMN", stored)
    return (time.perf_counter() - t0) / samples


def read_back(url: str, conv: int, codes: list[tuple[str, str]],
              themes: list[int]) -> tuple[int, int, int]:
    """(lost, duplicated, wrong) ballots compared with what each voter sent."""
    from synth.store import ballots as store
    from synth.store import make_engine, transaction
    from synth.store.schema import BallotRecord

    engine = make_engine(url)
    with transaction(engine) as s:
        stored = store.ballots_of(s, conv)
        rows = s.scalar(select(func.count()).select_from(BallotRecord)
                        .where(BallotRecord.convening_id == conv)) or 0
    engine.dispose()
    index = {name: i for i, (name, _) in enumerate(codes)}
    by_voter: dict[str, list[store.CastBallot]] = {}
    for b in stored:
        by_voter.setdefault(b.name, []).append(b)
    lost = sum(1 for name, _ in codes if name not in by_voter)
    duplicated = rows - len(by_voter) + sum(1 for b in stored if b.revision != 1)
    wrong = sum(1 for name, bs in by_voter.items()
                if {m.theme_id: m.dots for m in bs[0].marks} != dots_for(index[name], themes))
    return lost, duplicated, wrong


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--voters", type=int, default=200)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--url", help="Database URL (default: a new SQLite file in a temp dir).")
    ap.add_argument("--target-s", type=float, default=10.0)
    ap.add_argument("--start-method", default="fork", choices=["fork", "spawn", "forkserver"])
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    for noisy in ("synth", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory() as tmp:
        url = args.url or f"sqlite:///{Path(tmp) / 'vote.db'}"
        cost = check_cost()
        log.info("one code check (scrypt n=2**14, r=8, p=1): %.0f ms", cost * 1000)
        conv, themes, codes = setup(url, args.voters)
        ctx = mp.get_context(args.start_method)
        barrier, out = ctx.Barrier(args.workers + 1), ctx.Queue()
        shares = [[(i, codes[i][1]) for i in range(w, len(codes), args.workers)]
                  for w in range(args.workers)]
        procs = [ctx.Process(target=worker, args=(url, share, themes, barrier, out))
                 for share in shares]
        for p in procs:
            p.start()
        barrier.wait()
        released = time.perf_counter()
        timings = [t for _ in procs for t in out.get(timeout=600)]
        for p in procs:
            p.join(timeout=60)
        wall = max(end for _, _, end, _ in timings) - released
        lost, duplicated, wrong = read_back(url, conv, codes, themes)

    latencies = sorted(end - start for _, start, end, _ in timings)
    errors = [e for *_, e in timings if e]
    q = statistics.quantiles(latencies, n=100)
    cores = os.cpu_count() or 1
    floor = args.voters * cost / cores
    print(f"database            {'sqlite (temp file)' if not args.url else 'given --url'}")
    print(f"voters / workers    {args.voters} / {args.workers} processes on {cores} cores")
    print(f"code check (scrypt) {cost * 1000:.0f} ms; floor {floor:.1f} s "
          f"= {args.voters} x {cost * 1000:.0f} ms / {cores} cores")
    print(f"wall time           {wall:.2f} s (target {args.target_s:.0f} s: "
          f"{'met' if wall <= args.target_s else 'NOT met'})")
    print(f"latency per ballot  p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, "
          f"max {latencies[-1] * 1000:.0f} ms")
    print(f"ballots             lost {lost}, duplicated {duplicated}, wrong {wrong}, "
          f"errors {len(errors)}")
    for e in sorted(set(errors))[:5]:
        print(f"  error: {e}")
    return 0 if not (lost or duplicated or wrong or errors) else 1


if __name__ == "__main__":
    sys.exit(main())
